#pragma once
// The primary's backend in the lab: a veth pair stands in for an SR-IOV VF. Its "VF" end (`host=IF`) sits
// in the VMM's namespace until plug moves it into the VM (renamed to `ifname`); unplug moves it back under
// its own name. Its peer is the VF's port on the host bridge (the NIC's embedded switch).
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>

#include "common/mac_address.h"
#include "vmm/namespaces.h"

namespace nf::vmm {

// The VF's port on the host bridge: the veth peer of IF (IFLA_LINK), which must be a bridge port.
struct VfPort {
    int ifindex = 0;
    std::string name;
    int bridge = 0;  // ifindex of its master
};

// Looks IF up in the host namespace and checks it can be a VF: a veth whose peer is a bridge port there.
// Throws ConfigError naming what is wrong.
VfPort find_vf_port(os::Rtnl& host, const std::string& host_if);

class PrimaryVeth {
public:
    // Moves IF into the VM as `ifname` (after setting `mac` and the alias `alias`, when given). Throws
    // (ConfigError for an alias that is not 1..255 printable characters); on failure IF stays put.
    static std::unique_ptr<PrimaryVeth> plug(Namespaces& ns, std::string id, const std::string& host_if,
                                             const std::string& ifname, const std::optional<MacAddress>& mac,
                                             const std::string& alias = {});
    ~PrimaryVeth();  // unplugs if still plugged
    PrimaryVeth(const PrimaryVeth&) = delete;
    PrimaryVeth& operator=(const PrimaryVeth&) = delete;

    // Moves the VF back to the host namespace under its own name, with the MAC it was plugged with: what
    // a VF reset does to a VF whose (trusted) guest changed its MAC. Its alias stays (the id is the VF's,
    // like a slot's: a later plug without alias= keeps it). A VF that is gone (its veth deleted) is
    // simply forgotten.
    void unplug();
    // The host deleted the veth: nothing left to move.
    void mark_gone() { plugged_ = false; }

    const std::string& id() const { return id_; }
    const std::string& host_if() const { return host_if_; }
    const std::string& ifname() const { return ifname_; }
    const VfPort& port() const { return port_; }
    const MacAddress& mac() const { return mac_; }
    const std::string& alias() const { return alias_; }
    int guest_ifindex() const { return guest_ifindex_; }
    bool plugged() const { return plugged_; }
    // Its unplug was requested (eject request sent to the guest) and not cancelled: the MAC filter goes.
    bool leaving() const { return leaving_; }
    void set_leaving(bool leaving) { leaving_ = leaving; }
    nlohmann::json describe() const;

private:
    PrimaryVeth(Namespaces& ns, std::string id, std::string host_if, std::string ifname, VfPort port, MacAddress mac,
                std::string alias, int guest_ifindex)
        : ns_(ns), id_(std::move(id)), host_if_(std::move(host_if)), ifname_(std::move(ifname)), port_(port),
          mac_(mac), alias_(std::move(alias)), guest_ifindex_(guest_ifindex) {}

    Namespaces& ns_;
    std::string id_;
    std::string host_if_;
    std::string ifname_;
    VfPort port_;
    MacAddress mac_;
    std::string alias_;
    int guest_ifindex_;
    bool plugged_ = true;
    bool leaving_ = false;
};

}  // namespace nf::vmm
