#include <spdlog/spdlog.h>

#include "common/best_effort.h"
#include "common/error.h"
#include "failoverd/standby_takeover.h"

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

void check_standby_config(const LinkSnapshot* s, daemon::StandbyConfig mode, const std::string& standby,
                          const std::string& master) {
    if (!has_config(s) || mode != daemon::StandbyConfig::refuse) return;
    throw ConfigError("--standby-config refuse: the standby " + standby + " is configured (" + describe_config(*s) +
                      "); remove that configuration (the master " + master +
                      " is where it belongs), or let failoverd move it there with --standby-config takeover");
}

// Before the standby is renamed or hidden: its addresses and routes leave it, so nothing of them is left
// on a slave (a duplicate subnet route through a link that never receives a frame).
void clear_standby_config(const LinkSnapshot* s, const os::Netns& guest, int standby_ifindex) {
    if (!has_config(s)) return;
    os::LinkConfigIo io(guest);
    for (const auto& r : s->routes)
        best_effort("takeover", "remove a route from the standby", [&] { io.del_route(standby_ifindex, r); });
    for (const auto& a : s->addresses)
        best_effort("takeover", "remove an address from the standby", [&] { io.del_address(standby_ifindex, a); });
}

// Once the master is up: the standby's addresses, then its routes (their gateways are reachable then).
std::vector<std::string> take_over_standby_config(const LinkSnapshot* s, const os::Netns& guest, int master,
                                                  const std::string& master_name, const std::string& standby_name) {
    std::vector<std::string> taken_over;
    if (!has_config(s)) return taken_over;
    os::LinkConfigIo io(guest);
    std::vector<std::string> failed;
    for (os::AddressEntry a : s->addresses) {
        // An IPv4 label names its link ("ens4:1"); on the master it is the master's name with the suffix.
        const auto colon = a.label.find(':');
        a.label = colon == std::string::npos ? std::string() : master_name + a.label.substr(colon);
        if (a.label.size() > 15) a.label.clear();
        if (!best_effort("takeover", "move an address to the master", [&] { io.add_address(master, a); }))
            failed.push_back(a.describe());
        else
            taken_over.push_back(a.describe());
    }
    for (const auto& r : s->routes) {
        if (!best_effort("takeover", "move a route to the master", [&] { io.add_route(master, r); }))
            failed.push_back("route " + r.describe());
        else
            taken_over.push_back("route " + r.describe());
    }
    std::string moved;
    for (const auto& m : taken_over) moved += (moved.empty() ? "" : ", ") + m;
    if (!moved.empty())
        spdlog::info("{}: took over the standby {}'s configuration: {} (back to the standby at stop)", master_name,
                     standby_name, moved);
    for (const auto& f : failed)
        spdlog::warn("{}: could not move {} from the standby {} to the master; it is back on the standby at stop",
                     master_name, f, standby_name);
    return taken_over;
}

}  // namespace nf::failoverd
