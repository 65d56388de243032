#pragma once
// failoverd --all-matches: every standby the --match-* rules select gets its own pair, now and as NICs
// come and go. The supervisor watches the guest namespace's links; a standby that appears (or is there at
// start) gets a PairProcess — a single-pair failoverd for it, with the settings given here, its master
// taking the standby's name and its control socket <control dir>/<standby>.sock; a standby that goes is
// released (SIGTERM: its daemon restores the system). A pair whose daemon fails is restarted with a
// backoff (it adopts or cleans up after itself, as any failoverd does); one that refused its settings
// (exit 2, nothing changed) waits until its standby comes again. No pair's failure reaches another.
#include <signal.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "common/event_loop.h"
#include "common/unique_fd.h"
#include "failoverd/pair_process.h"
#include "failoverd/standby_matcher.h"
#include "failoverd_control/daemon_config.h"
#include "os/os.h"

namespace nf::failoverd {

class PairSupervisor {
public:
    using Clock = std::chrono::steady_clock;

    // `binary`: the failoverd executable the pairs run (/proc/self/exe). `state_dir`: where the pairs'
    // state files are, to recognise masters and renamed standbys a previous run left. Blocks SIGTERM,
    // SIGINT, SIGHUP in the calling thread (a signalfd reads them). Throws SystemError when the link
    // monitor cannot be opened.
    PairSupervisor(daemon::DaemonConfig config, std::string binary, std::string state_dir = "/run/netfailover");
    ~PairSupervisor();
    PairSupervisor(const PairSupervisor&) = delete;
    PairSupervisor& operator=(const PairSupervisor&) = delete;

    // Until SIGTERM/SIGINT; then every pair is stopped (bounded wait, SIGKILL after). 0 when every pair
    // stopped cleanly, 1 otherwise.
    int run();

private:
    struct Pair {
        std::string standby;        // its own name, which the master takes
        int standby_ifindex = 0;    // in the guest namespace; its DELLINK releases the pair
        std::unique_ptr<PairProcess> process;
        unsigned restarts = 0;
        EventLoop::TimerId restart_timer = 0;
        bool refused = false;       // exit 2: waits for its standby to come again
    };

    void scan_all();
    void consider(const os::LinkInfo& link);
    bool is_ours(const os::LinkInfo& link) const;
    void start_pair(Pair& pair);
    void on_pair_exit(const std::string& standby);
    void release(const std::string& standby);
    void on_links();
    bool on_signal();  // true: stop
    int stop_all() noexcept;
    nlohmann::json pair_config(const std::string& standby) const;
    void remember_previous_pairs();

    daemon::DaemonConfig config_;
    std::string binary_;
    std::string state_dir_;
    daemon::StandbyMatcher matcher_;
    EventLoop loop_;
    os::Netns guest_;
    std::unique_ptr<os::LinkMonitor> monitor_;
    sigset_t saved_sigmask_{};
    UniqueFd signal_fd_;
    std::map<std::string, Pair> pairs_;               // by standby name
    std::set<std::string> previous_masters_;          // masters (and holders) a previous run left
};

}  // namespace nf::failoverd
