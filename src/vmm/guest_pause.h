#pragma once
// The pause path, kept apart from QMP so migration can drive it too: freezing the VM's cgroup stops its
// processes but not its network stack (platform-notes §3), so a pause also stops the PV forwarding.
#include <optional>
#include <string>

#include "os/cgroup.h"

namespace nf::vmm {

class GuestPause {
public:
    // cgroup: absolute (under the cgroup2 mount) or relative to it; empty = no cgroup. Throws ConfigError
    // when it does not exist.
    explicit GuestPause(const std::string& cgroup);
    ~GuestPause();  // never leaves the VM frozen behind

    void freeze();
    void thaw();
    // The VM left this VMM (live migration): its cgroup's state is the next VMM's to keep.
    void disown() { frozen_by_us_ = false; }
    bool has_cgroup() const { return cgroup_.has_value(); }
    bool frozen() const;
    std::string path() const { return cgroup_ ? cgroup_->path().string() : ""; }

private:
    std::optional<os::Cgroup2> cgroup_;
    bool frozen_by_us_ = false;
};

}  // namespace nf::vmm
