#include "os/mounts.h"

#include <sys/mount.h>

#include <fstream>
#include <sstream>

#include "common/error.h"

namespace nf::os {
namespace {

// /proc/*/mounts escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& field) {
    std::string out;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            const std::string oct = field.substr(i + 1, 3);
            if (oct.size() == 3 && oct.find_first_not_of("01234567") == std::string::npos) {
                out.push_back(static_cast<char>(std::stoi(oct, nullptr, 8)));
                i += 3;
                continue;
            }
        }
        out.push_back(field[i]);
    }
    return out;
}

constexpr const char* kBpffsPath = "/sys/fs/bpf";

}  // namespace

std::vector<MountEntry> read_mounts() {
    std::ifstream in("/proc/thread-self/mounts");
    if (!in) throw_errno("open /proc/thread-self/mounts");
    std::vector<MountEntry> out;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        MountEntry e;
        std::string target;
        if (!(fields >> e.source >> target >> e.fstype >> e.options)) continue;
        e.source = unescape(e.source);
        e.target = unescape(target);
        out.push_back(std::move(e));
    }
    return out;
}

std::optional<std::filesystem::path> find_mount(const std::string& fstype) {
    for (const auto& m : read_mounts())
        if (m.fstype == fstype) return m.target;
    return std::nullopt;
}

std::filesystem::path ensure_bpffs() {
    for (const auto& m : read_mounts())
        if (m.fstype == "bpf" && m.target == kBpffsPath) return m.target;
    if (::mount("bpf", kBpffsPath, "bpf", 0, "mode=0700") < 0) throw_errno(std::string("mount bpffs at ") + kBpffsPath);
    return kBpffsPath;
}

}  // namespace nf::os
