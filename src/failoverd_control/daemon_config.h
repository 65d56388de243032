#pragma once
// What failoverd is told to do: one value, built from flags and an optional JSON file, validated before
// the daemon touches the system. Field names follow the long flags (--rx-mode <-> "rx_mode").
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "datapath/kind.h"
#include "failover/config.h"

namespace nf::daemon {

// How the failover master and its slaves appear to the guest (--model), and which datapath moves frames
// (--datapath): the datapath factory's choices, named by it.
using datapath::DeviceModel;
using datapath::DatapathKind;
using datapath::to_string;  // DeviceModel, DatapathKind
// Whether the standby keeps delivering RX until the primary really carries traffic (ours), or stops as
// soon as a primary is registered (the kernel's net_failover). The core's rule, named by the core.
using RxMode = failover::RxMode;
using failover::to_string;  // RxMode, ActiveChoice
// What pairs a primary with the standby: the permanent MAC (kernel rule P3) or a host-given id.
enum class PairingKey { mac, id };
// Addresses and routes found on the standby at start (DHCP or the distribution's network configuration
// got there first): moved to the master and back at stop, or a refusal to start.
enum class StandbyConfig { takeover, refuse };

std::string_view to_string(PairingKey v);
std::string_view to_string(StandbyConfig v);

// Rules that pick the standby among the guest's netdevs. Every rule that is set must hold (AND).
struct StandbyMatch {
    std::optional<std::string> name;         // exact interface name (--standby)
    std::optional<std::string> driver;       // driver name, e.g. "virtio_net"
    std::optional<std::string> name_glob;    // fnmatch(3) pattern, e.g. "ens*"
    bool virtio_standby_feature = false;     // virtio feature bit 62 (VIRTIO_NET_F_STANDBY) offered

    bool empty() const { return !name && !driver && !name_glob && !virtio_standby_feature; }
    bool by_rule() const { return driver || name_glob || virtio_standby_feature; }
    bool operator==(const StandbyMatch&) const = default;
};

// Gratuitous ARP + unsolicited NA on every switch of the active slave (teamd's notify_peers).
struct AnnouncePolicy {
    unsigned count = 1;                               // rounds; 0 disables
    std::chrono::milliseconds interval{50};           // between rounds
    bool operator==(const AnnouncePolicy&) const = default;
};

struct Pairing {
    PairingKey by = PairingKey::mac;
    std::string primary_id;                           // only with by == id
    bool operator==(const Pairing&) const = default;
};

struct DaemonConfig {
    StandbyMatch standby;
    // The master's name. By default the standby's: the master takes the name the guest's configuration
    // uses and the standby is renamed <name>nsby while the master exists (restored at stop). Empty until
    // start when the standby is found by rule and no master is given.
    std::string master;
    DeviceModel model = DeviceModel::three_device;
    DatapathKind datapath = DatapathKind::automatic;
    RxMode rx_mode = RxMode::make_before_break;
    // make-before-break: how long the standby keeps delivering RX after the primary took over, for the
    // frames still in flight on the standby's path (a VMM forwarder, a bridge that has not learnt yet).
    // 0 disables.
    std::chrono::milliseconds rx_grace = failover::kDefaultRxGrace;
    AnnouncePolicy announce;
    Pairing pairing;
    StandbyConfig standby_config = StandbyConfig::takeover;
    std::string control;                              // empty only while master is (then <master>.sock)
    // Members of this group may use the control socket too (mode 0660; SO_PEERCRED at accept). Empty:
    // root only (and the daemon's own user).
    std::string control_group;
    // The lab VMM's guest device channel: failoverd plays the guest's virtio and hotplug drivers on it
    // (acks features, answers eject requests). Empty: no channel.
    std::string device_channel;
    bool standby_ack = true;                          // ack VIRTIO_NET_F_STANDBY (false: a guest without failover)
    std::string log_level = "info";
    bool foreground = false;
    // --all-matches: every standby the rules select gets its own pair (master, daemon), now and as NICs come
    // and go; `control` is then the directory of the pairs' sockets (<control>/<master>.sock).
    bool all_matches = false;

    bool operator==(const DaemonConfig&) const = default;
};

// Limits the validation enforces.
inline constexpr std::size_t kMaxIfnameLength = 15;            // IFNAMSIZ - 1
inline constexpr unsigned kMaxAnnounceCount = 255;
inline constexpr std::chrono::milliseconds kMaxAnnounceInterval{60'000};
inline constexpr std::chrono::milliseconds kMaxRxGrace{10'000};
inline constexpr std::string_view kControlDirectory = "/run/netfailover";
inline constexpr std::string_view kRenamedStandbySuffix = "nsby";

// The control socket a daemon for this master listens on by default.
std::string default_control_path(std::string_view master);
// The name the standby has while the master holds its name: <standby>nsby. Throws ConfigError (asking
// for --master) when that is longer than 15 characters.
std::string renamed_standby(std::string_view standby);
// By rule, the master's name is known once the standby is found: the default master and control
// socket for a standby named `standby`. Throws ConfigError like renamed_standby().
void name_master_after(DaemonConfig& config, std::string_view standby);

// The config as JSON with the same field names the config file takes ("config dump").
nlohmann::json to_json(const DaemonConfig& config);

}  // namespace nf::daemon
