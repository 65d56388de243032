#include "failoverd/pair_supervisor.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>

#include "common/best_effort.h"
#include "common/error.h"
#include "failoverd/master_device.h"
#include "failoverd/previous_daemon.h"
#include "failoverd/state_file.h"
#include "failoverd/sysfs_netdevs.h"
#include "failoverd_control/command_line.h"
#include "failoverd_control/config_layer.h"

namespace nf::failoverd {
namespace {

// A pair whose daemon keeps failing is tried again, less and less often.
constexpr std::chrono::seconds kMaxRestartDelay{30};
// Events the supervisor still has to look at (new standbys, gone ones). A burst beyond it is looked at
// by a full scan instead.
constexpr std::size_t kMaxPending = 16 * 1024;

std::chrono::seconds restart_delay(unsigned restarts) {
    return std::min<std::chrono::seconds>(std::chrono::seconds(1 << std::min(restarts, 5u)), kMaxRestartDelay);
}

// Fault injection for the containment test (tests/integration/failoverd/all_matches_test.cpp), so that it
// runs the real binary: the first event about the link of this name that is handed to a pair makes that
// pair's handler throw, once per process. Unset in any real use.
bool inject_fault(const os::LinkInfo& link) {
    static const char* const target = std::getenv("NF_FAILOVERD_TEST_THROW_ON_LINK");
    static bool fired = false;
    if (!target || fired || link.name != target) return false;
    fired = true;
    return true;
}

}  // namespace

std::vector<os::LinkInfo> PairSupervisor::Links::dump(const PairLinkKeys& keys) {
    // A pair's first dump (its start): what the monitor holds from before it is handed out first, so
    // that the pair hears only of what comes after the dump, as a failoverd alone whose monitor opens then.
    if (!supervisor_.router_.knows(standby_) && !supervisor_.pumping_) supervisor_.pump();
    supervisor_.router_.set_keys(standby_, keys);
    return supervisor_.router_.links_of(standby_, supervisor_.rtnl_.links());
}

PairSupervisor::PairSupervisor(daemon::DaemonConfig config, DaemonPaths paths)
    : config_(std::move(config)), paths_(std::move(paths)), matcher_(config_.standby), guest_(os::Netns::current()) {
    // Monitor before the dump: a link that comes between the two is seen twice, never missed.
    monitor_ = std::make_unique<os::LinkMonitor>(os::LinkMonitor::in(guest_));
    loop_.add(monitor_->fd(), EPOLLIN, [this](std::uint32_t) { on_links(); }, "guest links");
    loop_.add(signals_.fd(), EPOLLIN, [this](std::uint32_t) {
        if (on_signal()) loop_.stop();
    }, "signals");
    // A handler that throws is logged by the loop; the supervisor goes on with the other pairs.
    loop_.set_error_hook([](const std::string& handler, const std::exception& e) {
        spdlog::error("pairs: {} failed: {}", handler, e.what());
    });
    remember_previous_pairs();
    spdlog::info("pairs: managing every standby that matches {} (sockets in {})", matcher_.describe(), config_.control);
    scan_all();
    settle();
}

PairSupervisor::~PairSupervisor() {
    (void)stop_all();
    signals_.restore();
}

// A previous supervisor that did not stop cleanly left its pairs' masters under the standbys' names, the
// standbys renamed <name>nsby: they are pairs to take up again, not new standbys.
void PairSupervisor::remember_previous_pairs() {
    for (const DaemonState& state : previous_states(paths_.state_dir, guest_.inode())) {
        if (state.master != state.standby) continue;
        previous_masters_.insert(state.master);
        previous_masters_.insert(holder_bridge_name(state.master));
        best_effort("pairs", "name a previous pair's standby", [&] {
            previous_masters_.insert(daemon::renamed_standby(state.standby));
        });
    }
}

// The settings a single-pair failoverd would be given for this standby, checked the same way as a config
// file (a standby whose name cannot be a master's is refused here, nothing changed).
daemon::DaemonConfig PairSupervisor::pair_config(const std::string& standby) const {
    nlohmann::json j = daemon::to_json(config_);
    j.erase("standby_match");
    j.erase("all_matches");
    j["standby"] = standby;
    j["master"] = standby;
    j["control"] = config_.control + "/" + standby + ".sock";
    j["foreground"] = true;
    return daemon::resolve(daemon::parse_config_json(j, "pair " + standby), daemon::ConfigLayer{});
}

bool PairSupervisor::is_ours(const os::LinkInfo& link) const {
    if (link.name == "lo") return true;
    for (const auto& [standby, pair] : pairs_) {
        if (link.ifindex == pair.standby_ifindex || link.name == standby) return true;
        // The master (which has the standby's name, above) and its holder bridge; the renamed standby
        // keeps its ifindex.
        if (link.name == holder_bridge_name(standby)) return true;
    }
    return false;
}

void PairSupervisor::consider(const os::LinkInfo& link) {
    if (is_ours(link)) return;
    // A link's driver and features do not change while it keeps its ifindex and name: sysfs is read once
    // per link, not on every carrier change (every primary of a burst would cost a few file reads).
    auto verdict = verdicts_.find(link.ifindex);
    if (verdict == verdicts_.end() || verdict->second.first != link.name) {
        const daemon::SysfsNetdevs sysfs;
        auto facts = sysfs.read(link.name).value_or(daemon::NetdevFacts{link.name, {}, {}});
        facts.name = link.name;
        verdict = verdicts_.insert_or_assign(link.ifindex, std::make_pair(link.name, matcher_.matches(facts))).first;
    }
    if (!verdict->second.second) return;
    std::string standby = link.name;
    if (previous_masters_.contains(link.name)) {
        // What a previous run left: <name>nsby is the standby of pair <name>; the master and the holder
        // are the pair's own. The pair's daemon adopts or cleans up.
        const std::string suffix(daemon::kRenamedStandbySuffix);
        if (!link.name.ends_with(suffix)) return;
        standby = link.name.substr(0, link.name.size() - suffix.size());
        if (pairs_.contains(standby)) return;
    }
    Pair& pair = pairs_[standby];
    pair.standby = standby;
    pair.standby_ifindex = link.ifindex;
    spdlog::info("pairs: standby {} (ifindex {}) matches: starting its pair", standby, link.ifindex);
    start_pair(pair);
}

void PairSupervisor::start_pair(Pair& pair) {
    pair.restart_timer = 0;
    pair.failed = false;
    const std::string standby = pair.standby;
    pair.links = std::make_unique<Links>(*this, standby);
    try {
        pair.daemon = std::make_unique<Daemon>(pair_config(standby), paths_, pair.links.get());
    } catch (const ConfigError& e) {
        // Nothing changed (the daemon's promise for ConfigError): this standby cannot be a pair as it is.
        router_.forget(standby);
        pair.refused = true;
        spdlog::error("pairs: {}: refused its settings (nothing changed): {}; the pair waits until its standby "
                      "comes again", standby, e.what());
        return;
    } catch (const std::exception& e) {
        router_.forget(standby);
        spdlog::error("pairs: {}: cannot start: {}", standby, e.what());
        schedule_restart(pair);
        return;
    }
    pair.refused = false;
    loop_.add(pair.daemon->loop_fd(), EPOLLIN, [this, standby](std::uint32_t) { on_pair_ready(standby); },
              "pair " + standby);
    spdlog::info("pairs: {}: serving ({} master {})", standby, pair.daemon->adopted() ? "adopted" : "created",
                 pair.daemon->master_name());
}

// The pair's own loop has work: one round of it. Its handlers' errors are its own (contained and resynced
// as in a failoverd alone); a daemon that ended is torn down and restarted.
void PairSupervisor::on_pair_ready(const std::string& standby) {
    const auto it = pairs_.find(standby);
    if (it == pairs_.end() || !it->second.daemon) return;
    Pair& pair = it->second;
    try {
        pair.daemon->run_ready();
    } catch (const std::exception& e) {
        pair.failed = true;
        spdlog::error("pairs: {}: its loop failed: {}", standby, e.what());
    }
    if (pair.failed || pair.daemon->ended()) settle();
}

void PairSupervisor::tear_down(Pair& pair, const std::string& why) {
    router_.forget(pair.standby);
    backlog_.erase(pair.standby);
    if (!pair.daemon) return;
    loop_.remove(pair.daemon->loop_fd());
    pair.daemon->stop();
    const int status = pair.daemon->ended().value_or(1);
    pair.daemon.reset();
    pair.links.reset();
    spdlog::info("pairs: {}: {} (its daemon stopped, status {})", pair.standby, why, status);
}

void PairSupervisor::schedule_restart(Pair& pair) {
    const auto delay = restart_delay(pair.restarts++);
    spdlog::error("pairs: {}: starting it again in {}s", pair.standby, delay.count());
    const std::string standby = pair.standby;
    pair.restart_timer = loop_.after(delay, [this, standby] {
        if (auto it = pairs_.find(standby); it != pairs_.end() && !it->second.daemon) {
            start_pair(it->second);
            settle();
        }
    }, "restart " + standby);
}

// The standby went: its daemon restores what it did (the master goes) and the pair is forgotten. A link
// that took the name meanwhile is looked at afresh.
void PairSupervisor::release(const std::string& standby) {
    const auto it = pairs_.find(standby);
    if (it == pairs_.end()) return;
    Pair pair = std::move(it->second);
    pairs_.erase(it);
    loop_.cancel(pair.restart_timer);
    const bool served = pair.daemon != nullptr;
    tear_down(pair, "standby gone, pair released");
    if (!served) spdlog::info("pairs: {}: standby gone, pair forgotten", standby);
    if (const auto link = rtnl_.find_link(standby)) consider(*link);
}

void PairSupervisor::scan_all() {
    const std::vector<os::LinkInfo> links = monitor_->resync();
    verdicts_.clear();
    std::vector<std::string> gone;
    for (const auto& [standby, pair] : pairs_)
        if (std::none_of(links.begin(), links.end(), [&](const os::LinkInfo& l) { return l.ifindex == pair.standby_ifindex; }))
            gone.push_back(standby);
    for (const auto& standby : gone) release(standby);
    for (const os::LinkInfo& link : links) consider(link);
}

// Every event goes to its pairs in its order; but a pair's release of a primary that went (its DELLINK,
// the link already down) waits while any pair has a switch to make. Releasing talks to the kernel
// (rtnetlink, tc), and while the kernel tears a namespace's links down it holds the rtnl lock for tens of
// milliseconds: a release then blocks the whole loop, and a carrier loss read meanwhile would wait behind
// it. So: every pair's leading events that are not such releases, round-robin; then, only if the monitor
// has nothing new, one release; and again.
void PairSupervisor::pump() {
    pumping_ = true;
    try {
        read_events();
        while (true) {
            for (bool any = true; any;) {
                any = false;
                for (auto& [standby, queue] : backlog_) {
                    if (queue.empty() || is_release(queue.front())) continue;
                    const os::LinkEvent event = std::move(queue.front());
                    queue.pop_front();
                    deliver(standby, event);
                    any = true;
                }
            }
            // Bounded: past kMaxPending events held back, releases go first and the kernel's socket buffer
            // holds the rest (an overrun there is a rescan).
            std::size_t held = 0;
            for (const auto& [standby, queue] : backlog_) held += queue.size();
            if (held < kMaxPending && monitor_->wait(std::chrono::milliseconds(0))) {
                read_events();
                continue;
            }
            const auto next = std::find_if(backlog_.begin(), backlog_.end(), [](const auto& q) { return !q.second.empty(); });
            if (next == backlog_.end()) break;
            const os::LinkEvent event = std::move(next->second.front());
            next->second.pop_front();
            deliver(next->first, event);
        }
        std::erase_if(backlog_, [](const auto& q) { return q.second.empty(); });
    } catch (...) {
        pumping_ = false;
        throw;
    }
    pumping_ = false;
}

bool PairSupervisor::is_release(const os::LinkEvent& event) {
    return event.kind == os::LinkEvent::Kind::Del && !(event.link.admin_up && event.link.carrier);
}

void PairSupervisor::read_events() {
    for (const os::LinkEvent& event : monitor_->drain()) {
        if (event.kind == os::LinkEvent::Kind::Overrun) {
            rescan_ = true;
            continue;
        }
        for (const std::string& standby : router_.route(event.link, event.kind == os::LinkEvent::Kind::Del))
            backlog_[standby].push_back(event);
        if (pending_.size() >= kMaxPending) {
            ++pending_dropped_;
            rescan_ = true;
        } else {
            pending_.push_back(event);
        }
    }
}

void PairSupervisor::deliver(const std::string& standby, const os::LinkEvent& event) {
    const auto it = pairs_.find(standby);
    if (it == pairs_.end() || !it->second.daemon || it->second.failed) return;
    Pair& pair = it->second;
    try {
        if (inject_fault(event.link)) throw std::runtime_error("injected fault (NF_FAILOVERD_TEST_THROW_ON_LINK)");
        pair.daemon->on_guest_links({event});
        if (pair.daemon->ended()) pair.failed = true;
    } catch (const std::exception& e) {
        // Contained: this pair is torn down and started again (settle()); the others go on.
        spdlog::error("pairs: {}: link handler failed: {}", standby, e.what());
        pair.failed = true;
    }
}

void PairSupervisor::on_links() {
    pump();
    settle();
}

// Starting a pair dumps the links, which hands out what the monitor holds first (pump()): new events may
// queue meanwhile; they are looked at in this same call.
void PairSupervisor::settle() {
    if (settling_) return;
    settling_ = true;
    try {
        while (true) {
            for (auto& [standby, pair] : pairs_) {
                if (!pair.failed || !pair.daemon) continue;
                tear_down(pair, "failed");
                pair.failed = false;
                schedule_restart(pair);
            }
            if (rescan_) {
                rescan_ = false;
                pending_.clear();
                spdlog::warn("pairs: link events overran; rescanning");
                scan_all();
                resync_pairs();
                continue;
            }
            if (pending_.empty()) break;
            const os::LinkEvent event = std::move(pending_.front());
            pending_.pop_front();
            if (event.kind == os::LinkEvent::Kind::Del) {
                verdicts_.erase(event.link.ifindex);
                const auto it = std::find_if(pairs_.begin(), pairs_.end(), [&](const auto& p) {
                    return p.second.standby_ifindex == event.link.ifindex;
                });
                if (it != pairs_.end()) release(std::string(it->first));
                continue;
            }
            consider(event.link);
        }
    } catch (...) {
        settling_ = false;
        throw;
    }
    settling_ = false;
}

void PairSupervisor::resync_pairs() {
    for (auto& [standby, pair] : pairs_) {
        if (!pair.daemon || pair.failed) continue;
        try {
            pair.daemon->resync_links();
        } catch (const std::exception& e) {
            spdlog::error("pairs: {}: resync failed: {}", standby, e.what());
            pair.failed = true;
        }
    }
}

bool PairSupervisor::on_signal() {
    const auto received = signals_.read();
    if (received.stop) return true;
    if (received.resync) {
        spdlog::info("pairs: SIGHUP: every pair resyncs its links");
        resync_pairs();
        settle();
    }
    return false;
}

int PairSupervisor::run() {
    while (!loop_.stop_requested()) {
        try {
            loop_.run_once();
        } catch (const std::exception& e) {
            spdlog::error("pairs: event loop: {}", e.what());
            break;
        }
    }
    return stop_all();
}

int PairSupervisor::stop_all() noexcept {
    int result = 0;
    for (auto& [standby, pair] : pairs_) {
        loop_.cancel(std::exchange(pair.restart_timer, 0));
        if (!pair.daemon) continue;
        loop_.remove(pair.daemon->loop_fd());
        pair.daemon->stop();
        if (const int status = pair.daemon->ended().value_or(1); status != 0) {
            result = 1;
            spdlog::error("pairs: {}: stopped with status {}", standby, status);
        }
        pair.daemon.reset();
        router_.forget(standby);
    }
    pairs_.clear();
    return result;
}

}  // namespace nf::failoverd
