#pragma once
// The lab's NIC MAC filter: a sticky static FDB entry for the VM's MAC on a Linux bridge (the embedded
// switch), pointing at the VF's port or at the standby backend's (PV) port.
#include <optional>
#include <vector>

#include "orchestrator/filter_spec.h"
#include "orchestrator/ports.h"
#include "os/rtnl.h"

namespace nf::orchestrator::edge {

class FdbFilter : public HostFilter {
public:
    explicit FdbFilter(FilterSpec spec) : spec_(std::move(spec)) {}
    std::string describe() const override;
    void check(const std::string& mac) override;
    void to_standby() override { point_at(spec_.pv_port); }
    void to_primary() override { point_at(spec_.vf_port); }
    void restore() override;
    void release() override;

private:
    struct Found {
        int port = 0;
        bool sticky = false;
    };
    os::Rtnl& rtnl();
    std::vector<os::FdbEntry> static_entries();
    void point_at(const std::string& port);

    FilterSpec spec_;
    std::optional<os::Rtnl> rtnl_;
    MacAddress mac_;
    int bridge_ = 0;
    std::vector<Found> found_;  // the static entries for the MAC at check()
};

}  // namespace nf::orchestrator::edge
