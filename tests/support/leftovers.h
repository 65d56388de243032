#pragma once
// Leak check for test fixtures: everything a fixture (or the daemon it ran) names after the fixture's tag
// must be gone once the fixture is torn down. Looks in /run/netns (namespaces, as `ip netns` lists them),
// /sys/fs/bpf (pins, a few levels deep) and /run/netfailover (control sockets, state files).
//
// A tag is <letters?><pid>x<counter>; a name carries it when it contains the tag with no digit right
// before or after it (so tag 12x1 does not match 312x1 or 12x10).
#include <cctype>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "os/netns.h"

namespace nf::test {

inline bool names_tag(const std::string& name, const std::string& tag) {
    for (auto pos = name.find(tag); pos != std::string::npos; pos = name.find(tag, pos + 1)) {
        const auto end = pos + tag.size();
        const bool clean_start = pos == 0 || !std::isdigit(static_cast<unsigned char>(name[pos - 1])) ||
                                 !std::isdigit(static_cast<unsigned char>(tag.front()));
        const bool clean_end = end == name.size() || !std::isdigit(static_cast<unsigned char>(name[end]));
        if (clean_start && clean_end) return true;
    }
    return false;
}

// Paths under /run/netns, /sys/fs/bpf and /run/netfailover whose name carries `tag` (outermost only).
inline std::vector<std::filesystem::path> leftovers(const std::string& tag) {
    namespace fs = std::filesystem;
    std::vector<fs::path> found;
    for (const auto& [root, max_depth] : {std::pair{fs::path(os::Netns::kRunDir), 0},
                                          std::pair{fs::path("/sys/fs/bpf"), 3},
                                          std::pair{fs::path("/run/netfailover"), 3}}) {
        std::error_code ec;
        fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
        for (; !ec && it != end; it.increment(ec)) {
            if (names_tag(it->path().filename().string(), tag)) {
                found.push_back(it->path());
                it.disable_recursion_pending();
            } else if (it.depth() >= max_depth) {
                it.disable_recursion_pending();
            }
        }
    }
    return found;
}

// Removes what leftovers() found (namespaces by unmounting their name), so one leaking test does not
// leave the machine dirty for the next. Best effort.
inline void sweep(const std::vector<std::filesystem::path>& paths) {
    for (const auto& path : paths) {
        std::error_code ec;
        if (path.parent_path() == os::Netns::kRunDir) {
            try {
                os::Netns::remove_named(path.filename().string());
            } catch (...) {
            }
        } else {
            std::filesystem::remove_all(path, ec);
        }
    }
}

inline std::string describe(const std::vector<std::filesystem::path>& paths) {
    std::string s;
    for (const auto& p : paths) s += "\n  " + p.string();
    return s;
}

}  // namespace nf::test
