#pragma once
// The lab VMM's machine: buses, PCI devices, the failover standbys, and the run state. Every entry point
// takes a request (QMP command, guest channel message, migration notifier) and returns an Outcome; the
// model itself performs no I/O. Follows spec qemu-failover.md §1 and §6 unless a difference is documented.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "device/bus.h"
#include "device/device_options.h"
#include "device/outcome.h"
#include "device/pci_device.h"
#include "device/persist.h"
#include "device/standby.h"

namespace nf::device {

// What a guest reset does to a negotiated failover pair.
enum class ResetPolicy {
    // Ours (default): the primary is taken away from the guest and hidden again until the guest acks STANDBY
    // once more, so a guest rebooting into a driver without failover never sees two NICs with one MAC.
    RehidePrimary,
    // QEMU: no failover action on reset; the primary stays plugged (spec §1.4).
    QemuCompatible,
};

enum class RunState { Running, Paused, InMigrate, PostMigrate };
std::string to_string(RunState state);

struct MachineOptions {
    MachineTopology topology;
    ResetPolicy reset_policy = ResetPolicy::RehidePrimary;
};

class Machine {
public:
    explicit Machine(MachineOptions options = {});

    // --- start-up: -device on the command line, then the machine becomes ready (no hotplug checks before).
    Outcome cold_plug(const nlohmann::json& device_arguments);
    void start(RunState initial = RunState::Running);
    bool started() const { return started_; }

    // --- QMP. execute() dispatches by command name; unknown names get CommandNotFound.
    Outcome execute(const std::string& command, const nlohmann::json& arguments);
    Outcome device_add(const nlohmann::json& arguments);
    // device_add's checks that QEMU makes before it looks at any property (driver, bus, the standbys'
    // hiding hooks' "needs to have id"): the VMM runs them before its backend checks
    // (host=, netdev=), so a request gets QEMU's first error. No side effects.
    std::optional<CommandError> check_device_head(const nlohmann::json& arguments) const;
    Outcome device_del(const nlohmann::json& arguments);
    Outcome set_link(const nlohmann::json& arguments);
    Outcome qom_get(const nlohmann::json& arguments) const;
    Outcome stop();
    Outcome cont();
    nlohmann::json query_pci() const;
    nlohmann::json query_status() const;

    // --- guest side (the device channel): the guest's virtio driver and its hotplug driver.
    Outcome guest_set_features(const std::string& standby_id, std::uint64_t driver_features);
    Outcome guest_reset(const std::string& standby_id);
    // The guest ejected a device: completes a device_del, a migration unplug request, or is guest-initiated.
    Outcome guest_eject(const std::string& device_id);

    // --- host side: the device vanished under the guest (VF reset, veth deleted); no guest handshake.
    Outcome surprise_remove(const std::string& device_id);

    // --- migration notifier hooks (spec §1.5–1.8); the migration state machine calls these.
    Outcome migration_source_setup();     // unplug request for every plugged primary of a negotiated standby
    bool unplug_pending() const;          // the wait-unplug condition (§1.6)
    Outcome migration_source_failed();    // cancel/failure with the destination not started: re-plug (§1.7)
    Outcome migration_source_completed(); // ejected primaries stay until the VMM exits
    void migration_incoming_begin();      // destination: run state inmigrate until loaded
    // Applies a standby's loaded features, as QEMU's set_features during load (§1.8).
    Outcome migration_incoming_load_standby(const std::string& standby_id, std::uint64_t features);
    Outcome migration_incoming_finish(bool autostart = true);
    bool migrating() const { return migrating_; }
    // Primaries whose migration eject is still awaited (the wait-unplug condition, by id).
    std::vector<std::string> pending_unplugs() const;
    // wait-unplug bound with policy surprise-removal: every pending primary is pulled from under the guest but
    // stays realized (partially hotplugged), so a later failure can still plug it back.
    Outcome migration_force_unplug();

    // --- save/restore records (persist.h): what the migration stream carries, one record per migrating device.
    // Partially unplugged primaries are left out (their state is not in the stream, §1.5).
    std::vector<DeviceRecord> save_device_records() const;
    // Loads one record on the destination, as QEMU's load does: a negotiated standby emits FAILOVER_NEGOTIATED
    // and plugs its hidden primary (§1.8). A record for an unknown device, of an unknown kind, malformed or
    // incompatible is an error in the reply, and changes nothing.
    Outcome restore_device_record(const DeviceRecord& record);

    // --- inspection (tests, the VMM's glue)
    PrimaryState primary_state(const std::string& id) const;
    const PciDevice* find_device(const std::string& id) const;
    const Standby* find_standby(const std::string& id) const;
    std::vector<const Standby*> standbys() const;
    RunState run_state() const { return run_state_; }
    const std::vector<Bus>& buses() const { return buses_; }
    ResetPolicy reset_policy() const { return options_.reset_policy; }

private:
    Outcome add_device(const nlohmann::json& arguments, bool hotplug);
    const Bus& resolve_bus(const DeviceOptions& device) const;
    const Bus& resolve_bus(const std::optional<std::string>& name) const;
    void check_head(const nlohmann::json& arguments) const;
    std::optional<bool> run_hiding_hooks(const DeviceOptions& device);
    void realize(const DeviceOptions& device, bool hotplug, Outcome& out);
    PciAddress place(const DeviceOptions& device, const Bus& bus) const;
    void check_failover_primary(const DeviceOptions& device, const Bus& bus, const PciAddress& addr) const;
    void plug_primary_of(Standby& standby, Outcome& out);
    void remove_device(const std::string& id, RemovalMode mode, Outcome& out);
    void unplug_action(const PciDevice& device, RemovalMode mode, Outcome& out) const;
    PciDevice* mutable_device(const std::string& id);
    PciDevice* find_primary_for(const std::string& standby_id);
    Standby* mutable_standby(const std::string& id);
    bool id_in_use(const std::string& id) const;

    MachineOptions options_;
    std::vector<Bus> buses_;
    std::vector<PciDevice> devices_;              // realized devices, in plug order
    std::map<std::string, Standby> standbys_;     // every virtio-net device, by id
    RunState run_state_ = RunState::Running;
    bool started_ = false;
    bool migrating_ = false;
    int anonymous_devices_ = 0;
};

}  // namespace nf::device
