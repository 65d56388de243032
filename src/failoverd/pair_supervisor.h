#pragma once
// failoverd --all-matches: every standby the --match-* rules select gets its own pair, now and as NICs
// come and go. All pairs run in this process, on one event loop, sharing ONE rtnetlink link monitor of the
// guest namespace: each link event is decoded once and handed to the pairs it concerns (LinkRouter: by
// MAC, by the links a pair was told about), so a burst (every primary gone at once) costs events, not
// events x pairs. Each pair is a Daemon (failoverd.h) with its own failover core, datapath, state file,
// owner lock and control socket <control dir>/<standby>.sock; its own loop (timers, control socket, the
// private namespace's links) is polled from the supervisor's (EventLoop::fd()).
//
// Containment ("one failing pair never stops the others"): an exception from a pair's link handler, a
// pair whose daemon ends (its master deleted under it, its loop failing) or whose start fails is torn down
// (Daemon::stop() restores what it did) and started again with a backoff; one that refused its settings
// (ConfigError, nothing changed) waits until its standby comes again. A standby that goes is released.

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/event_loop.h"
#include "common/unique_fd.h"
#include "failoverd/daemon.h"
#include "failoverd/guest_links.h"
#include "failoverd/link_router.h"
#include "failoverd/process_signals.h"
#include "failoverd/standby_matcher.h"
#include "failoverd_control/daemon_config.h"
#include "os/os.h"

namespace nf::failoverd {

class PairSupervisor {
public:
    using Clock = std::chrono::steady_clock;

    // `paths`: where the pairs' state files (to recognise masters and renamed standbys a previous run
    // left) and BPF pins are. Blocks SIGTERM, SIGINT, SIGHUP in the calling thread (a signalfd reads them)
    // and ignores SIGPIPE until destruction. Throws SystemError when the link monitor cannot be opened.
    explicit PairSupervisor(daemon::DaemonConfig config, DaemonPaths paths = {});
    ~PairSupervisor();
    PairSupervisor(const PairSupervisor&) = delete;
    PairSupervisor& operator=(const PairSupervisor&) = delete;

    // Until SIGTERM/SIGINT; then every pair is stopped. 0 when every pair stopped cleanly, 1 otherwise.
    int run();

private:
    struct Pair;
    // The GuestLinks a pair's daemon is given: its dump goes through the router.
    class Links final : public GuestLinks {
    public:
        Links(PairSupervisor& supervisor, std::string standby) : supervisor_(supervisor), standby_(std::move(standby)) {}
        std::vector<os::LinkInfo> dump(const PairLinkKeys& keys) override;
        std::uint64_t undecodable() const override { return supervisor_.monitor_->undecodable(); }

    private:
        PairSupervisor& supervisor_;
        std::string standby_;
    };
    struct Pair {
        std::string standby;        // its own name, which the master takes
        int standby_ifindex = 0;    // in the guest namespace; its DELLINK releases the pair
        std::unique_ptr<Links> links;
        std::unique_ptr<Daemon> daemon;
        unsigned restarts = 0;
        EventLoop::TimerId restart_timer = 0;
        bool refused = false;       // ConfigError at start: waits for its standby to come again
        bool failed = false;        // a handler threw or the daemon ended: torn down in settle()
    };

    // Reads the shared monitor and hands each event to the pairs it concerns at once (the fast path);
    // the supervisor's own look at it (a new standby, one gone) is queued for settle().
    void pump();
    void read_events();
    static bool is_release(const os::LinkEvent& event);
    void deliver(const std::string& standby, const os::LinkEvent& event);
    // Everything that starts, stops or restarts pairs, after the events of a batch were handed out.
    void settle();
    void on_links();
    void on_pair_ready(const std::string& standby);
    void scan_all();
    void consider(const os::LinkInfo& link);
    bool is_ours(const os::LinkInfo& link) const;
    void start_pair(Pair& pair);
    void tear_down(Pair& pair, const std::string& why);
    void schedule_restart(Pair& pair);
    void release(const std::string& standby);
    void resync_pairs();
    bool on_signal();  // true: stop
    int stop_all() noexcept;
    daemon::DaemonConfig pair_config(const std::string& standby) const;
    void remember_previous_pairs();

    daemon::DaemonConfig config_;
    DaemonPaths paths_;
    daemon::StandbyMatcher matcher_;
    EventLoop loop_;
    os::Netns guest_;
    std::unique_ptr<os::LinkMonitor> monitor_;
    os::Rtnl rtnl_;  // the pairs' dumps
    LinkRouter router_;
    ProcessSignals signals_;  // before any pair (the packet datapath starts threads)
    std::map<std::string, Pair> pairs_;               // by standby name
    std::set<std::string> previous_masters_;          // masters (and holders) a previous run left
    std::map<int, std::pair<std::string, bool>> verdicts_;  // ifindex -> {name, matches the rules}
    std::deque<os::LinkEvent> pending_;               // for settle(); bounded (kMaxPending)
    std::map<std::string, std::deque<os::LinkEvent>> backlog_;  // per pair, not handed out yet (pump())
    bool rescan_ = false;                             // the monitor overran: every pair resyncs
    bool pumping_ = false;
    bool settling_ = false;
    std::uint64_t pending_dropped_ = 0;
};

}  // namespace nf::failoverd
