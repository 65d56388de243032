#pragma once
// A MAC failoverd gave a primary paired by id (a trusted VF), with the device's own MAC: what must be put
// back when the primary leaves or failoverd stops. Kept in the state file too, so a daemon restarted after
// a crash restores it (adopting) or puts it back at once (cleaning up).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/mac_address.h"
#include "os/rtnl.h"

namespace nf::failoverd {

struct TakenAddress {
    int ifindex = 0;     // in the slaves' namespace
    std::string name;    // for the logs, and to find it again after a namespace move (ifindex may change)
    MacAddress own;      // what it had before
    MacAddress taken;    // what we set (the standby's)
    bool operator==(const TakenAddress&) const = default;
};

nlohmann::json to_json(const std::vector<TakenAddress>& taken);
// Throws (nlohmann or ConfigError) on a malformed list: the state file reader reports it.
std::vector<TakenAddress> taken_addresses_from_json(const nlohmann::json& list);

// Sets `mac` on link `ifindex` the way drivers accept it: down first when up, up again after. Throws
// SystemError; on failure the link is left with its admin state as before. Verifies the MAC took (a
// driver may accept the request and keep its own): EADDRNOTAVAIL otherwise.
void set_mac_while_down(os::Rtnl& rtnl, int ifindex, const MacAddress& mac);

// After a crash without adoption: each recorded device that is still there with the MAC we set (looked up
// by ifindex, else by name) gets its own back. Best effort, logged; returns how many were restored.
std::size_t restore_taken_addresses(os::Rtnl& rtnl, const std::vector<TakenAddress>& taken);

}  // namespace nf::failoverd
