#pragma once
// Capabilities and parameters: what `migrate-set-capabilities` / `migrate-set-parameters` change and the
// `query-*` commands show. QEMU's names and error texts where QEMU has them; our own bounds and policies
// are parameters under an `x-` name (QEMU's convention for non-stable members), validated with clear errors.
// Bad input changes nothing: a command either applies all of its entries or none.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "device/outcome.h"
#include "migration/time.h"

namespace nf::migration {

struct Capabilities {
    bool events = false;       // MIGRATION / MIGRATION_PASS events
    bool return_path = false;  // destination → source messages (SHUT, PONG, VM_STARTED)
    bool netpass = false;      // frames reaching the paused source are passed to the destination
    bool operator==(const Capabilities&) const = default;
};

// What to do when the guest has not ejected its primaries by the wait-unplug bound.
enum class WaitUnplugPolicy {
    Fail,            // default: the migration fails with a clear error, the VF stays with the guest
    SurpriseRemoval, // the VF is pulled from under the guest (standby takes over) and the migration goes on
};
std::string_view to_string(WaitUnplugPolicy policy);  // "fail", "surprise-removal"

struct Parameters {
    Millis wait_unplug_timeout{5000};      // x-wait-unplug-timeout: QEMU waits forever
    WaitUnplugPolicy wait_unplug_policy = WaitUnplugPolicy::Fail;  // x-wait-unplug-policy
    Millis cancel_unplug_timeout{30000};   // x-cancel-unplug-timeout: QEMU's 120 x 250 ms after a cancel
    Millis vm_started_timeout{5000};       // x-vm-started-timeout: QEMU waits forever (netpass, precopy)
    Millis incoming_stall_timeout{10000};  // x-incoming-stall-timeout: destination, no stream byte for this long
    Millis active_time{0};                 // x-active-time: time spent in `active` before switchover (the lab
                                           // has no RAM to iterate; lets tests act while active)
    std::size_t netpass_max_frames = 4096;           // x-netpass-max-frames (cache and destination hold queue)
    std::size_t netpass_max_bytes = 8u << 20;        // x-netpass-max-bytes (ditto)
    bool operator==(const Parameters&) const = default;
};

// Limits the x- parameters are checked against (inclusive).
inline constexpr long long kMinTimeoutMs = 1;
inline constexpr long long kMaxTimeoutMs = 3'600'000;
inline constexpr std::size_t kMaxNetpassFrames = 1u << 20;
inline constexpr std::size_t kMaxNetpassBytes = 256u << 20;

// The migration settings of one VMM: capabilities, parameters, and the `send-vm-started` migration property
// (QEMU: -global migration.send-vm-started=off; on by default).
class Settings {
public:
    explicit Settings(bool send_vm_started = true) : send_vm_started_(send_vm_started) {}

    // QMP. `busy` = a migration is running (QEMU refuses capability changes then).
    device::Outcome set_capabilities(const nlohmann::json& arguments, bool busy);
    device::Outcome set_parameters(const nlohmann::json& arguments, bool busy);
    nlohmann::json query_capabilities() const;  // [{"capability": name, "state": bool}, ...]
    nlohmann::json query_parameters() const;    // {"x-wait-unplug-timeout": ms, ...}

    // The same check `migrate` and `migrate-incoming` run: nullopt when the set is usable.
    std::optional<std::string> check(const Capabilities& caps) const;

    const Capabilities& capabilities() const { return caps_; }
    const Parameters& parameters() const { return params_; }
    bool send_vm_started() const { return send_vm_started_; }

private:
    Capabilities caps_;
    Parameters params_;
    bool send_vm_started_;
};

// QEMU's error texts (qemu-failover.md §5.6, migration/options.c).
inline constexpr std::string_view kNetpassNeedsReturnPath = "Capability 'netpass' requires capability 'return-path'";
inline constexpr std::string_view kNetpassNeedsVmStarted =
    "Capability 'netpass' requires support for VM_STARTED return-path message";
inline constexpr std::string_view kMigrationInProgress = "There's a migration process in progress";

}  // namespace nf::migration
