// Daemon: start (adopt or create, with every step undone on failure) and stop (restore).
#include "failoverd/daemon.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "common/unix_socket.h"
#include "failoverd/pair_id_rules.h"
#include "failoverd/standby_matcher.h"
#include "failoverd/sysfs_netdevs.h"
#include "failoverd/owner_lock.h"
#include "failoverd/previous_daemon.h"
#include "failoverd/standby_takeover.h"
#include "failoverd/state_file.h"
#include "failoverd/two_dev_slave_ops.h"
#include "common/best_effort.h"

namespace nf::failoverd {

namespace {

std::string datapath_name(datapath::DatapathKind kind) { return std::string(datapath::to_string(kind)); }

}  // namespace

Daemon::Daemon(daemon::DaemonConfig config, DaemonPaths paths, GuestLinks* shared_links)
    : config_(std::move(config)), paths_(std::move(paths)), guest_(os::Netns::current()), shared_links_(shared_links) {
    try {
        start();
    } catch (const ConfigError& e) {
        abort_start();
        if (!system_changed_) throw;
        // Exit 2 promises an untouched system; this check could only be made once changes had begun.
        throw SystemError(EINVAL, e.what());
    } catch (...) {
        abort_start();
        throw;
    }
}

Daemon::~Daemon() { stop(); }

void Daemon::start() {
    if (!shared_links_) signals_ = std::make_unique<ProcessSignals>();  // a supervisor's pairs: the supervisor's

    guest_inode_ = guest_.inode();
    guest_rtnl_ = std::make_unique<os::Rtnl>();
    if (config_.master.empty()) name_master_by_rule();
    // First, so that a second daemon for the same master (whatever its --control) stops here having
    // changed nothing; the control socket's own "already running" check only sees one path.
    owner_lock_ = std::make_unique<OwnerLock>(
        owner_lock_path(paths_.state_dir, system_key(guest_inode_, config_.master)));
    // Checked now (a bad group is exit 2, nothing changed); the socket itself opens in start_services().
    if (!config_.control_group.empty()) control_access_.group = resolve_group("--control-group", config_.control_group);

    choice_ = datapath::choose_datapath(config_.datapath);
    if (config_.datapath == datapath::DatapathKind::automatic)
        spdlog::info("datapath auto: {} ({})", datapath_name(choice_.kind), choice_.reason);
    else
        spdlog::info("datapath {} (configured)", datapath_name(choice_.kind));
    // Without a master device of its own the packet datapath would have to take every frame the standby
    // sends away from the kernel's own path: refused rather than done badly.
    if (two_dev() && choice_.kind != datapath::DatapathKind::bpf)
        throw ConfigError("--model 2dev needs the bpf datapath (tc programs on the standby and the primary); " +
                          (config_.datapath == datapath::DatapathKind::packet
                               ? std::string("the packet datapath cannot steer the standby's own TX")
                               : "BPF is not available here (" + choice_.reason + ")"));

    adopt_or_clean_up();
    const os::LinkInfo standby = find_standby();
    if (!adopted_) create_master_device(standby);
    slave_rtnl_ = std::make_unique<os::Rtnl>(os::Rtnl::in(device_->slave_netns()));
    if (device_->private_netns()) peer_rtnl_ = std::make_unique<os::Rtnl>(os::Rtnl::in(*device_->private_netns()));
    start_datapath(standby);
    watch_links();
    const os::LinkInfo* standby_now = slave_table().find_by_name(standby_name_now());
    if (!standby_now) throw SystemError(ENODEV, "standby " + standby_name_now() + " vanished during start-up");
    start_core(*standby_now);
    start_services();
    spdlog::info("{}: {} master {} (model {}, datapath {}, standby {})", config_.master,
                 adopted_ ? "adopted" : "created", config_.master, daemon::to_string(config_.model),
                 datapath_->kind(), standby_name_now());
}

// Links the standby rules select in the guest namespace, but for `skip` (masters, ours or a previous
// daemon's). The driver and features come from sysfs when it has them (sysfs may belong to another
// namespace; rtnetlink is the authority on which links exist).
std::vector<std::string> Daemon::standbys_matching_rules(const std::vector<std::string>& skip) {
    const daemon::StandbyMatcher matcher(config_.standby);
    const daemon::SysfsNetdevs sysfs;
    std::vector<daemon::NetdevFacts> facts;
    for (const os::LinkInfo& link : guest_rtnl_->links()) {
        if (link.name == "lo" || std::find(skip.begin(), skip.end(), link.name) != skip.end()) continue;
        auto f = sysfs.read(link.name).value_or(daemon::NetdevFacts{link.name, {}, {}});
        f.name = link.name;
        facts.push_back(f);
    }
    const auto names = matcher.matching(facts);
    if (names.size() > 1) {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        throw ConfigError("several netdevs match the standby rules (" + matcher.describe() + "): " + list +
                          "; narrow the rules or give --standby");
    }
    return names;
}

// By rule without --master, the master takes the name of the standby the rules find, and the state file
// and control socket go by it. A previous daemon that did not stop cleanly left its state file: its
// standby may be renamed <name>nsby, or moved into its private namespace (hidden).
void Daemon::name_master_by_rule() {
    const std::vector<DaemonState> previous = previous_states(paths_.state_dir, guest_inode_);
    std::vector<std::string> masters;  // and their holder bridges
    for (const auto& s : previous) {
        // A 2dev master is its standby: still a match.
        if (s.model != datapath::to_string(daemon::DeviceModel::two_device)) masters.push_back(s.master);
        masters.push_back(holder_bridge_name(s.master));
    }

    std::string name;
    if (const auto found = standbys_matching_rules(masters); !found.empty()) {
        name = found.front();
        for (const auto& s : previous)
            if (s.master == s.standby && name == daemon::renamed_standby(s.standby)) name = s.standby;
    } else {
        // Hidden: the standby is in the private namespace a previous daemon left (with, for bpf, the
        // master named after it in the guest).
        std::vector<std::string> left;
        for (const auto& s : previous) {
            if (s.master != s.standby || !os::Netns::named_exists(private_netns_name(guest_inode_, s.master))) continue;
            os::Rtnl private_rtnl = os::Rtnl::in(os::Netns::open_named(private_netns_name(guest_inode_, s.master)));
            if (private_rtnl.find_link(daemon::renamed_standby(s.standby))) left.push_back(s.master);
        }
        if (left.size() != 1)
            throw ConfigError("--match-*: no netdev matches the standby rules (" +
                              daemon::StandbyMatcher(config_.standby).describe() + ")");
        name = left.front();
    }
    daemon::name_master_after(config_, name);
    standby_name_ = name;
    spdlog::info("standby {} found by rule: the master takes its name", name);
}

// A state file means a daemon for this master ran before and did not stop cleanly. With bpf its master
// and maps are still carrying traffic: adopt them. Anything else is a leftover: remove it, start afresh.
void Daemon::adopt_or_clean_up() {
    const auto traits = datapath::datapath_traits(choice_.kind, config_.model);
    MasterLayout layout{config_.master, config_.model, traits.veth_master};
    device_ = std::make_unique<MasterDevice>(layout, guest_);
    const auto path = state_file_path(paths_.state_dir, system_key(guest_inode_, config_.master));
    const auto state = read_state(path);
    if (!state) return;
    // Adopted or removed, what the previous daemon left is changed: a ConfigError from now on is exit 1.
    system_changed_ = true;
    const bool same_setup = state->phase == "running" && state->datapath == datapath_name(choice_.kind) &&
                            state->model == daemon::to_string(config_.model) && traits.outlives_process;
    if (same_setup && device_->adopt(*guest_rtnl_)) {
        adopted_ = true;
        state_owned_ = true;
        standby_name_ = state->standby;
        standby_was_up_ = state->standby_was_up;
        inherited_taken_ = state->taken_addresses;
        if (master_takes_standby_name()) device_->standby_renamed(standby_name_, standby_name_now());
        snapshots_ = LinkSnapshots::from_json(state->links);
        spdlog::info("adopting master {} left by a previous failoverd", config_.master);
        return;
    }
    device_.reset();  // a clean-up that cannot finish leaves nothing of ours to report at stop
    clean_up_after({*state, path, bpf_pin_dir()}, guest_, *guest_rtnl_);
    device_ = std::make_unique<MasterDevice>(layout, guest_);
}

os::LinkInfo Daemon::find_standby() {
    if (adopted_) {
        os::Rtnl rtnl = os::Rtnl::in(device_->slave_netns());
        if (auto link = rtnl.find_link(standby_name_now())) {
            pairing_key_ = pairing_mac(*link);
            return *link;
        }
        throw SystemError(ENODEV, "adopting " + config_.master + ": its standby " + standby_name_now() + " is gone");
    }
    // By name, or by rule already found when the master was named after it.
    const std::string wanted = config_.standby.name ? *config_.standby.name : standby_name_;
    if (!wanted.empty()) {
        auto link = guest_rtnl_->find_link(wanted);
        // Nothing changed yet (a successor's clean-up aside, which makes this exit 1): a usage error, exit 2.
        if (!link) throw ConfigError("--standby: no netdev named " + wanted + " in this namespace");
        standby_name_ = link->name;
        standby_was_up_ = link->admin_up;
        pairing_key_ = pairing_mac(*link);
        snapshots_.capture_once(guest_, link->ifindex, link->name);
        return *link;
    }
    const auto names = standbys_matching_rules({config_.master, holder_bridge_name(config_.master)});
    if (names.empty())
        throw ConfigError("--match-*: no netdev matches the standby rules (" +
                          daemon::StandbyMatcher(config_.standby).describe() + ")");
    if (const auto link = guest_rtnl_->find_link(names.front())) {
        standby_name_ = link->name;
        standby_was_up_ = link->admin_up;
        pairing_key_ = pairing_mac(*link);
        snapshots_.capture_once(guest_, link->ifindex, link->name);
        spdlog::info("standby {} found by rule", link->name);
        return *link;
    }
    throw SystemError(ENODEV, "standby " + names.front() + " vanished");
}

void Daemon::create_master_device(const os::LinkInfo& standby) {
    if (standby.arptype != 1 /* ARPHRD_ETHER */)
        throw ConfigError("standby " + standby.name + " is not an Ethernet device");
    if (device_->layout().uses_holder() && holder_bridge_name(config_.master) == standby.name)
        throw ConfigError("master " + config_.master + ": its holder bridge would be named " + standby.name +
                          ", the standby's name; give another --master");
    if (two_dev()) {
        // Nothing to create but the holder of the primary: the standby stays as the guest configured it.
        record_state("starting");
        device_->create_holder(*guest_rtnl_);
        device_->standby_is_master(standby.ifindex);
        return;
    }
    check_standby_config(snapshots_.find(standby.name), config_.standby_config, standby.name, config_.master);
    // Before the first change: a daemon killed from here on leaves a file that says what to remove.
    record_state("starting");
    clear_standby_config(snapshots_.find(standby.name), guest_, standby.ifindex);
    if (master_takes_standby_name()) device_->rename_standby(*guest_rtnl_, standby.name, standby_name_now());
    if (guest_rtnl_->find_link(config_.master))
        throw SystemError(EEXIST, "a link named " + config_.master + " already exists");
    if (device_->layout().uses_private_netns()) device_->create_private_netns();
    if (device_->layout().uses_holder()) device_->create_holder(*guest_rtnl_);
    if (device_->layout().veth_master) device_->create_veth_master(*guest_rtnl_, pairing_mac(standby), standby.mtu);
    if (hidden()) {
        device_->hide_slave(*guest_rtnl_, standby.ifindex);
        spdlog::info("standby {} moved into the private namespace {}", standby.name,
                     private_netns_name(guest_inode_, config_.master));
    }
}

std::string Daemon::bpf_pin_dir() const { return paths_.bpf_pin_root + "/" + system_key(guest_inode_, config_.master); }

// Where this master's datapath is, whatever its kind (the factory takes what it uses).
datapath::DatapathRequest Daemon::datapath_request() const {
    datapath::DatapathRequest r;
    r.kind = choice_.kind;
    r.model = config_.model;
    r.master_ifindex = device_->master_ifindex();
    r.peer_ifindex = device_->peer_ifindex();
    r.master_netns_fd = guest_.fd();
    r.slave_netns_fd = device_->slave_netns().fd();
    r.pin_dir = bpf_pin_dir();
    return r;
}

void Daemon::start_datapath(const os::LinkInfo& standby) {
    auto request = datapath_request();
    request.adopt = adopted_;
    // bpf: the master veth has carrier exactly when its parked peer is up.
    request.carrier = [this](bool on) {
        const int peer = device_->peer_ifindex();
        if (on) peer_rtnl_->set_up(peer); else peer_rtnl_->set_down(peer);
    };
    // packet: it creates its TAP master with the standby's MAC and MTU.
    request.packet_master = {config_.master, pairing_mac(standby), standby.mtu, guest_.fd(), device_->slave_netns().fd()};
    datapath_ = datapath::make_datapath(request);
    if (device_->master_ifindex() <= 0) {  // the datapath made the master (packet: its TAP)
        device_->record_tap_master(datapath_->master_ifindex());
        guest_rtnl_->set_mac(datapath_->master_ifindex(), pairing_mac(standby));
        guest_rtnl_->set_mtu(datapath_->master_ifindex(), standby.mtu);
    }
}

void Daemon::watch_links() {
    // Monitors before dumps: an event between the two is seen twice, never missed. A supervisor's pair
    // shares the supervisor's monitor (guest_dump()).
    if (!shared_links_) guest_monitor_ = std::make_unique<os::LinkMonitor>(os::LinkMonitor::in(guest_));
    guest_table_ = std::make_unique<LinkTable>(guest_inode_);
    const auto rule = pair_id_rule();
    guest_table_->set_pair_id_rule(rule);
    if (!two_dev()) guest_table_->ignore(device_->master_ifindex());  // 2dev: the master is the standby
    if (device_->holder_ifindex() > 0) guest_table_->ignore(device_->holder_ifindex());
    (void)guest_table_->resync(guest_dump());
    if (!hidden()) return;
    const os::Netns& priv = *device_->private_netns();
    private_monitor_ = std::make_unique<os::LinkMonitor>(os::LinkMonitor::in(priv));
    private_table_ = std::make_unique<LinkTable>(priv.inode());
    private_table_->set_pair_id_rule(rule);
    if (device_->peer_ifindex() > 0) private_table_->ignore(device_->peer_ifindex());
    // Primaries that were there before us go where the standby went.
    for (const failover::Netdev& dev : guest_table_->netdevs()) hide_if_slave(dev);
    (void)private_table_->resync(private_monitor_->resync());
}

// --pair-by id: the rule that reads each netdev's id from the configured source (none by MAC).
std::shared_ptr<const daemon::PairIdRule> Daemon::pair_id_rule() const {
    if (config_.pairing.by != daemon::PairingKey::id) return nullptr;
    return daemon::make_pair_id_rule(daemon::parse_primary_id("pairing.primary_id", config_.pairing.primary_id).source);
}

void Daemon::start_core(const os::LinkInfo& standby) {
    ops_ = std::make_unique<RtnlSlaveOps>(*slave_rtnl_, device_->slave_netns(), device_->holder_ifindex());
    if (adopted_) ops_->inherit_taken_addresses(inherited_taken_);
    // Every MAC given to (or given back by) a primary is in the state file at once: a crash never loses one.
    ops_->on_taken_change([this] {
        best_effort("failoverd", "record the primaries' MACs", [&] { record_state(state_phase_.c_str()); });
    });
    // A primary's state before its first change (3dev; a hidden one was recorded before it was moved).
    ops_->before_change([this](const failover::Netdev& dev) {
        if (dev.name != standby_name_now()) remember_link(device_->slave_netns(), dev.ifindex, dev.name);
    });
    if (two_dev()) two_dev_ops_ = std::make_unique<TwoDevSlaveOps>(*ops_, device_->master_ifindex());
    registry_ = std::make_unique<failover::FailoverRegistry>(two_dev_ops_ ? *two_dev_ops_ : *ops_, *this);
    const os::LinkInfo master_link = guest_rtnl_->link(device_->master_ifindex());

    failover::MasterSpec spec;
    spec.name = config_.master;
    // 2dev: the master has no netdev of its own; the standby's key would make the core take the standby
    // for the master (never a slave).
    spec.key = {guest_inode_, two_dev() ? 0 : device_->master_ifindex()};
    spec.standby = slave_table().describe(standby);
    spec.config.rx = config_.rx_mode;
    spec.config.rx_grace = config_.rx_grace;
    // Veths and VFs whose parent is not reported as PCI: the kernel-compat policy would refuse them.
    spec.config.pairing = failover::general_pairing();
    // Better than the kernel's fixed 1500 (C2 quirk): the guest keeps the MTU it configured on the standby.
    spec.config.initial_mtu = adopted_ ? master_link.mtu : standby.mtu;
    if (config_.pairing.by == daemon::PairingKey::id) spec.primary_pair_id = config_.pairing.primary_id;
    master_ = &registry_->create_master(spec, slave_table().netdevs());
    output_ = std::make_unique<failover::MasterOutput>(*master_, *datapath_);

    // A fresh master comes up at once (it replaces the standby, which was in use); an adopted one stays
    // as the guest left it, and so does the standby that is the master (2dev).
    const bool up = adopted_ || two_dev() ? master_link.admin_up : true;
    if (!adopted_ && !two_dev()) {
        guest_rtnl_->set_up(device_->master_ifindex());
        taken_over_ = take_over_standby_config(snapshots_.find(standby_name_), guest_, device_->master_ifindex(),
                                               config_.master, standby_name_);
    }
    if (up) {
        if (auto ec = master_->open()) spdlog::warn("{}: opening the slaves failed: {}", config_.master, ec.message());
    }
    apply_program(Clock::now());
}

void Daemon::start_services() {
    announce_sender_ = std::make_unique<AnnounceSender>(device_->slave_netns());
    announcer_ = std::make_unique<daemon::Announcer>(
        config_.announce, [this](std::span<const std::uint8_t> frame) { announce_sender_->send(frame); });

    // The control socket opens only now, with the master in place under its final name: whoever takes an
    // answer on it as "ready" (the lab puts the VM's address on the master then) never sees the standby
    // under the master's name. One daemon per master is the owner lock's job, taken first.
    daemon::ControlHandlers handlers;
    handlers.status = [this] { return status(); };
    handlers.set_active = [this](daemon::ActiveChoice c) { return set_active(c); };
    handlers.resync = [this]() -> std::optional<std::string> {
        // What SIGHUP does: a failed dump is reported to the asker, the daemon goes on.
        try {
            resync_links();
        } catch (const std::exception& e) {
            return std::string("resync failed: ") + e.what();
        }
        spdlog::info("{}: resynced on request", config_.master);
        return std::nullopt;
    };
    control_ = std::make_unique<daemon::ControlServer>(loop_, config_.control, std::move(handlers),
                                                       daemon::ControlLimits{}, control_access_);
    watch_events();
    watch_addresses();
    watch_uevents();
    start_device_channel();

    record_state("running");
}

void Daemon::record_state(const char* phase) {
    system_changed_ = true;
    state_owned_ = true;
    state_phase_ = phase;
    DaemonState state{config_.master, std::string(daemon::to_string(config_.model)), datapath_name(choice_.kind),
                      standby_name_, standby_was_up_, phase};
    state.taken_addresses = taken_addresses();
    state.links = snapshots_.to_json();
    write_state(state_file_path(paths_.state_dir, system_key(guest_inode_, config_.master)), state);
}

std::vector<TakenAddress> Daemon::taken_addresses() const {
    return ops_ ? ops_->taken_addresses() : inherited_taken_;
}

void Daemon::remember_link(const os::Netns& netns, int ifindex, const std::string& name) noexcept {
    best_effort("failoverd", "record a link's state before the first change", [&] {
        if (snapshots_.capture_once(netns, ifindex, name) && state_owned_) record_state(state_phase_.c_str());
    });
}

// Link events, signals and the loop's error hook; the control socket and the device channel watch their
// own fds on the same loop.
void Daemon::watch_events() {
    loop_.set_error_hook([this](const std::string& handler, const std::exception& error) {
        on_handler_error(handler, error);
    });
    if (guest_monitor_)
        loop_.add(guest_monitor_->fd(), EPOLLIN, [this](std::uint32_t) { on_own_guest_links(); }, "guest links");
    if (private_monitor_)
        loop_.add(private_monitor_->fd(), EPOLLIN, [this](std::uint32_t) { on_slave_links(); }, "private links");
    if (signals_)
        loop_.add(signals_->fd(), EPOLLIN, [this](std::uint32_t) {
            if (on_signal()) loop_.stop();
        }, "signals");
    serving_ = true;
    arm_rx_grace_timer(output_ ? output_->wake_at() : std::nullopt);  // a grace that began during start-up
}

int Daemon::run() {
    while (round(std::nullopt)) {
    }
    stop();
    return exit_status_;
}

void Daemon::run_ready() {
    if (!ended()) (void)round(Clock::duration::zero());
}

std::optional<int> Daemon::ended() const {
    if (stopped_ || exit_status_ != 0 || loop_.stop_requested()) return exit_status_;
    return std::nullopt;
}

bool Daemon::round(std::optional<Clock::duration> max_wait) {
    // Only the loop's own fd failing is fatal; its errors (EBADF, EINVAL) do not go away, but one retry
    // costs nothing.
    constexpr int kMaxWaitFailures = 3;
    // This many handler failures with no clean round between would only spin: better a clean exit and a
    // supervised restart.
    constexpr std::uint64_t kMaxConsecutiveHandlerErrors = 1000;
    if (ended()) return false;
    const std::uint64_t errors_before = handler_errors_;
    try {
        loop_.run_once(max_wait);
        wait_failures_ = 0;
    } catch (const std::exception& e) {
        spdlog::error("{}: event loop: {}", config_.master, e.what());
        if (++wait_failures_ >= kMaxWaitFailures) exit_status_ = 1;
        return !ended();
    }
    consecutive_errors_ = handler_errors_ == errors_before ? 0 : consecutive_errors_ + (handler_errors_ - errors_before);
    if (consecutive_errors_ >= kMaxConsecutiveHandlerErrors) {
        spdlog::error("{}: {} handler failures in a row; stopping", config_.master, consecutive_errors_);
        exit_status_ = 1;
    }
    return !ended();
}

// One transient error (a netlink call refused, a link gone between event and action) must not end the
// loop: ~Daemon would restore the system and take the guest's network with it. The loop has logged it.
void Daemon::on_handler_error(const std::string& handler, const std::exception&) noexcept {
    ++handler_errors_;
    spdlog::error("{}: event handler {} failed; resyncing links", config_.master, handler);
    recover_from_handler_error();
}

// Events of the failed batch may be lost: a full dump brings the tables and the core up to date.
void Daemon::recover_from_handler_error() noexcept {
    best_effort("failoverd", "resync guest links", [&] { resync(*guest_table_, guest_dump(), !hidden()); });
    if (private_table_)
        best_effort("failoverd", "resync private links", [&] { resync(*private_table_, private_monitor_->resync(), true); });
    resync_addresses();
}

void Daemon::abort_start() noexcept {
    spdlog::debug("start-up failed: undoing");
    stop();
}

void Daemon::stop() noexcept {
    if (stopped_) return;
    stopped_ = true;
    // The socket goes first: nobody should see a half-restored system as "running".
    control_.reset();
    channel_.reset();
    // Nothing of ours runs on the loop from here: stop() may run inside one of its handlers.
    serving_ = false;
    loop_.cancel(std::exchange(announce_timer_, 0));
    loop_.cancel(std::exchange(rx_grace_timer_, 0));
    loop_.cancel(std::exchange(leave_bound_timer_, 0));
    if (uevents_) loop_.remove(uevents_->fd());
    if (address_monitor_) loop_.remove(address_monitor_->fd());
    for (const auto* monitor : {guest_monitor_.get(), private_monitor_.get()})
        if (monitor) loop_.remove(monitor->fd());
    if (signals_) loop_.remove(signals_->fd());
    if (announcer_) best_effort("failoverd", "cancel announcements", [&] { announcer_->cancel(); });
    output_.reset();  // nothing is applied from here: stop() takes the datapath down itself
    if (registry_ && master_) {
        best_effort("failoverd", "release the slaves", [&] { registry_->destroy_master(config_.master); });
        master_ = nullptr;
    }
    if (datapath_) best_effort("failoverd", "remove the datapath", [&] { datapath_->teardown(); });
    best_effort("failoverd", "stop the datapath", [&] { datapath_.reset(); });
    const std::vector<std::string> left = device_ ? device_->teardown() : std::vector<std::string>{};
    if (standby_was_up_ && !standby_name_.empty() && !two_dev())  // 2dev never took it down
        best_effort("failoverd", "bring the standby back up", [&] {
            if (guest_rtnl_ && guest_rtnl_->find_link(standby_name_)) guest_rtnl_->set_up(standby_name_);
        });
    // Last: the slaves are back in the guest under their own names now.
    for (const auto& failed : snapshots_.restore_all(guest_))
        spdlog::warn("{}: could not restore {}", config_.master, failed);
    if (state_owned_) {
        const auto path = state_file_path(paths_.state_dir, system_key(guest_inode_, config_.master));
        if (left.empty()) {
            best_effort("failoverd", "remove the state file", [&] { remove_state(path); });
        } else {
            // Kept, with what is left: the next start finishes the job (a slave still in the private
            // namespace goes back to the guest then).
            best_effort("failoverd", "record the leftovers", [&] {
                DaemonState state{config_.master, std::string(daemon::to_string(config_.model)),
                                  datapath_name(choice_.kind), standby_name_, standby_was_up_, "leftovers", left};
                state.taken_addresses = taken_addresses();
                state.links = snapshots_.to_json();
                write_state(path, state);
            });
        }
    }
    if (signals_) signals_->restore();  // after the datapath's threads are gone
    owner_lock_.reset();  // last: a next daemon may start now
    if (!system_changed_) {
        spdlog::debug("{}: stopped before any change", config_.master);  // a refused start: its error says why
    } else if (left.empty()) {
        spdlog::info("{}: stopped, system restored", config_.master);
    } else {
        std::string list;
        for (const auto& l : left) list += (list.empty() ? "" : ", ") + l;
        spdlog::error("{}: stopped, but could not undo everything: {}; the next start finishes the job", config_.master,
                      list);
        exit_status_ = 1;
    }
}

}  // namespace nf::failoverd
