#include "failoverd/taken_address.h"

#include <spdlog/spdlog.h>

#include "common/best_effort.h"
#include "common/error.h"

namespace nf::failoverd {

nlohmann::json to_json(const std::vector<TakenAddress>& taken) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& t : taken)
        list.push_back({{"ifindex", t.ifindex}, {"name", t.name}, {"own", t.own.to_string()}, {"taken", t.taken.to_string()}});
    return list;
}

std::vector<TakenAddress> taken_addresses_from_json(const nlohmann::json& list) {
    std::vector<TakenAddress> out;
    constexpr std::size_t kMaxEntries = 64;  // one per primary ever seen at once; a state file is ours
    if (!list.is_array() || list.size() > kMaxEntries) throw ConfigError("taken_addresses: not a list of at most 64");
    for (const auto& entry : list) {
        TakenAddress t;
        t.ifindex = entry.at("ifindex").get<int>();
        t.name = entry.at("name").get<std::string>();
        const auto own = MacAddress::parse(entry.at("own").get<std::string>());
        const auto taken = MacAddress::parse(entry.at("taken").get<std::string>());
        if (!own || !taken || t.ifindex <= 0) throw ConfigError("taken_addresses: bad entry " + entry.dump());
        t.own = *own;
        t.taken = *taken;
        out.push_back(std::move(t));
    }
    return out;
}

void set_mac_while_down(os::Rtnl& rtnl, int ifindex, const MacAddress& mac) {
    const os::LinkInfo before = rtnl.link(ifindex);
    if (before.mac == mac) return;
    if (before.admin_up) rtnl.set_down(ifindex);
    try {
        rtnl.set_mac(ifindex, mac);
        if (rtnl.link(ifindex).mac != mac)
            throw SystemError(EADDRNOTAVAIL, "set mac " + mac.to_string() + " on " + before.name + ": the driver kept " +
                                                 rtnl.link(ifindex).mac.to_string());
    } catch (...) {
        if (before.admin_up) best_effort("failoverd", "bring the device back up", [&] { rtnl.set_up(ifindex); });
        throw;
    }
    if (before.admin_up) rtnl.set_up(ifindex);
}

std::size_t restore_taken_addresses(os::Rtnl& rtnl, const std::vector<TakenAddress>& taken) {
    std::size_t restored = 0;
    for (const auto& t : taken) {
        best_effort("failoverd", "restore a primary's own MAC", [&] {
            auto link = rtnl.find_link(t.ifindex);
            if (!link || link->mac != t.taken) link = rtnl.find_link(t.name);
            if (!link || link->mac != t.taken) {
                spdlog::info("{}: gone or with another MAC than the {} failoverd gave it; nothing to restore", t.name,
                             t.taken.to_string());
                return;
            }
            set_mac_while_down(rtnl, link->ifindex, t.own);
            spdlog::info("{}: its own MAC {} restored (a previous failoverd had given it {})", link->name,
                         t.own.to_string(), t.taken.to_string());
            ++restored;
        });
    }
    return restored;
}

}  // namespace nf::failoverd
