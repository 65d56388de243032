#pragma once
// Two scripted VMMs (QEMU's QMP behaviour for the commands failover-migrate uses) sharing a fake clock, and
// fake host filters that log what was done to them. Time moves only when the plan waits for an event.
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "orchestrator/orchestrator.h"

namespace nf::orchestrator::test {

using namespace std::chrono_literals;

class World;

class FakeClock : public Clock {
public:
    std::chrono::steady_clock::time_point now() override { return now_; }
    std::int64_t wall_us() override {
        return 1'700'000'000'000'000 + std::chrono::duration_cast<std::chrono::microseconds>(now_.time_since_epoch()).count();
    }
    std::chrono::steady_clock::time_point now_{};
};

class FakeVmm : public VmmPort {
public:
    FakeVmm(World& world, std::string name) : world_(world), name_(std::move(name)) {}
    QmpReply execute(const std::string& command, const nlohmann::json& arguments) override;
    std::optional<QmpEvent> next_event(Millis timeout) override;

    void emit(const std::string& name, nlohmann::json data = nlohmann::json::object());
    // Commands received, in order ("device_del primary0" style: command + first string argument).
    std::vector<std::string> log;
    std::vector<std::string> mutating() const;  // log without query-*/qom-get

    // --- state, as QEMU would report it ---
    std::string run_state = "running";
    std::string migration = "none";
    std::set<std::string> devices;
    std::map<std::string, std::map<std::string, nlohmann::json>> props;
    std::map<std::string, bool> capabilities;  // offered → state
    bool offers_capabilities = true;
    bool knows_migrate = true;
    bool knows_announce = true;
    // query-migrate-parameters' reply (QEMU's announce-* among them); unset: the command is not found.
    std::optional<nlohmann::json> migrate_parameters;
    // Devices that are not net clients (a passthrough vfio-pci VF): set_link answers "Device '...' not found".
    std::set<std::string> not_nics;
    // set_link's last state per device (true: up); absent = never set.
    std::map<std::string, bool> link_up;
    // Per-command overrides: return a reply to short-circuit the default behaviour.
    std::map<std::string, std::function<std::optional<QmpReply>(const nlohmann::json&)>> override;

private:
    World& world_;
    std::string name_;
    std::deque<QmpEvent> events_;
};

class FakeFilter : public HostFilter {
public:
    explicit FakeFilter(std::string name) : name_(std::move(name)) {}
    std::string describe() const override { return "fake " + name_; }
    void check(const std::string& mac) override;
    void to_standby() override { act("to-standby", "standby"); }
    void to_primary() override { act("to-primary", "primary"); }
    void restore() override { act("restore", found_); }
    void release() override { act("release", "learned"); }
    bool link_down() override {
        if (!has_vf_link) return false;
        act("link-down", points_to);
        vf_link_up = false;
        return true;
    }
    void link_restore() override {
        act("link-restore", points_to);
        vf_link_up = true;
    }

    std::vector<std::string> calls;
    std::string points_to = "primary";  // where frames for the MAC go now
    std::string fail_on;                // a call name that throws
    std::string mac;
    bool has_vf_link = false;  // a real PF's VF (vf-mac) has a link state; a bridge FDB has none
    bool vf_link_up = true;

private:
    void act(const std::string& call, const std::string& target);
    std::string name_;
    std::string found_;
};

// Knobs for how the simulated migration behaves.
struct Script {
    bool guest_ejects = true;            // answers device_del / the failover unplug request
    Millis eject_after = 80ms;
    Millis migrate_for = 1000ms;         // setup → completed
    bool migration_fails = false;        // goes to `failed` half way
    bool destination_autostart = true;   // false: -S, the destination stays paused after loading
    bool destination_negotiates = true;  // failover=on: the destination emits FAILOVER_NEGOTIATED, plugs
};

class World {
public:
    World();
    FakeClock clock;
    FakeVmm source{*this, "source"};
    FakeVmm destination{*this, "destination"};
    FakeFilter source_filter{"source"};
    FakeFilter destination_filter{"destination"};
    Script script;

    // Both VMMs as QEMU with a standby `standby0` (MAC 52:54:00:00:00:01) and primary `primary0`.
    void setup(bool failover);
    nlohmann::json primary_device() const;

    void at(Millis delay, std::function<void()> action);
    // Runs scheduled actions up to `until`, stopping early after one that queued an event for `vmm`.
    bool advance(std::chrono::steady_clock::time_point until, FakeVmm* vmm, const std::deque<QmpEvent>* queue);

    RunPorts ports(bool with_filters = true);

    // Simulation steps called by FakeVmm.
    void start_migration();
    void cancel_migration();
    void set_migration(const std::string& status);

private:
    std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> timers_;
    int generation_ = 0;  // a cancelled migration's pending timers do nothing
};

// A request with short bounds (the fake clock makes them free anyway).
MigrateRequest request(std::optional<nlohmann::json> primary_device = std::nullopt);

}  // namespace nf::orchestrator::test
