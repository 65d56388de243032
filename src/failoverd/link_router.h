#pragma once
// failoverd --all-matches decodes the guest namespace's link events once, for every pair; the router says
// which pairs an event concerns, so that each pair's link table and core see its own links only and the
// cost of a burst (every primary gone at once) grows with the events, not with events x pairs.
//
// A link concerns a pair when it carries the pair's MAC (its standby, its primaries and its master all do,
// by the kernel's pairing rule P3), when it is one the pair was already told about (a link keeps its ifindex
// when its MAC changes: the pair hears of that too), or always for a pair that pairs by id (a primary with a
// host-given id may carry any MAC until it is paired).
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/mac_address.h"
#include "os/link_info.h"

namespace nf::failoverd {

// What a pair tells the router about itself when it asks for its links.
struct PairLinkKeys {
    MacAddress mac;              // the standby's pairing MAC (permanent, else current)
    std::vector<int> ifindexes;  // its own links in the guest (the master) whatever their MAC
    bool every_link = false;     // --pair-by id
};

class LinkRouter {
public:
    using PairId = std::string;  // the pair's standby name

    // A pair's keys, replacing any it had (and the links it was told about).
    void set_keys(const PairId& pair, const PairLinkKeys& keys);
    void forget(const PairId& pair);
    bool knows(const PairId& pair) const { return keys_.contains(pair); }

    // The pairs a link event concerns (sorted, each once). A new or changed link is remembered for them;
    // a deleted one (`gone`) is forgotten after it is routed.
    std::vector<PairId> route(const os::LinkInfo& link, bool gone);
    // A full dump of the namespace: the links that concern `pair`, which it is then known to have seen
    // (and only those).
    std::vector<os::LinkInfo> links_of(const PairId& pair, const std::vector<os::LinkInfo>& dump);

    // Links remembered for some pair; for a bound check in tests and status.
    std::size_t remembered() const { return by_ifindex_.size(); }

private:
    bool concerns(const PairLinkKeys& keys, const os::LinkInfo& link) const;
    void remember(const PairId& pair, int ifindex);
    void forget_links(const PairId& pair);

    std::map<PairId, PairLinkKeys> keys_;
    std::map<MacAddress, std::set<PairId>> by_mac_;
    std::map<int, std::set<PairId>> by_ifindex_;   // links each pair was told about
    std::map<PairId, std::set<int>> ifindexes_of_;  // the same, by pair
    std::set<PairId> every_link_;
};

}  // namespace nf::failoverd
