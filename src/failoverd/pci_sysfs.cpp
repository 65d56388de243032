#include "failoverd/pci_sysfs.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <system_error>

#include "common/unique_fd.h"

namespace nf::daemon {

namespace fs = std::filesystem;

std::optional<std::string> read_sysfs_line(const fs::path& file) {
    // O_NONBLOCK: a FIFO planted in a fake tree must not hang us; sysfs ignores it.
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd) return std::nullopt;
    std::array<char, kMaxSysfsAttribute> buffer{};
    ssize_t n;
    do {
        n = ::read(fd.get(), buffer.data(), buffer.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) return std::nullopt;  // ENODEV / ENOENT: the device went away between open and read
    std::string line(buffer.data(), static_cast<std::size_t>(n));
    if (const auto nl = line.find('\n'); nl != std::string::npos) line.resize(nl);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.pop_back();
    return line;
}

bool PciSysfs::valid_address(const std::string& address) {
    // dddd:bb:dd.f
    if (address.size() != 12 || address[4] != ':' || address[7] != ':' || address[10] != '.') return false;
    for (std::size_t i = 0; i < address.size(); ++i) {
        if (i == 4 || i == 7 || i == 10) continue;
        if (!std::isxdigit(static_cast<unsigned char>(address[i]))) return false;
    }
    return true;
}

std::optional<std::string> PciSysfs::device_attribute(const std::string& address, const std::string& attribute) const {
    if (!valid_address(address)) return std::nullopt;
    return read_sysfs_line(root_ / "bus" / "pci" / "devices" / address / attribute);
}

std::optional<std::string> PciSysfs::devpath(const std::string& address) const {
    if (!valid_address(address)) return std::nullopt;
    std::error_code ec;
    const fs::path root = fs::canonical(root_, ec);
    if (ec) return std::nullopt;
    const fs::path device = fs::canonical(root_ / "bus" / "pci" / "devices" / address, ec);
    if (ec) return std::nullopt;
    const std::string r = root.string(), d = device.string();
    if (r == "/") return d;
    if (d.size() <= r.size() || !d.starts_with(r) || d[r.size()] != '/') return std::nullopt;  // outside the root
    return d.substr(r.size());
}

std::vector<PciSysfs::Slot> PciSysfs::slots() const {
    std::vector<Slot> out;
    std::error_code ec;
    std::size_t seen = 0;
    for (fs::directory_iterator it(root_ / "bus" / "pci" / "slots", ec), end; !ec && it != end; it.increment(ec)) {
        if (++seen > kMaxPciSlots) {
            ++skipped_;
            break;
        }
        // A slot removed between the listing and the read has no address: skipped.
        if (auto address = read_sysfs_line(it->path() / "address"); address && !address->empty())
            out.push_back({it->path().filename().string(), std::move(*address)});
    }
    std::sort(out.begin(), out.end(), [](const Slot& a, const Slot& b) { return a.name < b.name; });
    return out;
}

}  // namespace nf::daemon
