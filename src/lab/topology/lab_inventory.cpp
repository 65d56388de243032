// What of a lab exists right now, found from the prefix alone: the basis of down and status.
#include <algorithm>
#include <filesystem>

#include "lab/topology/lab.h"
#include "lab/topology/lab_config_checks.h"
#include "lab/topology/lab_names.h"
#include "os/cgroup.h"
#include "os/netns.h"

namespace nf::lab {
namespace {

void collect_post_order(const std::filesystem::path& dir, const std::filesystem::path& mount,
                        std::vector<std::string>& out) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
        if (entry.is_directory()) collect_post_order(entry.path(), mount, out);
    out.push_back(std::filesystem::relative(dir, mount).string());
}

}  // namespace

void validate_prefix(const std::string& prefix) { check_prefix(prefix); }

std::vector<std::string> lab_namespaces(const std::string& prefix) {
    validate_prefix(prefix);
    const auto start = LabNames(prefix).netns_glob_prefix();
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(os::Netns::kRunDir, ec)) {
        const auto name = entry.path().filename().string();
        if (name.starts_with(start)) out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> lab_cgroups(const std::string& prefix) {
    validate_prefix(prefix);
    const auto mount = os::Cgroup2::mount_point();
    const auto group = mount / LabNames(prefix).cgroup_group();
    std::vector<std::string> out;
    if (std::filesystem::is_directory(group)) collect_post_order(group, mount, out);
    return out;
}

}  // namespace nf::lab
