#include "failoverd/previous_daemon.h"

#include <spdlog/spdlog.h>

#include "common/best_effort.h"
#include "common/error.h"
#include "datapath/factory.h"
#include "failoverd/link_snapshot.h"
#include "failoverd/master_device.h"
#include "failoverd/taken_address.h"
#include "failoverd_control/daemon_config.h"

namespace nf::failoverd {

std::vector<DaemonState> previous_states(const std::string& state_dir, std::uint64_t guest_inode) {
    std::vector<DaemonState> previous;
    const std::string ours = system_key(guest_inode, "");
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(state_dir, ec))
        if (entry.path().extension() == ".state" && entry.path().filename().string().starts_with(ours))
            if (auto state = read_state(entry.path())) previous.push_back(*state);
    return previous;
}

void clean_up_after(const PreviousDaemon& previous, const os::Netns& guest, os::Rtnl& guest_rtnl) {
    const DaemonState& state = previous.state;
    spdlog::warn("cleaning up after a previous failoverd for {} ({} datapath{})", state.master, state.datapath,
                 state.phase == "running"    ? ""
                 : state.phase == "leftovers" ? ", which could not undo everything at stop"
                                              : ", killed during start-up");
    const daemon::DeviceModel model =
        from_string(state.model, datapath::kDeviceModels).value_or(daemon::DeviceModel::three_device);
    const bool two_dev = model == daemon::DeviceModel::two_device;
    const datapath::DatapathKind kind =
        from_string(state.datapath, datapath::kDatapathKinds).value_or(datapath::DatapathKind::packet);
    const auto traits = datapath::datapath_traits(kind, model);
    MasterDevice device(MasterLayout{state.master, model, traits.veth_master}, guest);
    device.claim_leftovers(guest_rtnl);
    if (state.master == state.standby && !two_dev)
        device.standby_renamed(state.standby, daemon::renamed_standby(state.standby));
    if (traits.outlives_process) {
        // Its filters would steer traffic to a primary about to be released, or redirect into a master
        // that is about to go.
        best_effort("failoverd", "remove the old bpf datapath", [&] {
            datapath::DatapathRequest request;
            request.kind = kind;
            request.model = model;
            request.master_ifindex = device.master_ifindex();
            request.peer_ifindex = device.peer_ifindex();
            request.master_netns_fd = guest.fd();
            request.slave_netns_fd = device.slave_netns().fd();
            request.pin_dir = previous.bpf_pin_dir;
            if (two_dev) {
                const auto standby = guest_rtnl.find_link(state.standby);
                if (!standby) return;
                request.master_ifindex = standby->ifindex;  // the 2dev master is its standby
            } else if (request.master_ifindex <= 0) {
                return;
            }
            datapath::remove_left_datapath(request);
        });
    }
    if (const auto left = device.teardown(); !left.empty()) {
        // The state file stays: it is the only record of what is still there.
        std::string list;
        for (const auto& l : left) list += (list.empty() ? "" : ", ") + l;
        throw SystemError(EBUSY, "a previous failoverd for " + state.master + " left what cannot be removed yet: " +
                                     list + " (" + previous.path.string() + " keeps the record; fix and start again)");
    }
    if (state.standby_was_up)
        best_effort("failoverd", "bring the standby back up", [&] {
            if (guest_rtnl.find_link(state.standby)) guest_rtnl.set_up(state.standby);
        });
    // Primaries paired by id wear the standby's MAC: their own comes back (they are in the guest again).
    restore_taken_addresses(guest_rtnl, state.taken_addresses);
    for (const auto& failed : LinkSnapshots::from_json(state.links).restore_all(guest))
        spdlog::warn("cleaning up: could not restore {}", failed);
    remove_state(previous.path);
}

}  // namespace nf::failoverd
