#pragma once
// One migration of one VM with a VF: what the user asked for, what preflight found, how it ended.
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "orchestrator/ports.h"

namespace nf::orchestrator {

// Every wait of the run has one of these bounds.
struct Bounds {
    Millis unplug{10000};     // device_del → DEVICE_DELETED, or time spent in wait-unplug (failover=on)
    Millis migrate{600000};   // `migrate` → completed
    Millis plug{10000};       // destination: FAILOVER_NEGOTIATED / the primary listed in query-pci
    Millis rollback{35000};   // each undo's own wait (QEMU waits up to 30 s for a pending unplug on cancel)
    Millis poll{250};         // query-migrate interval while migrating (the progress line)
    // primary-link-down: the VF's link down, then this long for the guest to move to the standby before the
    // unplug (the guest's VF driver reports carrier loss while the VF still exists, instead of its teardown
    // after device_del dropping frames). Not set: the step is skipped. Opt-in, because it pays only where the
    // guest's VF driver reports carrier loss at once: QEMU 7.2's e1000e is seen by its guest driver only at the
    // next 2 s watchdog poll (tests/vm: 5 frames lost per direction with 200 ms, 55 with 3000 ms, against 1-2
    // without the step), and QEMU drops a link-down NIC's frames meanwhile.
    std::optional<Millis> link_down_settle;
};

// announce-self's AnnounceParameters (qapi/net.json), all milliseconds except rounds.
struct AnnounceParams {
    bool enabled = true;
    int initial = 50;
    int max = 550;
    int rounds = 5;
    int step = 100;
};

// Who passes the frames that reach the VM during switchover: nobody, the VMM itself (its `netpass`
// migration capability), or the hosts (failover-netpass on both taps). Auto: the VMM's when both offer it,
// else the hosts' when configured, else nobody.
enum class NetpassMode { Off, Host, Vmm, Auto };
const char* to_string(NetpassMode mode);
std::optional<NetpassMode> parse_netpass_mode(const std::string& text);

struct MigrateRequest {
    std::string uri;                            // given to `migrate`
    std::optional<std::string> standby;         // qdev ids; discovered when not given
    std::optional<std::string> primary;
    std::optional<nlohmann::json> primary_device;  // device_add arguments of the primary
    std::optional<std::string> mac;             // the VM's MAC for the filters; else the standby's (qom-get)
    Bounds bounds;
    AnnounceParams announce;
    NetpassMode netpass = NetpassMode::Auto;
    Millis netpass_finish{5000};  // after the switch: how long to wait for the halves' final counts
};

// Capabilities the run turns on where both VMMs offer them (events only needs the source).
inline const std::vector<std::string> kWantedCapabilities = {"events", "return-path", "netpass"};
// Capabilities that change the stream format: must be equal on both sides before we start.
inline const std::vector<std::string> kStreamCapabilities = {"postcopy-ram", "multifd", "x-ignore-shared",
                                                             "mapped-ram"};

// What preflight found.
struct Pairing {
    std::string standby;
    std::string primary;
    bool failover = false;           // the standby's `failover` property: QEMU unplugs the primary itself
    bool primary_on_source = false;  // the primary is listed in the source's query-pci
    std::string mac;                 // the standby's MAC (qom-get), "" when the VMM does not say
    std::set<std::string> enable_on_source;       // capabilities the run turns on
    std::set<std::string> enable_on_destination;
    NetpassMode netpass = NetpassMode::Off;  // what the run uses (Off, Host or Vmm)
    std::set<std::string> disable_on_source;       // on, but the request wants it off (netpass with --no-netpass)
    std::set<std::string> disable_on_destination;
    std::vector<std::string> notes;  // what preflight decided and why (shown by --dry-run)
};

// The steps, in order. Their names are the interface: the error message, the exit report and --json use them.
namespace step {
inline constexpr const char* kPreflight = "preflight";
inline constexpr const char* kCapabilities = "capabilities";
inline constexpr const char* kStandbyLinkUp = "standby-link-up";
inline constexpr const char* kFilterToStandby = "filter-to-standby";
inline constexpr const char* kPrimaryLinkDown = "primary-link-down";
inline constexpr const char* kUnplugPrimary = "unplug-primary";
inline constexpr const char* kNetpassStart = "netpass-start";
inline constexpr const char* kMigrate = "migrate";
inline constexpr const char* kPlugPrimary = "plug-primary";
inline constexpr const char* kFilterToPrimary = "filter-to-primary";
inline constexpr const char* kResumeDestination = "resume-destination";
inline constexpr const char* kAnnounce = "announce-self";
inline constexpr const char* kReleaseSourceFilter = "release-source-filter";
inline constexpr const char* kNetpassFinish = "netpass-finish";
}  // namespace step

enum class RunStatus {
    Migrated,          // the VM runs on the destination with its VF plugged
    Refused,           // preflight refused: nothing was changed
    RolledBack,        // a step failed; everything done was undone (the VM runs on the source as before)
    RollbackIncomplete,// a step failed and at least one undo failed too (see rollback_errors)
    FailedAfterSwitch, // a step failed after the VM started on the destination: no way back
};
int exit_code(RunStatus status);
const char* to_string(RunStatus status);

struct RunResult {
    RunStatus status = RunStatus::Migrated;
    std::string failed_step;  // empty when Migrated
    std::string error;
    std::vector<std::string> rollback_errors;
    std::vector<std::string> warnings;  // e.g. announce-self not offered
    std::optional<Pairing> pairing;
    nlohmann::json migration_stats;  // the source's last query-migrate
    nlohmann::json netpass;          // host netpass: the halves' counts (empty when not used)
};

}  // namespace nf::orchestrator
