#include "failoverd/sysfs_netdevs.h"

#include <algorithm>
#include <fstream>
#include <system_error>

namespace nf::daemon {
namespace {

namespace fs = std::filesystem;

std::string first_line(const fs::path& file) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ' || line.back() == '\r')) line.pop_back();
    return line;
}

}  // namespace

std::vector<std::string> SysfsNetdevs::names() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(root_ / "class" / "net", ec), end; !ec && it != end; it.increment(ec))
        out.push_back(it->path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<NetdevFacts> SysfsNetdevs::read(const std::string& name) const {
    const fs::path dir = root_ / "class" / "net" / name;
    std::error_code ec;
    if (!fs::exists(dir, ec)) return std::nullopt;
    NetdevFacts facts{name, {}, {}};
    // The driver is a symlink into /sys/bus/*/drivers/<driver>; only its last component matters.
    const fs::path driver = fs::read_symlink(dir / "device" / "driver", ec);
    if (!ec) facts.driver = driver.filename().string();
    facts.virtio_features = first_line(dir / "device" / "features");
    return facts;
}

std::vector<NetdevFacts> SysfsNetdevs::read_all() const {
    std::vector<NetdevFacts> out;
    for (const auto& name : names())
        if (auto facts = read(name)) out.push_back(std::move(*facts));
    return out;
}

}  // namespace nf::daemon
