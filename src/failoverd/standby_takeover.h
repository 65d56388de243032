#pragma once
// The standby's IP configuration at start. The kernel's net_failover makes its master before any
// network configuration runs; failoverd starts later, so DHCP or the distribution's configuration may
// already have put addresses and routes on the standby. Left there they would be stranded (the standby's
// own IP stack never sees a frame once it is a slave) and its subnet route would shadow the master's.
// takeover moves them to the master (the exact restore of the standby's LinkSnapshot puts them back on
// the standby at stop); refuse stops before any change, naming them. `s` is the standby's snapshot
// (nullptr: none taken).
#include <string>
#include <vector>

#include "failoverd/link_snapshot.h"
#include "failoverd_control/daemon_config.h"
#include "os/os.h"

namespace nf::failoverd {

// --standby-config refuse and the standby configured: ConfigError naming what is on it.
void check_standby_config(const LinkSnapshot* s, daemon::StandbyConfig mode, const std::string& standby,
                          const std::string& master);
// Before the standby is renamed or hidden: its addresses and routes leave it, so nothing of them is left
// on a slave (a duplicate subnet route through a link that never receives a frame).
void clear_standby_config(const LinkSnapshot* s, const os::Netns& guest, int standby_ifindex);
// Once the master is up: the standby's addresses, then its routes (their gateways are reachable then).
// Returns what moved (for status); what could not move is logged and is back on the standby at stop.
std::vector<std::string> take_over_standby_config(const LinkSnapshot* s, const os::Netns& guest, int master,
                                                  const std::string& master_name, const std::string& standby_name);

}  // namespace nf::failoverd
