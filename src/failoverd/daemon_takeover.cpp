// Daemon: the standby's IP configuration at start. The kernel's net_failover makes its master before any
// network configuration runs; failoverd starts later, so DHCP or the distribution's configuration may
// already have put addresses and routes on the standby. Left there they would be stranded (the standby's
// own IP stack never sees a frame once it is a slave) and its subnet route would shadow the master's.
// takeover moves them to the master (the exact restore puts them back on the standby at stop); refuse
// stops before any change, naming them.
#include <spdlog/spdlog.h>

#include "common/best_effort.h"
#include "common/error.h"
#include "failoverd/daemon.h"

namespace nf::failoverd {

namespace {

std::string describe_config(const LinkSnapshot& s) {
    std::string out;
    for (const auto& a : s.addresses) out += (out.empty() ? "" : ", ") + a.describe();
    for (const auto& r : s.routes) out += (out.empty() ? "route " : ", route ") + r.describe();
    return out;
}

bool has_config(const LinkSnapshot* s) { return s && (!s->addresses.empty() || !s->routes.empty()); }

}  // namespace

void Daemon::check_standby_config(const os::LinkInfo& standby) {
    const LinkSnapshot* s = snapshots_.find(standby.name);
    if (!has_config(s) || config_.standby_config != daemon::StandbyConfig::refuse) return;
    throw ConfigError("--standby-config refuse: the standby " + standby.name + " is configured (" + describe_config(*s) +
                      "); remove that configuration (the master " + config_.master +
                      " is where it belongs), or let failoverd move it there with --standby-config takeover");
}

// Before the standby is renamed or hidden: its addresses and routes leave it, so nothing of them is left
// on a slave (a duplicate subnet route through a link that never receives a frame).
void Daemon::clear_standby_config(const os::LinkInfo& standby) {
    const LinkSnapshot* s = snapshots_.find(standby.name);
    if (!has_config(s)) return;
    os::LinkConfigIo io(guest_);
    for (const auto& r : s->routes)
        best_effort("takeover", "remove a route from the standby", [&] { io.del_route(standby.ifindex, r); });
    for (const auto& a : s->addresses)
        best_effort("takeover", "remove an address from the standby", [&] { io.del_address(standby.ifindex, a); });
}

// Once the master is up: the standby's addresses, then its routes (their gateways are reachable then).
void Daemon::take_over_standby_config() {
    const LinkSnapshot* s = snapshots_.find(standby_name_);
    if (!has_config(s)) return;
    os::LinkConfigIo io(guest_);
    const int master = device_->master_ifindex();
    std::vector<std::string> failed;
    for (os::AddressEntry a : s->addresses) {
        // An IPv4 label names its link ("ens4:1"); on the master it is the master's name with the suffix.
        const auto colon = a.label.find(':');
        a.label = colon == std::string::npos ? std::string() : config_.master + a.label.substr(colon);
        if (a.label.size() > 15) a.label.clear();
        if (!best_effort("takeover", "move an address to the master", [&] { io.add_address(master, a); }))
            failed.push_back(a.describe());
        else
            taken_over_.push_back(a.describe());
    }
    for (const auto& r : s->routes) {
        if (!best_effort("takeover", "move a route to the master", [&] { io.add_route(master, r); }))
            failed.push_back("route " + r.describe());
        else
            taken_over_.push_back("route " + r.describe());
    }
    std::string moved;
    for (const auto& m : taken_over_) moved += (moved.empty() ? "" : ", ") + m;
    if (!moved.empty())
        spdlog::info("{}: took over the standby {}'s configuration: {} (back to the standby at stop)", config_.master,
                     standby_name_, moved);
    for (const auto& f : failed)
        spdlog::warn("{}: could not move {} from the standby {} to the master; it is back on the standby at stop",
                     config_.master, f, standby_name_);
}

}  // namespace nf::failoverd
