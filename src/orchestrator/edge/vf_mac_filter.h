#pragma once
// A real SR-IOV NIC's MAC filter: the MAC of VF N on its PF (IFLA_VF_MAC, `ip link set PF vf N mac M`).
// The kernel doc's script zeroes it while the VM is away, so the NIC delivers the VM's frames to the PF
// (the standby's path), and sets it again for the VF on the destination.
#include <optional>

#include "common/mac_address.h"
#include "orchestrator/filter_spec.h"
#include "orchestrator/ports.h"
#include "os/nl_transact.h"

namespace nf::orchestrator::edge {

class VfMacFilter : public HostFilter {
public:
    explicit VfMacFilter(FilterSpec spec) : spec_(std::move(spec)) {}
    std::string describe() const override;
    void check(const std::string& mac) override;
    void to_standby() override { set_mac(MacAddress()); }
    void to_primary() override { set_mac(mac_); }
    void restore() override { set_mac(found_); }
    void release() override { set_mac(MacAddress()); }

private:
    nl_sock* sock();
    // The PF's VF count and VF N's MAC (RTM_GETLINK with RTEXT_FILTER_VF).
    std::pair<unsigned, std::optional<MacAddress>> query();
    void set_mac(const MacAddress& mac);

    FilterSpec spec_;
    os::detail::NlSocketPtr sock_;
    int pf_ = 0;
    MacAddress mac_;
    MacAddress found_;
};

}  // namespace nf::orchestrator::edge
