#include "orchestrator/edge/fdb_filter.h"

#include <stdexcept>

#include "os/netns.h"

namespace nf::orchestrator::edge {

std::string FdbFilter::describe() const {
    return "fdb " + (spec_.netns.empty() ? std::string() : spec_.netns + "/") + spec_.bridge + " (vf " + spec_.vf_port +
           ", pv " + spec_.pv_port + (spec_.vlan ? ", vlan " + std::to_string(spec_.vlan) : "") + ")";
}

os::Rtnl& FdbFilter::rtnl() {
    if (!rtnl_) rtnl_.emplace(spec_.netns.empty() ? os::Rtnl() : os::Rtnl::in(os::Netns::open_named(spec_.netns)));
    return *rtnl_;
}

std::vector<os::FdbEntry> FdbFilter::static_entries() {
    std::vector<os::FdbEntry> out;
    for (const auto& e : rtnl().fdb(os::LinkRef(bridge_)))
        if (e.mac == mac_ && e.vlan == spec_.vlan && e.is_static && e.master_entry) out.push_back(e);
    return out;
}

void FdbFilter::check(const std::string& mac) {
    const auto parsed = MacAddress::parse(mac);
    if (!parsed) throw std::runtime_error(describe() + ": '" + mac + "' is not a MAC address");
    mac_ = *parsed;
    if (!spec_.netns.empty() && !os::Netns::named_exists(spec_.netns))
        throw std::runtime_error(describe() + ": no network namespace '" + spec_.netns + "'");
    const auto bridge = rtnl().find_link(spec_.bridge);
    if (!bridge || bridge->kind != "bridge")
        throw std::runtime_error(describe() + ": '" + spec_.bridge + "' is not a bridge");
    bridge_ = bridge->ifindex;
    for (const auto& port : {spec_.vf_port, spec_.pv_port}) {
        const auto link = rtnl().find_link(port);
        if (!link || link->master != bridge_)
            throw std::runtime_error(describe() + ": '" + port + "' is not a port of " + spec_.bridge);
    }
    found_.clear();
    for (const auto& e : static_entries()) found_.push_back({e.port, e.sticky});
}

void FdbFilter::point_at(const std::string& port) {
    // `replace` moves the one static entry of (MAC, VLAN) to the new port in a single change.
    rtnl().add_fdb(port, mac_, {.sticky = true, .vlan = spec_.vlan});
}

void FdbFilter::restore() {
    for (const auto& e : static_entries()) rtnl().del_fdb(os::LinkRef(e.port), mac_, spec_.vlan);
    for (const auto& f : found_) rtnl().add_fdb(os::LinkRef(f.port), mac_, {.sticky = f.sticky, .vlan = spec_.vlan});
}

void FdbFilter::release() {
    const int pv = rtnl().ifindex(spec_.pv_port);
    for (const auto& e : static_entries())
        if (e.port == pv) rtnl().del_fdb(os::LinkRef(pv), mac_, spec_.vlan);
}

}  // namespace nf::orchestrator::edge
