#pragma once
// Start-up's first question: did a failoverd for this master run before and not stop cleanly? Its state
// file (state_file.h) says what it set up. The daemon adopts the same setup still running (bpf: the master
// and its pinned maps carry traffic across the restart); whatever else a previous daemon left is cleaned
// up here, before start-up begins afresh: its datapath, its master device, the standby's name, the MACs it
// gave primaries, every link as it was before it touched them, and its state file.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "failoverd/state_file.h"
#include "os/os.h"

namespace nf::failoverd {

// The state files previous daemons of this guest namespace left (other guests' daemons on the host are
// none of ours).
std::vector<DaemonState> previous_states(const std::string& state_dir, std::uint64_t guest_inode);

struct PreviousDaemon {
    DaemonState state;
    std::filesystem::path path;  // its state file
    std::string bpf_pin_dir;     // where its bpf datapath pinned its maps
};

// Removes what `previous` left, in the guest namespace `guest` (`guest_rtnl` there), then its state file.
// Throws SystemError (EBUSY) naming what cannot be removed yet; the state file stays then, the only record
// of it.
void clean_up_after(const PreviousDaemon& previous, const os::Netns& guest, os::Rtnl& guest_rtnl);

}  // namespace nf::failoverd
