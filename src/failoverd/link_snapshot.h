#pragma once
// Exact restore: what a link looked like before failoverd first touched it, and putting it back.
//
// Taken in the guest namespace before the first change to a slave (the standby before it is renamed or
// hidden, a primary before it is hidden or opened) and written to the state file, so a daemon that adopts
// or cleans up after a SIGKILLed one restores the same. At stop, once the slaves are back in the guest
// under their own names, each one gets back: admin state, MTU, IPv6 addrgenmode and disable_ipv6 (a
// namespace move resets both to the namespace's defaults), the addresses it had (a namespace move or
// disable_ipv6 drops them; the kernel's own IPv6 link-local and learnt addresses excepted, it remakes
// those) and the routes through it (taking a link down flushes them). Addresses and routes are added
// only when missing: whatever the guest configured meanwhile stays.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "os/link_config.h"
#include "os/link_info.h"
#include "os/netns.h"
#include "os/rtnl.h"

namespace nf::failoverd {

struct LinkSnapshot {
    std::string name;
    bool admin_up = false;
    unsigned mtu = 0;
    std::optional<os::AddrGenMode> addrgenmode;  // nullopt: no IPv6 on the link
    std::optional<std::string> disable_ipv6;
    std::vector<os::AddressEntry> addresses;     // restorable ones only (not kernel_made())
    std::vector<os::RouteEntry> routes;
};

// `ifindex` in `netns`; throws SystemError when the link cannot be read.
LinkSnapshot capture_link(const os::Netns& netns, int ifindex);
// Puts `snapshot` back on the link of its name in `netns`; what could not be restored, for the log (empty:
// all of it). Never throws. A link that is gone (unplugged meanwhile) is nothing to restore.
std::vector<std::string> restore_link(const os::Netns& netns, const LinkSnapshot& snapshot) noexcept;

nlohmann::json to_json(const LinkSnapshot& snapshot);
LinkSnapshot link_snapshot_from_json(const nlohmann::json& doc);  // throws on a malformed record

// The snapshots of one daemon, by the link's own name (the name it has again after stop).
class LinkSnapshots {
public:
    // Reads the link unless a snapshot by that name is there already; true when one was taken.
    bool capture_once(const os::Netns& netns, int ifindex, const std::string& name);
    void add(LinkSnapshot snapshot) { by_name_.emplace(snapshot.name, std::move(snapshot)); }
    const LinkSnapshot* find(const std::string& name) const;
    // Mutable: takeover keeps what it moved off the standby here.
    LinkSnapshot* find(const std::string& name);
    bool empty() const { return by_name_.empty(); }
    std::vector<std::string> restore_all(const os::Netns& netns) noexcept;

    nlohmann::json to_json() const;
    static LinkSnapshots from_json(const nlohmann::json& doc);  // a malformed record is logged and skipped

private:
    std::map<std::string, LinkSnapshot> by_name_;
};

}  // namespace nf::failoverd
