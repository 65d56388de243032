#include "failoverd/pair_supervisor.h"

#include <sys/signalfd.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include <spdlog/spdlog.h>

#include "common/best_effort.h"
#include "common/error.h"
#include "failoverd/master_device.h"
#include "failoverd/state_file.h"
#include "failoverd/sysfs_netdevs.h"
#include "failoverd_control/command_line.h"

namespace nf::failoverd {
namespace {

sigset_t supervisor_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
}

// A pair whose daemon keeps failing is tried again, less and less often.
constexpr std::chrono::seconds kMaxRestartDelay{30};
// How long the pairs get to restore the system at stop, all together, before SIGKILL (they then leave
// their state files, and the next start adopts or cleans up).
constexpr std::chrono::seconds kStopBound{20};

std::chrono::seconds restart_delay(unsigned restarts) {
    return std::min<std::chrono::seconds>(std::chrono::seconds(1 << std::min(restarts, 5u)), kMaxRestartDelay);
}

}  // namespace

PairSupervisor::PairSupervisor(daemon::DaemonConfig config, std::string binary, std::string state_dir)
    : config_(std::move(config)), binary_(std::move(binary)), state_dir_(std::move(state_dir)),
      matcher_(config_.standby), guest_(os::Netns::current()) {
    const sigset_t signals = supervisor_signals();
    if (int rc = pthread_sigmask(SIG_BLOCK, &signals, &saved_sigmask_); rc != 0) throw_errno(rc, "pthread_sigmask");
    signal_fd_ = UniqueFd(static_cast<int>(check_syscall(signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK), "signalfd")));
    // Monitor before the dump: a link that comes between the two is seen twice, never missed.
    monitor_ = std::make_unique<os::LinkMonitor>(os::LinkMonitor::in(guest_));
    loop_.add(monitor_->fd(), EPOLLIN, [this](std::uint32_t) { on_links(); }, "guest links");
    loop_.add(signal_fd_.get(), EPOLLIN, [this](std::uint32_t) {
        if (on_signal()) loop_.stop();
    }, "signals");
    // A handler that throws is logged by the loop; the supervisor goes on with the other pairs.
    loop_.set_error_hook([](const std::string& handler, const std::exception& e) {
        spdlog::error("pairs: {} failed: {}", handler, e.what());
    });
    remember_previous_pairs();
    spdlog::info("pairs: managing every standby that matches {} (sockets in {})", matcher_.describe(), config_.control);
    scan_all();
}

PairSupervisor::~PairSupervisor() {
    (void)stop_all();
    pthread_sigmask(SIG_SETMASK, &saved_sigmask_, nullptr);
}

// A previous supervisor that did not stop cleanly left its pairs' masters under the standbys' names, the
// standbys renamed <name>nsby: they are pairs to take up again, not new standbys.
void PairSupervisor::remember_previous_pairs() {
    const std::string ours = system_key(guest_.inode(), "");
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(state_dir_, ec)) {
        if (entry.path().extension() != ".state" || !entry.path().filename().string().starts_with(ours)) continue;
        const auto state = read_state(entry.path());
        if (!state || state->master != state->standby) continue;
        previous_masters_.insert(state->master);
        previous_masters_.insert(holder_bridge_name(state->master));
        best_effort("pairs", "name a previous pair's standby", [&] {
            previous_masters_.insert(daemon::renamed_standby(state->standby));
        });
    }
}

nlohmann::json PairSupervisor::pair_config(const std::string& standby) const {
    nlohmann::json j = daemon::to_json(config_);
    j.erase("standby_match");
    j["standby"] = standby;
    j["master"] = standby;
    j["control"] = config_.control + "/" + standby + ".sock";
    j["foreground"] = true;
    return j;
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
    const daemon::SysfsNetdevs sysfs;
    auto facts = sysfs.read(link.name).value_or(daemon::NetdevFacts{link.name, {}, {}});
    facts.name = link.name;
    if (!matcher_.matches(facts)) return;
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
    try {
        pair.process = std::make_unique<PairProcess>(binary_, pair_config(pair.standby));
    } catch (const std::exception& e) {
        const auto delay = restart_delay(pair.restarts++);
        spdlog::error("pairs: {}: cannot start its failoverd: {}; again in {}s", pair.standby, e.what(), delay.count());
        const std::string standby = pair.standby;
        pair.restart_timer = loop_.after(delay, [this, standby] {
            if (auto it = pairs_.find(standby); it != pairs_.end()) start_pair(it->second);
        }, "restart " + standby);
        return;
    }
    const std::string standby = pair.standby;
    loop_.add(pair.process->exit_fd(), EPOLLIN, [this, standby](std::uint32_t) { on_pair_exit(standby); },
              "pair " + standby);
    spdlog::info("pairs: {}: failoverd pid {}", pair.standby, pair.process->pid());
}

void PairSupervisor::on_pair_exit(const std::string& standby) {
    const auto it = pairs_.find(standby);
    if (it == pairs_.end() || !it->second.process) return;
    Pair& pair = it->second;
    const auto status = pair.process->reap();
    if (!status) return;
    loop_.remove(pair.process->exit_fd());
    pair.process.reset();
    if (*status == daemon::kExitUsage) {  // refused its settings, changed nothing
        pair.refused = true;
        spdlog::error("pairs: {}: failoverd refused its settings (exit 2, nothing changed); the pair waits until "
                      "its standby comes again", standby);
        return;
    }
    const auto delay = restart_delay(pair.restarts++);
    spdlog::error("pairs: {}: failoverd exited with status {}; restarting in {}s", standby, *status, delay.count());
    pair.restart_timer = loop_.after(delay, [this, standby] {
        if (auto found = pairs_.find(standby); found != pairs_.end()) start_pair(found->second);
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
    if (pair.process) {
        loop_.remove(pair.process->exit_fd());
        pair.process->signal(SIGTERM);
        const auto status = pair.process->wait_exit(std::chrono::seconds(10));
        if (!status) {
            // Killed (below): its master may still be there under the standby's name; not a standby.
            spdlog::error("pairs: {}: failoverd did not stop within 10s; killed", standby);
            previous_masters_.insert(standby);
            previous_masters_.insert(holder_bridge_name(standby));
            pair.process.reset();
            return;
        }
        spdlog::info("pairs: {}: standby gone, pair released (failoverd exit {})", standby, *status);
    } else {
        spdlog::info("pairs: {}: standby gone, pair forgotten", standby);
    }
    pair.process.reset();
    os::Rtnl rtnl;
    if (const auto link = rtnl.find_link(standby)) consider(*link);
}

void PairSupervisor::scan_all() {
    const std::vector<os::LinkInfo> links = monitor_->resync();
    std::vector<std::string> gone;
    for (const auto& [standby, pair] : pairs_)
        if (std::none_of(links.begin(), links.end(), [&](const os::LinkInfo& l) { return l.ifindex == pair.standby_ifindex; }))
            gone.push_back(standby);
    for (const auto& standby : gone) release(standby);
    for (const os::LinkInfo& link : links) consider(link);
}

void PairSupervisor::on_links() {
    for (const os::LinkEvent& event : monitor_->drain()) {
        if (event.kind == os::LinkEvent::Kind::Overrun) {
            spdlog::warn("pairs: link events overran; rescanning");
            scan_all();
            continue;
        }
        if (event.kind == os::LinkEvent::Kind::Del) {
            const auto it = std::find_if(pairs_.begin(), pairs_.end(), [&](const auto& p) {
                return p.second.standby_ifindex == event.link.ifindex;
            });
            if (it != pairs_.end()) release(std::string(it->first));
            continue;
        }
        consider(event.link);
    }
}

bool PairSupervisor::on_signal() {
    signalfd_siginfo info{};
    bool stop = false;
    while (::read(signal_fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo == SIGHUP) {
            spdlog::info("pairs: SIGHUP: passed to every pair");
            for (auto& [standby, pair] : pairs_)
                if (pair.process) pair.process->signal(SIGHUP);
        } else {
            stop = true;
        }
    }
    return stop;
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
        if (pair.process) pair.process->signal(SIGTERM);
    }
    const auto deadline = Clock::now() + kStopBound;
    for (auto& [standby, pair] : pairs_) {
        if (!pair.process) continue;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        const auto status = pair.process->wait_exit(std::max(left, std::chrono::milliseconds(0)));
        if (status != 0) {
            result = 1;
            spdlog::error("pairs: {}: failoverd {}", standby,
                          status ? "exited with status " + std::to_string(*status) : std::string("killed at stop"));
        }
        loop_.remove(pair.process->exit_fd());
        pair.process.reset();
    }
    pairs_.clear();
    return result;
}

}  // namespace nf::failoverd
