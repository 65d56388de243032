#pragma once
// failover-vmm, the lab VMM: the device model (src/device) given real devices. Table of contents:
//   vmm_options.h   command line (docs/lab-contract.md), vmm_help.cpp its --help
//   keyval.h        QEMU's `driver,key=value` syntax
//   backend_props.h what a device needs beyond the model (ifname, host, netdev)
//   bridge_netdev.h --netdev bridge: the PV backend port on the host bridge
//   standby_tap.h   the standby's tap in the VM (fd held here)
//   pv_forwarder.h  tap <-> backend port forwarding, paused_frames.h the netpass seam, counters.h
//   standby_device.h the standby: tap + forwarder + counters
//   primary_veth.h  the primary: a veth "VF" moved in and out of the VM
//   mac_filter.h    the host NIC's MAC filter for a VF (stale / while-bound)
//   guest_pause.h   stop/cont: cgroup freezer (+ forwarding, via the standbys)
//   vmm.h           this: owns all of it, carries out the model's actions, serves QMP and the channel
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/event_loop.h"
#include "device/machine.h"
#include "migration/incoming.h"
#include "migration/netpass_cache.h"
#include "migration/outgoing.h"
#include "migration/settings.h"
#include "os/link_monitor.h"
#include "qmp/device_channel.h"
#include "qmp/machine_service.h"
#include "qmp/qmp_server.h"
#include "vmm/backend_props.h"
#include "vmm/bridge_netdev.h"
#include "vmm/guest_pause.h"
#include "vmm/mac_filter.h"
#include "vmm/migration_socket.h"
#include "vmm/namespaces.h"
#include "vmm/primary_veth.h"
#include "vmm/standby_device.h"
#include "vmm/vmm_options.h"

namespace nf::vmm {

class Vmm {
public:
    // Builds the VM: checks every option, creates the netdevs, cold-plugs the --device list, opens the QMP
    // and channel sockets. Throws ConfigError (bad arguments) or SystemError; whatever was created by then
    // is undone by the members' destructors.
    explicit Vmm(VmmOptions options);
    ~Vmm();  // shutdown(), then the members undo the rest in reverse order
    Vmm(const Vmm&) = delete;
    Vmm& operator=(const Vmm&) = delete;

    // Serves until a signal arrives on signal_fd (a signalfd; -1: none) or a QMP `quit`. Returns the exit status.
    int run(int signal_fd);
    // The VMM's one event loop: QMP, the device channel, the link monitor, signals, and every bounded wait
    // (a timer) of the VMM's parts. Handlers that throw are logged and counted there; the VMM goes on.
    EventLoop& loop() { return loop_; }
    // Unplugs every device through the model (the guest and QMP clients hear of it). Idempotent.
    void shutdown(const std::string& reason = "host-signal");

    // The QMP command handler (public for tests that drive a Vmm in-process).
    qmp::QmpResult execute(const std::string& command, const nlohmann::json& arguments);

private:
    // --- vmm.cpp: start-up and the loop
    void create_netdevs();
    void cold_plug_devices();
    void open_sockets();
    void on_link_events();
    void on_signal(int signal_fd);
    // A device that vanished under the guest (or failed to plug outside device_add): surprise-removed
    // through the model after the current round, or at the end of the QMP command being executed.
    void queue_removal(const std::string& id);
    void run_deferred();
    // The run record (<qmp>.run): what a killed VMM leaves for its successor to reclaim.
    void save_run_record() noexcept;

    // --- vmm_commands.cpp: device_add checks, our QMP extensions
    std::optional<qmp::QmpError> check_backend(const BackendProps& props) const;
    void fill_vf_mac(SplitDevice& split);
    qmp::QmpResult device_add(const nlohmann::json& arguments);
    qmp::QmpResult surprise_remove(const nlohmann::json& arguments);
    nlohmann::json describe() const;
    bool model_knows(const std::string& id) const;

    // --- vmm_actions.cpp: the ActionSink
    void carry_out(const device::Action& action);
    void plug_standby(const device::PlugStandby& action);
    void unplug_standby(const device::UnplugStandby& action);
    void plug_primary(const device::PlugPrimary& action);
    void unplug_primary(const device::UnplugPrimary& action);
    void set_paused(bool paused);
    void plug_deferred_primaries();  // a destination's VFs: once the guest runs here and netpass holds nothing
    bool netpass_holds() const;      // a standby holds its own frames until the source's are injected
    const BackendProps* props_for(const std::string& id);
    std::string ifname_for(const std::string& id, const BackendProps* props) const;
    std::string next_tap_name();
    void update_filter(const std::string& host_if);
    void set_leaving(const std::string& id, bool leaving);
    // Publishes an outcome minus DEVICE_DELETED (a device that failed to plug was never there for QMP).
    void publish_quietly(device::Outcome outcome);

    // --- vmm_migration.cpp: live migration, the OS edge of src/migration (sockets, timers, taps, netpass)
    enum class MigrationRole { None, Source, Destination };
    std::optional<qmp::QmpResult> migration_command(const std::string& command, const nlohmann::json& arguments);
    qmp::QmpResult migrate(const nlohmann::json& arguments);
    qmp::QmpResult migrate_incoming(const std::string& uri_text);
    qmp::QmpResult announce_self(const nlohmann::json& arguments);
    nlohmann::json query_migrate() const;
    void apply(migration::Outcome outcome);
    void carry_out_migration(migration::Action& action, bool& switchover_write);
    void arm_migration_timer(migration::Timer timer, migration::Millis after);
    void cancel_migration_timer(migration::Timer timer);
    void on_migration_listener();
    void on_migration_socket(std::uint32_t events);
    void flush_migration_stream();
    void close_migration_stream();
    void send_netpass_when_quiet();  // source, after VM_STARTED: the kept frames, once none arrive
    void on_netpass_quiet_check();
    void pin_for_netpass();
    void adopt_received_taps();
    void migration_settled();  // after every applied outcome: role-specific follow-ups (channel, release)
    void open_channel();
    void close_channel();
    void claim_channel(int attempt);
    void release_guest();  // source, completed: the guest is the destination's now
    // vmm_vf_port.cpp: while-bound, a VF's bridge port is down from just before the plug until the guest has
    // opened the VF (or kVfPortHoldMax), then set up by us.
    void hold_vf_port_down(int port_ifindex);
    void held_vf_port_plugged(const std::string& id, int port_ifindex, int guest_ifindex);
    void release_vf_port(const std::string& id);
    void on_guest_link_events();
    qmp::QmpError qmp_error(const device::Outcome& outcome) const;

    struct AwaitedTap {
        std::string id;
        std::string ifname;
        BridgeNetdev* netdev = nullptr;
    };

    VmmOptions options_;
    EventLoop loop_;  // before every member that watches an fd or holds a timer on it
    std::unique_ptr<Namespaces> ns_;
    GuestPause pause_;
    std::vector<std::unique_ptr<BridgeNetdev>> netdevs_;
    std::map<std::string, std::unique_ptr<VfMacFilter>> filters_;      // by the VF's host name; outlive unplugs
    std::map<std::string, std::unique_ptr<PrimaryVeth>> primaries_;    // plugged VFs, by device id
    std::map<std::string, std::unique_ptr<StandbyDevice>> standbys_;   // by device id
    std::map<std::string, BackendProps> props_;                        // by device id, as last requested
    device::Machine machine_;
    qmp::MachineService service_;
    std::optional<os::LinkMonitor> monitor_;
    // The guest's links (vmm_vf_port.cpp): a joining VF's switch port comes up once the guest opened the VF.
    std::optional<os::LinkMonitor> guest_monitor_;
    struct HeldVfPort {
        int port_ifindex = 0;
        int guest_ifindex = 0;
        EventLoop::TimerId fallback = 0;
    };
    std::map<std::string, HeldVfPort> held_vf_ports_;  // by primary id: its bridge port kept down
    std::unique_ptr<qmp::QmpServer> qmp_;
    std::unique_ptr<qmp::DeviceChannelServer> channel_;

    // Migration (vmm_migration.cpp). The cache is fed by every standby's paused backend.
    migration::Settings migration_settings_;
    migration::NetpassCache netpass_cache_;
    migration::OutgoingMigration outgoing_{machine_};
    migration::IncomingMigration incoming_{machine_};
    MigrationRole role_ = MigrationRole::None;
    std::optional<MigrationListener> migration_listener_;
    std::optional<MigrationConnection> migration_stream_;
    bool stream_connecting_ = false;
    bool stream_closing_ = false;      // CloseStream seen: close once the queue is out (bounded)
    bool main_part_queued_ = false;    // source: the switchover's write is queued; report when it is out
    bool incoming_deferred_ = false;   // --incoming defer: migrate-incoming may be used once
    std::vector<std::byte> migration_in_;  // bytes read, not yet given to the core
    std::map<migration::Timer, EventLoop::TimerId> migration_timers_;
    EventLoop::TimerId close_timer_ = 0;
    EventLoop::TimerId netpass_quiet_timer_ = 0;  // source: the tail goes once the backend is quiet
    // Source, while netpass keeps frames: the guest's MAC pinned to its PV port on the host bridge
    // (pin_for_netpass), so the destination's announcement, flooded back here, does not move it to the
    // uplink while frames toward the guest are still on their way in.
    std::vector<std::unique_ptr<VfMacFilter>> netpass_pins_;
    migration::Time netpass_send_from_{};         // VM_STARTED (the core's NetpassSend)
    std::uint64_t netpass_kept_seen_ = 0;         // the cache's kept count at the last check
    EventLoop::TimerId channel_timer_ = 0;
    std::vector<AwaitedTap> awaited_taps_;  // destination: standbys whose tap comes with the stream
    std::vector<device::PlugPrimary> deferred_primaries_;  // destination: plugged once the guest runs here
    bool guest_released_ = false;           // source: the guest moved away

    const BackendProps* adding_ = nullptr;  // the device_add being executed: props for an id not yet recorded
    std::optional<std::pair<std::string, std::string>> plug_failure_;  // device id, what failed
    std::vector<std::string> deferred_removals_;  // plugs that failed outside device_add: surprise-remove them
    std::uint64_t removal_errors_ = 0;            // deferred removals that threw (logged; the rest went on)
    bool starting_ = true;
    bool links_suspect_ = false;  // a link-event handler failed: resync before the next batch
    bool paused_ = false;
    bool shut_down_ = false;
    unsigned tap_serial_ = 0;
    std::string quit_reason_ = "host-signal";
    std::filesystem::path run_record_;  // empty: no --qmp, nothing recorded
};

}  // namespace nf::vmm
