// Flags over file over defaults, then the checks that need the whole picture.
#include "common/error.h"
#include "failoverd_control/config_layer.h"

namespace nf::daemon {
namespace {

template <typename T>
T pick(const std::optional<T>& flag, const std::optional<T>& file, T fallback) {
    if (flag) return *flag;
    if (file) return *file;
    return fallback;
}

// The master takes the standby's name (the guest's configuration names the standby); the standby
// becomes <name>nsby. By rule the name is known only at start (see failoverd(8), MASTER NAME).
std::string derive_master(const StandbyMatch& standby) {
    if (!standby.name) return {};
    (void)renamed_standby(*standby.name);
    return *standby.name;
}

}  // namespace

namespace {

// --all-matches: one pair per standby the rules select. What names one standby, one master or one
// device channel cannot be shared by many pairs; the hidden model moves the standby out of sight, where
// the supervisor could not see it go.
void check_all_matches(DaemonConfig& c, bool control_given) {
    if (!c.standby.by_rule() || c.standby.name)
        throw ConfigError("--all-matches: needs standby rules (--match-driver, --match-name, --match-virtio-standby), "
                          "not a standby name");
    if (!c.master.empty())
        throw ConfigError("--all-matches: each pair's master takes its standby's name; --master names one");
    if (c.model == DeviceModel::hidden)
        throw ConfigError("--all-matches: --model hidden is not supported with several pairs (use 3dev)");
    if (c.pairing.by == PairingKey::id)
        throw ConfigError("--all-matches: --pair-by id names one primary id, for one pair");
    if (!c.device_channel.empty())
        throw ConfigError("--all-matches: --device-channel serves one pair");
    c.all_matches = true;
    // The directory of the pairs' sockets.
    if (!control_given) c.control = std::string(kControlDirectory);
}

}  // namespace

DaemonConfig resolve(const ConfigLayer& file, const ConfigLayer& flags) {
    DaemonConfig c;
    c.standby = flags.standby.empty() ? file.standby : flags.standby;
    if (c.standby.empty())
        throw ConfigError(
            "standby: no standby given; name it with --standby NAME or give a rule (--match-driver, "
            "--match-name, --match-virtio-standby, or standby_match in the config file)");
    if (c.standby.name && c.standby.by_rule())
        throw ConfigError("standby: give a standby name or a standby_match rule, not both");
    if (c.standby.name) check_ifname("standby", *c.standby.name);

    c.model = pick(flags.model, file.model, c.model);
    const auto master = flags.master ? flags.master : file.master;
    if (c.model == DeviceModel::two_device) {
        // No master netdev: the standby is the master, under its own name (found by rule at start).
        if (master && (!c.standby.name || *master != *c.standby.name))
            throw ConfigError("master: with model 2dev the standby itself is the master; leave --master out or give "
                              "the standby's name");
        c.master = c.standby.name ? *c.standby.name : std::string();
    } else {
        c.master = master ? *master : derive_master(c.standby);
        if (!c.master.empty()) check_ifname("master", c.master);
        // Naming the master after the standby is the default spelled out: the standby is renamed.
        if (c.standby.name && *c.standby.name == c.master) (void)renamed_standby(c.master);
    }
    c.datapath = pick(flags.datapath, file.datapath, c.datapath);
    c.rx_mode = pick(flags.rx_mode, file.rx_mode, c.rx_mode);
    c.rx_grace = pick(flags.rx_grace, file.rx_grace, c.rx_grace);
    c.announce.count = pick(flags.announce_count, file.announce_count, c.announce.count);
    c.announce.interval = pick(flags.announce_interval, file.announce_interval, c.announce.interval);

    const auto primary_id = flags.primary_id ? flags.primary_id : file.primary_id;
    const auto pairing_by = flags.pairing_by ? flags.pairing_by : file.pairing_by;
    // A primary id alone says what pairing it is for.
    c.pairing.by = pairing_by ? *pairing_by : primary_id ? PairingKey::id : PairingKey::mac;
    if (c.pairing.by == PairingKey::id) {
        if (!primary_id || primary_id->empty())
            throw ConfigError("pairing.primary_id: required (and non-empty) when pairing.by is \"id\"");
        c.pairing.primary_id = *primary_id;
    } else if (primary_id) {
        throw ConfigError("pairing.primary_id: only used when pairing.by is \"id\", but pairing.by is \"mac\"");
    }

    c.standby_config = pick(flags.standby_config, file.standby_config, c.standby_config);
    c.control = pick(flags.control, file.control, c.master.empty() ? std::string() : default_control_path(c.master));
    if (!c.control.empty()) check_control_path("control", c.control);
    c.control_group = pick(flags.control_group, file.control_group, c.control_group);
    c.device_channel = pick(flags.device_channel, file.device_channel, c.device_channel);
    if (!c.device_channel.empty()) check_control_path("device_channel", c.device_channel);
    c.standby_ack = pick(flags.standby_ack, file.standby_ack, c.standby_ack);
    c.log_level = pick(flags.log_level, file.log_level, c.log_level);
    c.foreground = pick(flags.foreground, file.foreground, c.foreground);
    if (flags.all_matches) check_all_matches(c, flags.control || file.control);
    return c;
}

}  // namespace nf::daemon
