#pragma once
// Shared harness for the device-model tests, shaped like QEMU's virtio-net-failover qtest: a q35-like machine
// with root ports root0..root3, the qtest MACs, "card present" = listed by query-pci and qom-get mac matches.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "device/features.h"
#include "device/machine.h"

namespace nf::device::test {

inline constexpr const char* kMacPrimary0 = "52:54:00:11:11:11";
inline constexpr const char* kMacStandby0 = "52:54:00:22:22:22";
inline constexpr const char* kMacPrimary1 = "52:54:00:33:33:33";
inline constexpr const char* kMacStandby1 = "52:54:00:44:44:44";

inline nlohmann::json standby_args(const std::string& id, const std::string& bus, const std::string& mac,
                                   bool failover = true) {
    return {{"driver", "virtio-net"}, {"id", id}, {"bus", bus}, {"mac", mac}, {"failover", failover ? "on" : "off"}};
}

inline nlohmann::json primary_args(const std::string& id, const std::string& bus, const std::string& mac,
                                   const std::string& pair) {
    return {{"driver", "virtio-net"}, {"id", id}, {"bus", bus}, {"mac", mac}, {"failover_pair_id", pair},
            {"rombar", 0}, {"romfile", ""}};
}

inline bool listed_in(const nlohmann::json& devices, const std::string& id) {
    return std::ranges::any_of(devices, [&](const nlohmann::json& d) {
        return d.value("qdev_id", "") == id || (d.contains("pci_bridge") && listed_in(d["pci_bridge"]["devices"], id));
    });
}

// The qtest's check_one_card: present in query-pci (recursing into bridges) and its MAC reads back.
inline bool card_present(Machine& machine, const std::string& id, const std::string& mac) {
    if (!listed_in(machine.query_pci().at(0)["devices"], id)) return false;
    const Outcome got = machine.qom_get({{"path", "/machine/peripheral/" + id}, {"property", "mac"}});
    return got.ok() && std::get<nlohmann::json>(*got.reply) == mac;
}

inline bool card_absent(Machine& machine, const std::string& id) {
    return !listed_in(machine.query_pci().at(0)["devices"], id);
}

// The qtest's "guest driver start": ack everything offered, minus STANDBY when the guest does not support it.
inline Outcome driver_start(Machine& machine, const std::string& standby, bool ack_standby = true) {
    const Standby* s = machine.find_standby(standby);
    EXPECT_NE(s, nullptr) << standby;
    if (!s) return {};
    std::uint64_t features = s->offered_features();
    if (!ack_standby) features &= ~kFeatureStandby;
    return machine.guest_set_features(standby, features);
}

inline bool has_event(const Outcome& out, const std::string& name, const nlohmann::json& data) {
    return std::ranges::any_of(out.events, [&](const Event& e) { return e.name == name && e.data == data; });
}

inline int count_events(const Outcome& out, const std::string& name) {
    return static_cast<int>(std::ranges::count_if(out.events, [&](const Event& e) { return e.name == name; }));
}

inline bool has_action(const Outcome& out, const Action& action) {
    return std::ranges::find(out.actions, action) != out.actions.end();
}

inline std::string error_desc(const Outcome& out) { return out.error() ? out.error()->desc : "<no error>"; }

// Four root ports like the qtest's multi tests, plus the conventional bus for realize-error checks.
inline Machine qtest_machine() { return Machine(MachineOptions{MachineTopology{4, true}, ResetPolicy::RehidePrimary}); }

}  // namespace nf::device::test
