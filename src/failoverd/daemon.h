#pragma once
// failoverd: a failover master on real netdevs. Start finds the standby, adopts the master a killed
// daemon left (bpf) or creates one, enslaves, starts the datapath and the control socket; run() drives one
// single-threaded EventLoop (common/event_loop.h) over link events, the control socket, the device channel,
// signals and the timers (announce, RX grace, channel retry) — the failover core is not thread-safe;
// stop() restores the system.
#include <chrono>
#include <map>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/event_loop.h"
#include "common/unique_fd.h"
#include "common/unix_socket.h"
#include "failoverd/announcer.h"
#include "failoverd_control/control_server.h"
#include "failoverd_control/daemon_config.h"
#include "failoverd_control/status_report.h"
#include "failoverd/pair_id_rules.h"
#include "failoverd/primary_leave.h"
#include "datapath/factory.h"
#include "failover/failover.h"
#include "failoverd/announce_sender.h"
#include "failoverd/guest_channel.h"
#include "failoverd/guest_links.h"
#include "failoverd/link_snapshot.h"
#include "failoverd/link_table.h"
#include "failoverd/master_device.h"
#include "failoverd/owner_lock.h"
#include "failoverd/process_signals.h"
#include "failoverd/rtnl_slave_ops.h"
#include "failoverd/switch_timing.h"
#include "failoverd/taken_address.h"
#include "os/os.h"

namespace nf::failoverd {

// The per-master system names (private namespace, state file, bpf pin dir) go by system_key(): the guest
// namespace's inode and the master's name, so daemons in two guests on one host never meet.
struct DaemonPaths {
    std::string state_dir = "/run/netfailover";
    std::string bpf_pin_root = "/sys/fs/bpf/netfailover";
};

class Daemon final : public failover::EventSink {
public:
    using Clock = std::chrono::steady_clock;

    // Throws ConfigError (the standby cannot be found or used, found before anything changed) or
    // SystemError (everything else, also a check that could only be made once changes had begun), with
    // all it did undone. Alone (`shared_links` null) it watches the guest's links itself, blocks SIGTERM,
    // SIGINT and SIGHUP in the calling thread (read from a signalfd) and ignores SIGPIPE until stop();
    // construct it before starting other threads. As one pair of a PairSupervisor (`shared_links` set,
    // outliving the daemon) its guest link events come from on_guest_links() and the supervisor owns the
    // signals; the supervisor drives its loop with run_ready().
    explicit Daemon(daemon::DaemonConfig config, DaemonPaths paths = {}, GuestLinks* shared_links = nullptr);
    ~Daemon() override;  // stop()
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Until SIGTERM/SIGINT (0; 1 when stop() could not undo everything) or a fatal error such as the master being deleted under us or the epoll fd
    // failing (1). A handler that throws is logged and counted and the link tables resynced; the loop goes on.
    int run();
    // SIGTERM: release the slaves, remove the master, the holder and the private namespace; each step is
    // best effort. What could not be undone (a slave that cannot go back to the guest keeps the private
    // namespace) stays recorded in the state file, phase "leftovers", for the next start to finish. Restores the signal mask and SIGPIPE disposition start-up changed.
    void stop() noexcept;

    daemon::StatusReport status();
    bool adopted() const { return adopted_; }
    const std::string& master_name() const { return config_.master; }

    // --- as one pair of a supervisor (shared_links) ---
    // Readable (epoll) whenever the daemon's own loop has work (control socket, timers, the private
    // namespace's links, the device channel).
    int loop_fd() const { return loop_.fd(); }
    // One round of that loop without waiting; its handlers' errors are contained as in run().
    void run_ready();
    // Guest link events that concern this pair, oldest first. Throws what a handler throws (the
    // supervisor contains it: the pair is torn down and restarted).
    void on_guest_links(const std::vector<os::LinkEvent>& events);
    // A full dump of the links (the shared monitor overran, SIGHUP). Throws when the dump fails.
    void resync_links();
    // The exit status once the daemon is done (a fatal error such as its master deleted under it, or
    // stop()); nullopt while it serves.
    std::optional<int> ended() const;

private:
    // --- start (daemon.cpp) ---
    void start();
    void name_master_by_rule();
    std::vector<std::string> standbys_matching_rules(const std::vector<std::string>& skip);
    void adopt_or_clean_up();
    os::LinkInfo find_standby();
    void create_master_device(const os::LinkInfo& standby);
    void watch_links();
    std::shared_ptr<const daemon::PairIdRule> pair_id_rule() const;
    datapath::DatapathRequest datapath_request() const;
    std::string bpf_pin_dir() const;
    void start_datapath(const os::LinkInfo& standby);
    void start_core(const os::LinkInfo& standby);
    void start_services();
    void abort_start() noexcept;
    // The state file, with the phase start-up has reached ("starting" | "running").
    void record_state(const char* phase);
    // What the state file records of the primaries' MACs (the ops' record, or the inherited one before).
    std::vector<TakenAddress> taken_addresses() const;
    // Exact restore: `ifindex` in `netns` as it is now, before our first change to it (once per name); kept
    // in the state file so that a successor restores it too.
    void remember_link(const os::Netns& netns, int ifindex, const std::string& name) noexcept;

    // --- the loop (daemon.cpp) ---
    void watch_events();
    void on_handler_error(const std::string& handler, const std::exception& error) noexcept;
    void recover_from_handler_error() noexcept;

    // --- events (daemon_events.cpp) ---
    void on_own_guest_links();
    void on_slave_links();
    void feed_core(const std::vector<failover::NetdevEvent>& events, Clock::time_point received);
    void on_master_change(const os::LinkEvent& event);
    bool pairs(const failover::Netdev& dev) const;
    void hide_if_slave(const failover::Netdev& dev);
    void return_if_unpaired(const failover::Netdev& dev);
    std::vector<os::LinkInfo> guest_dump();
    void resync(LinkTable& table, const std::vector<os::LinkInfo>& links, bool feed);
    // One round of the loop: false when it cannot go on (run() stops).
    bool round(std::optional<Clock::duration> max_wait);
    // The one way from the core to the system: the master's output (failover::MasterOutput) computes the
    // program once, applies it and says whether TX switched; here the switch is timed and announced, and
    // one timer is armed at the time the output asks to be woken (the end of the RX grace).
    void apply_program(Clock::time_point received);
    void arm_rx_grace_timer(std::optional<Clock::time_point> wake_at);
    void on_rx_grace_timer();
    void announce_from(failover::Role to);
    void arm_announce_timer();
    void on_announce_timer();
    bool on_signal();  // true: stop
    void publish(const failover::FailoverEvent& event) override;
    // The core opens a joining slave next: its RX path is applied first (FailoverMaster::joining).
    void before_slave_open(const std::string& master, failover::Role role, const failover::Netdev& dev) override;

    // --- the lab VMM's device channel (daemon_channel.cpp) ---
    void start_device_channel();
    void eject_primary(const std::string& device);
    void cancel_eject(const std::string& device);

    // --- the master's IP addresses, for announcements (daemon_addresses.cpp) ---
    void watch_addresses();
    void drain_address_events();
    void on_address_events();
    void resync_addresses() noexcept;
    daemon::MasterAddresses master_addresses();
    void look_up_master_addresses();

    // --- the kernel's uevents: the primary leaving (daemon_uevents.cpp) ---
    void watch_uevents();
    void on_uevents();
    void on_leave_bound();
    std::optional<daemon::PrimaryDevice> primary_device();

    // --- status (daemon_status.cpp) ---
    std::optional<std::string> set_active(daemon::ActiveChoice choice);

    bool hidden() const { return config_.model == daemon::DeviceModel::hidden; }
    // 2dev: no master netdev; the standby is the master (device_->master_ifindex() is the standby's).
    bool two_dev() const { return config_.model == daemon::DeviceModel::two_device; }
    // The master took the standby's name; the standby goes by <name>nsby meanwhile.
    bool master_takes_standby_name() const { return !two_dev() && config_.master == standby_name_; }
    std::string standby_name_now() const {
        return master_takes_standby_name() ? daemon::renamed_standby(standby_name_) : standby_name_;
    }
    LinkTable& slave_table() { return hidden() ? *private_table_ : *guest_table_; }

    daemon::DaemonConfig config_;
    DaemonPaths paths_;
    EventLoop loop_;  // before every member that watches an fd or holds a timer on it
    std::unique_ptr<OwnerLock> owner_lock_;  // one daemon per master, held until stop() is done
    SocketAccess control_access_;  // --control-group, resolved before any change
    datapath::DatapathChoice choice_{};
    bool adopted_ = false;
    bool stopped_ = false;
    bool system_changed_ = false;
    bool state_owned_ = false;  // the state file is this daemon's to remove (or to keep with leftovers)  // start-up began changing the system: a ConfigError now is exit 1
    bool standby_was_up_ = false;
    std::string standby_name_;  // its own name, which it has again after stop
    MacAddress pairing_key_;  // the standby's permanent (or current) MAC
    std::string state_phase_ = "starting";  // the phase last recorded in the state file
    std::vector<TakenAddress> inherited_taken_;  // adopting: the MACs the previous daemon gave primaries
    LinkSnapshots snapshots_;  // every link we touched, as it was before
    std::vector<std::string> taken_over_;  // what moved from the standby to the master (status)

    os::Netns guest_;
    std::uint64_t guest_inode_ = 0;
    std::unique_ptr<os::Rtnl> guest_rtnl_;
    std::unique_ptr<MasterDevice> device_;
    std::unique_ptr<os::Rtnl> slave_rtnl_;
    std::unique_ptr<os::Rtnl> peer_rtnl_;  // the private namespace, for the bpf carrier (peer up/down)
    GuestLinks* shared_links_ = nullptr;  // as a supervisor's pair: the guest's links come from there
    std::unique_ptr<os::LinkMonitor> guest_monitor_;  // alone
    std::unique_ptr<os::LinkMonitor> private_monitor_;  // hidden
    std::unique_ptr<LinkTable> guest_table_;
    std::unique_ptr<LinkTable> private_table_;          // hidden
    std::unique_ptr<datapath::Datapath> datapath_;
    std::unique_ptr<RtnlSlaveOps> ops_;
    std::unique_ptr<failover::SlaveOps> two_dev_ops_;  // 2dev: ops_ that leave the standby alone
    std::unique_ptr<failover::FailoverRegistry> registry_;
    failover::FailoverMaster* master_ = nullptr;
    std::unique_ptr<failover::MasterOutput> output_;  // the program applied, the RX grace, failovers

    std::unique_ptr<AnnounceSender> announce_sender_;
    std::unique_ptr<daemon::Announcer> announcer_;
    std::unique_ptr<daemon::ControlServer> control_;
    std::unique_ptr<GuestChannel> channel_;  // --device-channel
    std::unique_ptr<ProcessSignals> signals_;  // alone
    std::unique_ptr<os::UeventMonitor> uevents_;  // null when the socket could not be opened
    std::unique_ptr<os::AddressMonitor> address_monitor_;  // null when it could not be opened: every switch looks up
    struct KnownAddresses {
        int ifindex = 0;                   // the master they were looked up for
        daemon::MasterAddresses addresses;  // its MAC is filled in at each switch
        std::vector<std::string> text;      // the same, as the kernel wrote them (status)
    };
    std::optional<KnownAddresses> known_addresses_;  // current while address_monitor_ names no change to it
    std::uint64_t address_lookups_ = 0;
    std::uint64_t switch_address_lookups_ = 0;  // of them, by a switch (master_addresses() found none current)
    struct PrimaryDevpath {
        failover::NetdevKey key;
        std::string parent;   // its PCI address
        std::string devpath;  // that device's DEVPATH
    };
    std::optional<PrimaryDevpath> primary_devpath_;  // primary_device()'s cache
    daemon::PrimaryLeaveWatch leave_watch_;
    EventLoop::TimerId leave_bound_timer_ = 0;  // at leave_watch_.deadline()
    bool serving_ = false;  // start-up is over: the loop's handlers and timers are live
    EventLoop::TimerId announce_timer_ = 0;
    EventLoop::TimerId rx_grace_timer_ = 0;
    std::optional<Clock::time_point> rx_grace_wake_;  // what rx_grace_timer_ is armed for

    Clock::time_point started_at_ = Clock::now();
    SwitchTiming timing_;
    std::uint64_t events_published_ = 0;
    std::map<std::string, std::pair<bool, bool>> last_lower_state_;  // slave -> {link_up, tx_enabled} last published
    std::uint64_t handler_errors_ = 0;
    std::uint64_t consecutive_errors_ = 0;  // handler failures with no clean round between
    int wait_failures_ = 0;                 // the loop's own wait failing, in a row
    int exit_status_ = 0;
};

}  // namespace nf::failoverd
