#include "vmm/guest_pause.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "common/error.h"

namespace nf::vmm {

namespace {
// The Cgroup2 API names groups relative to the cgroup2 mount; the lab passes absolute paths.
std::string relative_group(const std::string& cgroup) {
    if (cgroup.empty() || cgroup.front() != '/') return cgroup;
    const auto mount = os::Cgroup2::mount_point();
    const auto rel = std::filesystem::path(cgroup).lexically_normal().lexically_relative(mount);
    if (rel.empty() || rel.string().starts_with("..") || rel == ".")
        throw ConfigError("--cgroup " + cgroup + ": not a group under the cgroup2 mount " + mount.string());
    return rel.string();
}
}  // namespace

GuestPause::GuestPause(const std::string& cgroup) {
    if (cgroup.empty()) return;
    try {
        cgroup_ = os::Cgroup2::open(relative_group(cgroup));
    } catch (const SystemError& e) {
        throw ConfigError("--cgroup " + cgroup + ": " + e.what());
    }
}

GuestPause::~GuestPause() {
    if (!frozen_by_us_) return;
    try {
        thaw();
    } catch (const std::exception& e) {
        spdlog::warn("thaw {} at exit: {}", path(), e.what());
    }
}

void GuestPause::freeze() {
    if (!cgroup_) return;
    cgroup_->freeze();
    frozen_by_us_ = true;
}

void GuestPause::thaw() {
    if (!cgroup_) return;
    cgroup_->thaw();
    frozen_by_us_ = false;
}

bool GuestPause::frozen() const { return cgroup_ && cgroup_->frozen(); }

}  // namespace nf::vmm
