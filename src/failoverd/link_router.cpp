#include "failoverd/link_router.h"

#include <algorithm>

namespace nf::failoverd {

void LinkRouter::set_keys(const PairId& pair, const PairLinkKeys& keys) {
    forget(pair);
    keys_[pair] = keys;
    by_mac_[keys.mac].insert(pair);
    if (keys.every_link) every_link_.insert(pair);
    for (int ifindex : keys.ifindexes)
        if (ifindex > 0) remember(pair, ifindex);
}

void LinkRouter::forget(const PairId& pair) {
    const auto it = keys_.find(pair);
    if (it == keys_.end()) return;
    if (auto m = by_mac_.find(it->second.mac); m != by_mac_.end()) {
        m->second.erase(pair);
        if (m->second.empty()) by_mac_.erase(m);
    }
    every_link_.erase(pair);
    forget_links(pair);
    keys_.erase(it);
}

void LinkRouter::remember(const PairId& pair, int ifindex) {
    by_ifindex_[ifindex].insert(pair);
    ifindexes_of_[pair].insert(ifindex);
}

void LinkRouter::forget_links(const PairId& pair) {
    const auto it = ifindexes_of_.find(pair);
    if (it == ifindexes_of_.end()) return;
    for (int ifindex : it->second) {
        auto link = by_ifindex_.find(ifindex);
        if (link == by_ifindex_.end()) continue;
        link->second.erase(pair);
        if (link->second.empty()) by_ifindex_.erase(link);
    }
    ifindexes_of_.erase(it);
}

bool LinkRouter::concerns(const PairLinkKeys& keys, const os::LinkInfo& link) const {
    return keys.every_link || link.mac == keys.mac || (link.perm_mac && *link.perm_mac == keys.mac) ||
           std::find(keys.ifindexes.begin(), keys.ifindexes.end(), link.ifindex) != keys.ifindexes.end();
}

std::vector<LinkRouter::PairId> LinkRouter::route(const os::LinkInfo& link, bool gone) {
    std::set<PairId> to(every_link_);
    if (auto it = by_ifindex_.find(link.ifindex); it != by_ifindex_.end()) to.insert(it->second.begin(), it->second.end());
    for (const MacAddress* mac : {&link.mac, link.perm_mac ? &*link.perm_mac : nullptr})
        if (mac)
            if (auto it = by_mac_.find(*mac); it != by_mac_.end()) to.insert(it->second.begin(), it->second.end());
    if (gone) {
        if (auto it = by_ifindex_.find(link.ifindex); it != by_ifindex_.end()) {
            for (const PairId& pair : it->second) ifindexes_of_[pair].erase(link.ifindex);
            by_ifindex_.erase(it);
        }
    } else {
        for (const PairId& pair : to) remember(pair, link.ifindex);
    }
    return {to.begin(), to.end()};
}

std::vector<os::LinkInfo> LinkRouter::links_of(const PairId& pair, const std::vector<os::LinkInfo>& dump) {
    const auto keys = keys_.find(pair);
    if (keys == keys_.end()) return {};
    forget_links(pair);
    std::vector<os::LinkInfo> mine;
    for (const os::LinkInfo& link : dump) {
        if (!concerns(keys->second, link)) continue;
        mine.push_back(link);
        remember(pair, link.ifindex);
    }
    return mine;
}

}  // namespace nf::failoverd
