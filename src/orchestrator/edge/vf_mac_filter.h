#pragma once
// A real SR-IOV NIC's MAC filter: the MAC of VF N on its PF (IFLA_VF_MAC, `ip link set PF vf N mac M`).
// The kernel doc's script zeroes it while the VM is away, so the NIC delivers the VM's frames to the PF
// (the standby's path), and sets it again for the VF on the destination. It also owns VF N's link state
// (IFLA_VF_LINK_STATE) for failover-migrate's opt-in primary-link-down step.
#include <linux/if_link.h>

#include <cstdint>
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
    void release() override {
        set_mac(MacAddress());
        link_restore();
    }
    // IFLA_VF_LINK_STATE (`ip link set PF vf N state disable`): the VF's driver in the guest sees carrier loss.
    bool link_down() override;
    void link_restore() override;

private:
    nl_sock* sock();
    // The PF's VF count and VF N's MAC (RTM_GETLINK with RTEXT_FILTER_VF).
    struct VfState {
        unsigned num_vf = 0;
        std::optional<MacAddress> mac;
        std::uint32_t link_state = IFLA_VF_LINK_STATE_AUTO;
    };
    VfState query();
    void set_mac(const MacAddress& mac);
    void set_link_state(std::uint32_t state);
    // Both as one IFLA_VFINFO_LIST/IFLA_VF_INFO request carrying `type` with `payload`.
    void set_vf(int type, const void* payload, int len, const std::string& what);

    FilterSpec spec_;
    os::detail::NlSocketPtr sock_;
    int pf_ = 0;
    MacAddress mac_;
    MacAddress found_;
    std::uint32_t link_found_ = IFLA_VF_LINK_STATE_AUTO;
    bool link_changed_ = false;
};

}  // namespace nf::orchestrator::edge
