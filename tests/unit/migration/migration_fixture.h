#pragma once
// A VMM in miniature for the migration core's tests: it carries out the core's actions the way src/vmm does
// (stream bytes into a buffer, timers as deadlines on a fake clock, the netpass cache and ordering helper)
// so each scenario runs in microseconds with time as an input.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "../device/machine_fixture.h"
#include "device/standby_persist.h"
#include "migration/migration.h"

namespace nf::migration::test {

using device::test::driver_start;
using device::test::kMacPrimary0;
using device::test::kMacPrimary1;
using device::test::kMacStandby0;
using device::test::kMacStandby1;
using device::test::primary_args;
using device::test::standby_args;

inline std::vector<std::string> event_names(const std::vector<device::Event>& events) {
    std::vector<std::string> names;
    for (const auto& e : events)
        names.push_back(e.name == "MIGRATION" ? "MIGRATION(" + e.data["status"].get<std::string>() + ")"
                        : e.name == "MIGRATION_PASS" ? "MIGRATION_PASS(" + std::to_string(e.data["pass"].get<int>()) + ")"
                        : e.data.contains("device-id") ? e.name + "(" + e.data["device-id"].get<std::string>() + ")"
                                                       : e.name);
    return names;
}

inline std::vector<std::string> statuses(const std::vector<device::Event>& events) {
    std::vector<std::string> out;
    for (const auto& e : events)
        if (e.name == "MIGRATION") out.push_back(e.data["status"]);
    return out;
}

// An Ethernet frame with a 12-byte vnet header; `tag` makes each frame distinct.
inline NetpassFrame frame(int tag, std::size_t ethernet_bytes = 60) {
    NetpassFrame f;
    f.vnet_header_length = 12;
    f.bytes.assign(12 + ethernet_bytes, std::byte{0});
    f.bytes[12 + 13] = static_cast<std::byte>(tag);
    f.bytes[12 + 12] = static_cast<std::byte>(tag >> 8);
    return f;
}

// Both sides keep one clock; a timer is a deadline that advance() fires in deadline order.
struct Side {
    Time now{};
    std::map<Timer, Time> timers;
    std::vector<device::Event> events;
    std::vector<Action> actions;
    std::vector<std::string> warnings;
    Bytes written;      // stream (source) or return path (destination) bytes
    bool closed = false;

    bool armed(Timer t) const { return timers.contains(t); }
    template <typename A> int count() const {
        int n = 0;
        for (const auto& a : actions) n += std::holds_alternative<A>(a) ? 1 : 0;
        return n;
    }
    bool has_device_action(const device::Action& wanted) const {
        for (const auto& a : actions)
            if (auto* d = std::get_if<DeviceAction>(&a); d && d->action == wanted) return true;
        return false;
    }
    bool warned(const std::string& part) const {
        for (const auto& w : warnings)
            if (w.find(part) != std::string::npos) return true;
        return false;
    }
};

struct Source : Side {
    device::Machine machine = device::test::qtest_machine();
    OutgoingMigration migration{machine};
    Settings settings;
    NetpassCache cache{NetpassLimits{64, 64 * 1024}};
    std::vector<NetpassFrame> returned_to_guest;

    Outcome apply(Outcome out) {
        for (auto& e : out.events) events.push_back(e);
        for (auto& w : out.warnings) warnings.push_back(w);
        for (auto& a : out.actions) {
            actions.push_back(a);
            if (auto* arm = std::get_if<ArmTimer>(&a)) timers[arm->timer] = now + arm->after;
            else if (auto* c = std::get_if<CancelTimer>(&a)) timers.erase(c->timer);
            else if (auto* w = std::get_if<WriteStream>(&a)) put_bytes(written, w->bytes);
            else if (std::holds_alternative<NetpassStartCapture>(a)) cache.start();
            else if (std::holds_alternative<NetpassSend>(a)) put_bytes(written, cache.take_tail(StreamLimits{}.max_section_bytes));
            else if (std::holds_alternative<NetpassReturnToGuest>(a)) returned_to_guest = cache.take_frames();
            else if (std::holds_alternative<NetpassEnd>(a)) cache.stop();
            else if (std::holds_alternative<CloseStream>(a)) closed = true;
        }
        return out;
    }
    void advance(Millis d) {
        const Time until = now + d;
        while (true) {
            auto first = timers.end();
            for (auto it = timers.begin(); it != timers.end(); ++it)
                if (it->second <= until && (first == timers.end() || it->second < first->second)) first = it;
            if (first == timers.end()) break;
            const Timer t = first->first;
            now = first->second;
            timers.erase(first);
            apply(migration.timer_expired(t, now));
        }
        now = until;
    }
    Outcome start() { return apply(migration.start(settings, now)); }
    Outcome eject(const std::string& id) {
        Outcome out;
        out.absorb(machine.guest_eject(id));
        apply(std::move(out));
        return apply(migration.device_changed(now));
    }
    Outcome sent() { return apply(migration.main_part_sent(now)); }
    Outcome return_path(ByteView bytes) { return apply(migration.return_path_bytes(bytes, now)); }
    Outcome cancel() { return apply(migration.cancel(now)); }
    nlohmann::json query() const { return migration.query(now, cache.counters()); }
    void capabilities(bool events, bool return_path, bool netpass) {
        ASSERT_TRUE(settings.set_capabilities({{"capabilities", {{{"capability", "events"}, {"state", events}},
                                                                 {{"capability", "return-path"}, {"state", return_path}},
                                                                 {{"capability", "netpass"}, {"state", netpass}}}}}, false).ok());
    }
    // standbyN on root(2N), primaryN on root(2N+1); negotiated and plugged unless said otherwise.
    void pairs(int n, bool failover = true, bool ack = true) {
        const char* standby_macs[] = {kMacStandby0, kMacStandby1};
        const char* primary_macs[] = {kMacPrimary0, kMacPrimary1};
        for (int i = 0; i < n; ++i) {
            const std::string s = "standby" + std::to_string(i);
            ASSERT_TRUE(machine.cold_plug(standby_args(s, "root" + std::to_string(2 * i), standby_macs[i], failover)).ok());
            ASSERT_TRUE(machine.cold_plug(primary_args("primary" + std::to_string(i), "root" + std::to_string(2 * i + 1),
                                                       primary_macs[i], s)).ok());
        }
        machine.start();
        for (int i = 0; i < n; ++i) driver_start(machine, "standby" + std::to_string(i), ack);
    }
};

struct Destination : Side {
    device::Machine machine = device::test::qtest_machine();
    IncomingMigration migration{machine};
    Settings settings;
    NetpassOrdering ordering{NetpassLimits{64, 64 * 1024}};
    std::vector<NetpassFrame> delivered;  // to the guest, in order

    Outcome apply(Outcome out) {
        for (auto& e : out.events) events.push_back(e);
        for (auto& w : out.warnings) warnings.push_back(w);
        for (auto& a : out.actions) {
            actions.push_back(a);
            if (auto* arm = std::get_if<ArmTimer>(&a)) timers[arm->timer] = now + arm->after;
            else if (auto* c = std::get_if<CancelTimer>(&a)) timers.erase(c->timer);
            else if (auto* w = std::get_if<WriteReturnPath>(&a)) put_bytes(written, w->bytes);
            else if (std::holds_alternative<NetpassHold>(a)) ordering.hold();
            else if (auto* inj = std::get_if<NetpassInject>(&a)) deliver(ordering.inject(inj->frames));
            else if (std::holds_alternative<NetpassRelease>(a)) deliver(ordering.release());
            else if (std::holds_alternative<CloseStream>(a)) closed = true;
        }
        return out;
    }
    void deliver(std::vector<NetpassFrame> frames) {
        for (auto& f : frames) delivered.push_back(std::move(f));
    }
    void arrive(NetpassFrame f) { deliver(ordering.arrived(std::move(f))); }
    void advance(Millis d) {
        const Time until = now + d;
        for (auto it = timers.begin(); it != timers.end();) {
            if (it->second <= until) {
                const Timer t = it->first;
                now = it->second;
                it = timers.erase(it);
                apply(migration.timer_expired(t, now));
                it = timers.begin();
            } else {
                ++it;
            }
        }
        now = until;
    }
    Outcome start(bool autostart = true) { return apply(migration.start(settings, now, autostart)); }
    Outcome feed(ByteView bytes) { return apply(migration.stream_bytes(bytes, now)); }
    void capabilities(bool events, bool return_path, bool netpass) {
        ASSERT_TRUE(settings.set_capabilities({{"capabilities", {{{"capability", "events"}, {"state", events}},
                                                                 {{"capability", "return-path"}, {"state", return_path}},
                                                                 {{"capability", "netpass"}, {"state", netpass}}}}}, false).ok());
    }
    // The same machine the source was started with (-incoming): standbyN, primaryN hidden behind it.
    void pairs(int n, bool failover = true) {
        const char* standby_macs[] = {kMacStandby0, kMacStandby1};
        const char* primary_macs[] = {kMacPrimary0, kMacPrimary1};
        for (int i = 0; i < n; ++i) {
            const std::string s = "standby" + std::to_string(i);
            ASSERT_TRUE(machine.cold_plug(standby_args(s, "root" + std::to_string(2 * i), standby_macs[i], failover)).ok());
            ASSERT_TRUE(machine.cold_plug(primary_args("primary" + std::to_string(i), "root" + std::to_string(2 * i + 1),
                                                       primary_macs[i], s)).ok());
        }
        machine.start(device::RunState::InMigrate);
    }
};

}  // namespace nf::migration::test
