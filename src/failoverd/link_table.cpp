#include "failoverd/link_table.h"

namespace nf::failoverd {

using failover::NetdevEvent;
using failover::NetdevEventKind;

void LinkTable::diff(const os::LinkInfo& before, const os::LinkInfo& after, std::vector<NetdevEvent>& out) {
    const failover::Netdev dev = describer_.describe(after);
    if (before.name != after.name) out.push_back({NetdevEventKind::change_name, dev});
    if (before.mac != after.mac || before.perm_mac != after.perm_mac)
        out.push_back({NetdevEventKind::change_addr, dev});
    if (before.admin_up != after.admin_up) {
        out.push_back({after.admin_up ? NetdevEventKind::up : NetdevEventKind::down, dev});
    } else if (before.carrier != after.carrier || before.running != after.running ||
               before.lower_up != after.lower_up || before.mtu != after.mtu) {
        out.push_back({NetdevEventKind::change, dev});
    }
}

std::vector<NetdevEvent> LinkTable::apply(const os::LinkEvent& event) {
    std::vector<NetdevEvent> out;
    const os::LinkInfo& link = event.link;
    if (event.kind == os::LinkEvent::Kind::Overrun) return out;
    const auto it = links_.find(link.ifindex);
    const bool report = !ignored(link.ifindex);
    if (event.kind == os::LinkEvent::Kind::Del) {
        if (it == links_.end()) return out;
        if (report) out.push_back({NetdevEventKind::unregistered, describer_.describe(it->second)});
        links_.erase(it);
        ignored_.erase(link.ifindex);
        describer_.forget(link.ifindex);
        return out;
    }
    if (it == links_.end()) {
        links_.emplace(link.ifindex, link);
        if (report) out.push_back({NetdevEventKind::registered, describer_.describe(link)});
        return out;
    }
    const os::LinkInfo before = it->second;
    it->second = link;
    if (report) diff(before, link, out);
    return out;
}

std::vector<NetdevEvent> LinkTable::resync(const std::vector<os::LinkInfo>& links) {
    std::vector<NetdevEvent> out;
    std::map<int, os::LinkInfo> fresh;
    for (const auto& l : links) fresh.emplace(l.ifindex, l);
    for (auto it = links_.begin(); it != links_.end();) {
        if (!fresh.contains(it->first)) {
            if (!ignored(it->first)) out.push_back({NetdevEventKind::unregistered, describer_.describe(it->second)});
            ignored_.erase(it->first);
            describer_.forget(it->first);
            it = links_.erase(it);
        } else {
            ++it;
        }
    }
    for (const auto& [ifindex, link] : fresh) {
        os::LinkEvent e{os::LinkEvent::Kind::New, link, {}};
        auto events = apply(e);
        out.insert(out.end(), events.begin(), events.end());
    }
    return out;
}

const os::LinkInfo* LinkTable::find(int ifindex) const {
    const auto it = links_.find(ifindex);
    return it == links_.end() ? nullptr : &it->second;
}

const os::LinkInfo* LinkTable::find_by_name(const std::string& name) const {
    for (const auto& [ifindex, link] : links_)
        if (link.name == name) return &link;
    return nullptr;
}

std::vector<failover::Netdev> LinkTable::netdevs() {
    std::vector<failover::Netdev> out;
    for (const auto& [ifindex, link] : links_)
        if (!ignored(ifindex)) out.push_back(describer_.describe(link));
    return out;
}

}  // namespace nf::failoverd
