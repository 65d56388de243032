#include "failoverd/link_snapshot.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/best_effort.h"
#include "common/error.h"
#include "os/ipv6_family.h"
#include "os/sysctl.h"

namespace nf::failoverd {

namespace {

std::string snapshot_ipv6_key(const std::string& name) { return "net/ipv6/conf/" + name + "/disable_ipv6"; }

bool same_address(const os::AddressEntry& a, const os::AddressEntry& b) { return a.local == b.local; }

bool same_route(const os::RouteEntry& a, const os::RouteEntry& b) {
    return a.family == b.family && a.dst == b.dst && a.table == b.table && a.priority == b.priority &&
           a.gateway == b.gateway;
}

}  // namespace

LinkSnapshot capture_link(const os::Netns& netns, int ifindex) {
    os::Rtnl rtnl = os::Rtnl::in(netns);
    const os::LinkInfo link = rtnl.link(ifindex);
    LinkSnapshot s;
    s.name = link.name;
    s.admin_up = link.admin_up;
    s.mtu = link.mtu;
    os::ipv6_step("read IPv6 settings of " + link.name, [&] {
        s.addrgenmode = rtnl.addrgenmode(ifindex);
        if (s.addrgenmode) s.disable_ipv6 = os::read_sysctl(netns, snapshot_ipv6_key(link.name));
    });
    os::LinkConfigIo io(netns);
    for (auto& a : io.addresses(ifindex))
        if (!a.kernel_made()) s.addresses.push_back(std::move(a));
    s.routes = io.routes(ifindex);
    return s;
}

std::vector<std::string> restore_link(const os::Netns& netns, const LinkSnapshot& s) noexcept {
    std::vector<std::string> failed;
    std::optional<os::Rtnl> rtnl;
    std::optional<os::LinkInfo> link;
    if (!best_effort("restore", "find the link", [&] {
            rtnl.emplace(os::Rtnl::in(netns));
            link = rtnl->find_link(s.name);
        })) {
        failed.push_back(s.name + ": cannot be read");
        return failed;
    }
    if (!link) return failed;  // gone (unplugged): nothing to restore
    const int ifindex = link->ifindex;
    auto step = [&](const std::string& what, auto&& body) {
        if (!best_effort("restore", what.c_str(), body)) failed.push_back(s.name + ": " + what);
    };
    // addrgenmode before disable_ipv6: re-enabling IPv6 makes the link-local address with the mode then.
    if (s.addrgenmode)
        step("IPv6 addrgenmode", [&] {
            os::ipv6_step("restore addrgenmode of " + s.name, [&] {
                if (rtnl->addrgenmode(ifindex) != s.addrgenmode) rtnl->set_addrgenmode(ifindex, *s.addrgenmode);
            });
        });
    if (s.disable_ipv6)
        step("disable_ipv6", [&] {
            os::ipv6_step("restore disable_ipv6 of " + s.name, [&] {
                const std::string key = snapshot_ipv6_key(s.name);
                if (os::read_sysctl(netns, key) != *s.disable_ipv6) os::write_sysctl(netns, key, *s.disable_ipv6);
            });
        });
    if (link->mtu != s.mtu) step("MTU " + std::to_string(s.mtu), [&] { rtnl->set_mtu(ifindex, s.mtu); });
    os::LinkConfigIo io(netns);
    std::vector<os::AddressEntry> now;
    step("list addresses", [&] { now = io.addresses(ifindex); });
    for (const auto& a : s.addresses) {
        if (std::any_of(now.begin(), now.end(), [&](const auto& n) { return same_address(n, a); })) continue;
        step("address " + a.describe(), [&] { io.add_address(ifindex, a); });
    }
    if (link->admin_up != s.admin_up)
        step(s.admin_up ? "up" : "down", [&] { s.admin_up ? rtnl->set_up(ifindex) : rtnl->set_down(ifindex); });
    // Last: a route's gateway must be reachable through the link, which needs it up and addressed.
    std::vector<os::RouteEntry> routes_now;
    if (!s.routes.empty()) step("list routes", [&] { routes_now = io.routes(ifindex); });
    for (const auto& r : s.routes) {
        if (std::any_of(routes_now.begin(), routes_now.end(), [&](const auto& n) { return same_route(n, r); }))
            continue;
        step("route " + r.describe(), [&] { io.add_route(ifindex, r); });
    }
    if (failed.empty()) spdlog::info("{}: restored (up {}, mtu {}, {} addresses, {} routes)", s.name, s.admin_up, s.mtu,
                                     s.addresses.size(), s.routes.size());
    return failed;
}

nlohmann::json to_json(const LinkSnapshot& s) {
    nlohmann::json addresses = nlohmann::json::array();
    for (const auto& a : s.addresses) {
        nlohmann::json j = {{"local", a.local.to_string()}, {"flags", a.flags}, {"scope", a.scope},
                            {"label", a.label},            {"valid_lft", a.valid_lft},
                            {"preferred_lft", a.preferred_lft}};
        if (a.peer) j["peer"] = *a.peer;
        if (a.broadcast) j["broadcast"] = *a.broadcast;
        addresses.push_back(std::move(j));
    }
    nlohmann::json routes = nlohmann::json::array();
    for (const auto& r : s.routes) {
        nlohmann::json j = {{"family", r.family},     {"dst", r.dst.to_string()}, {"table", r.table},
                            {"priority", r.priority}, {"protocol", r.protocol},   {"scope", r.scope},
                            {"type", r.type}};
        if (r.gateway) j["gateway"] = *r.gateway;
        if (r.prefsrc) j["prefsrc"] = *r.prefsrc;
        routes.push_back(std::move(j));
    }
    nlohmann::json doc = {{"name", s.name}, {"admin_up", s.admin_up}, {"mtu", s.mtu}, {"addresses", addresses},
                          {"routes", routes}};
    if (s.addrgenmode) doc["addrgenmode"] = static_cast<int>(*s.addrgenmode);
    if (s.disable_ipv6) doc["disable_ipv6"] = *s.disable_ipv6;
    return doc;
}

LinkSnapshot link_snapshot_from_json(const nlohmann::json& doc) {
    LinkSnapshot s;
    s.name = doc.at("name").get<std::string>();
    s.admin_up = doc.at("admin_up").get<bool>();
    s.mtu = doc.at("mtu").get<unsigned>();
    if (doc.contains("addrgenmode")) {
        const int mode = doc.at("addrgenmode").get<int>();
        if (mode < 0 || mode > 3) throw std::runtime_error("addrgenmode out of range");
        s.addrgenmode = static_cast<os::AddrGenMode>(mode);
    }
    if (doc.contains("disable_ipv6")) s.disable_ipv6 = doc.at("disable_ipv6").get<std::string>();
    for (const auto& j : doc.at("addresses")) {
        os::AddressEntry a;
        a.local = os::IpPrefix::parse(j.at("local").get<std::string>());
        a.flags = j.at("flags").get<unsigned>();
        a.scope = j.at("scope").get<int>();
        a.label = j.value("label", "");
        a.valid_lft = j.at("valid_lft").get<std::uint32_t>();
        a.preferred_lft = j.at("preferred_lft").get<std::uint32_t>();
        if (j.contains("peer")) a.peer = j.at("peer").get<std::string>();
        if (j.contains("broadcast")) a.broadcast = j.at("broadcast").get<std::string>();
        s.addresses.push_back(std::move(a));
    }
    for (const auto& j : doc.at("routes")) {
        os::RouteEntry r;
        r.family = j.at("family").get<int>();
        r.dst = os::IpPrefix::parse(j.at("dst").get<std::string>());
        r.table = j.at("table").get<std::uint32_t>();
        r.priority = j.at("priority").get<std::uint32_t>();
        r.protocol = j.at("protocol").get<std::uint8_t>();
        r.scope = j.at("scope").get<std::uint8_t>();
        r.type = j.at("type").get<std::uint8_t>();
        if (j.contains("gateway")) r.gateway = j.at("gateway").get<std::string>();
        if (j.contains("prefsrc")) r.prefsrc = j.at("prefsrc").get<std::string>();
        s.routes.push_back(std::move(r));
    }
    return s;
}

bool LinkSnapshots::capture_once(const os::Netns& netns, int ifindex, const std::string& name) {
    if (by_name_.count(name)) return false;
    LinkSnapshot s = capture_link(netns, ifindex);
    spdlog::debug("{}: state before failoverd: up {}, mtu {}, {} addresses, {} routes", s.name, s.admin_up, s.mtu,
                  s.addresses.size(), s.routes.size());
    by_name_.emplace(name, std::move(s));
    return true;
}

const LinkSnapshot* LinkSnapshots::find(const std::string& name) const {
    const auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &it->second;
}

LinkSnapshot* LinkSnapshots::find(const std::string& name) {
    const auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &it->second;
}

std::vector<std::string> LinkSnapshots::restore_all(const os::Netns& netns) noexcept {
    std::vector<std::string> failed;
    for (const auto& [name, snapshot] : by_name_) {
        auto f = restore_link(netns, snapshot);
        failed.insert(failed.end(), f.begin(), f.end());
    }
    return failed;
}

nlohmann::json LinkSnapshots::to_json() const {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [name, s] : by_name_) out.push_back(failoverd::to_json(s));
    return out;
}

LinkSnapshots LinkSnapshots::from_json(const nlohmann::json& doc) {
    LinkSnapshots out;
    if (!doc.is_array()) return out;
    for (const auto& j : doc) {
        try {
            out.add(link_snapshot_from_json(j));
        } catch (const std::exception& e) {
            spdlog::warn("state file: ignoring a malformed link record: {}", e.what());
        }
    }
    return out;
}

}  // namespace nf::failoverd
