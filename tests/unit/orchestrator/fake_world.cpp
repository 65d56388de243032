#include "fake_world.h"

#include <stdexcept>

namespace nf::orchestrator::test {

using nlohmann::json;

namespace {
bool read_only(const std::string& line) { return line.starts_with("query-") || line.starts_with("qom-get"); }
}  // namespace

// ------------------------------------------------------------------------------------------- FakeVmm

std::vector<std::string> FakeVmm::mutating() const {
    std::vector<std::string> out;
    for (const auto& l : log)
        if (!read_only(l)) out.push_back(l);
    return out;
}

void FakeVmm::emit(const std::string& name, json data) { events_.push_back({name, std::move(data), world_.clock.wall_us()}); }

std::optional<QmpEvent> FakeVmm::next_event(Millis timeout) {
    if (events_.empty()) world_.advance(world_.clock.now() + timeout, this, &events_);
    if (events_.empty()) return std::nullopt;
    QmpEvent e = std::move(events_.front());
    events_.pop_front();
    return e;
}

QmpReply FakeVmm::execute(const std::string& command, const json& args) {
    std::string line = command;
    for (const char* key : {"id", "name", "uri"})
        if (args.is_object() && args.contains(key) && args[key].is_string()) line += " " + args[key].get<std::string>();
    log.push_back(line);
    if (auto it = override.find(command); it != override.end())
        if (auto reply = it->second(args)) return *reply;
    const auto not_found = [&] { return QmpReply::failure("CommandNotFound", "The command " + command + " has not been found"); };

    if (command == "query-status") return QmpReply::success({{"status", run_state}, {"running", run_state == "running"}});
    if (command == "query-migrate") {
        if (!knows_migrate) return not_found();
        json q{{"status", migration}};
        if (migration != "none") q["total-time"] = 42;
        if (migration == "active") q["ram"] = {{"total", 512 << 20}, {"transferred", 100 << 20}, {"remaining", 400 << 20}};
        if (migration == "failed") q["error-desc"] = "Unable to write to socket: Broken pipe";
        return QmpReply::success(q);
    }
    if (command == "query-migrate-capabilities") {
        if (!offers_capabilities) return not_found();
        json list = json::array();
        for (const auto& [name, on] : capabilities) list.push_back({{"capability", name}, {"state", on}});
        return QmpReply::success(list);
    }
    if (command == "migrate-set-capabilities") {
        if (!offers_capabilities) return not_found();
        for (const auto& c : args["capabilities"]) {
            if (!capabilities.contains(c["capability"])) return QmpReply::failure("GenericError", "Invalid parameter");
            capabilities[c["capability"]] = c["state"].get<bool>();
        }
        return QmpReply::success();
    }
    if (command == "query-pci") {
        json behind = json::array();
        for (const auto& id : devices)
            if (!id.starts_with("root")) behind.push_back({{"qdev_id", id}});
        return QmpReply::success(json::array({{{"bus", 0},
                                               {"devices", json::array({{{"qdev_id", ""}},
                                                                        {{"qdev_id", "root0"},
                                                                         {"pci_bridge", {{"devices", behind}}}}})}}}));
    }
    if (command == "qom-get") {
        const std::string path = args["path"];
        const std::string id = path.substr(path.rfind('/') + 1);
        if (!devices.contains(id)) return QmpReply::failure("DeviceNotFound", "Device '" + path + "' not found");
        if (args["property"] == "type") return QmpReply::success("fake-device");
        if (props[id].contains(args["property"])) return QmpReply::success(props[id][args["property"]]);
        return QmpReply::failure("GenericError", "Property '" + args["property"].get<std::string>() + "' not found");
    }
    if (command == "set_link") {
        const std::string id = args.value("name", "");
        if (!devices.contains(id) || not_nics.contains(id))
            return QmpReply::failure("GenericError", "Device '" + id + "' not found");
        link_up[id] = args.value("up", true);
        return QmpReply::success();
    }
    if (command == "device_del") {
        const std::string id = args["id"];
        if (!devices.contains(id)) return QmpReply::failure("DeviceNotFound", "Device '" + id + "' not found");
        if (world_.script.guest_ejects)
            world_.at(world_.script.eject_after, [this, id] {
                devices.erase(id);
                link_up.erase(id);
                emit("DEVICE_DELETED", {{"device", id}, {"path", "/machine/peripheral/" + id}});
            });
        return QmpReply::success();
    }
    if (command == "device_add") {
        const std::string id = args.value("id", "");
        if (devices.contains(id)) return QmpReply::failure("GenericError", "Duplicate device ID '" + id + "'");
        devices.insert(id);
        link_up.erase(id);  // a new device: its link up
        return QmpReply::success();
    }
    if (command == "migrate") {
        if (!knows_migrate) return not_found();
        if (migration != "none" && migration != "completed" && migration != "failed" && migration != "cancelled")
            return QmpReply::failure("GenericError", "There's a migration process in progress");
        world_.start_migration();
        return QmpReply::success();
    }
    if (command == "migrate_cancel") {
        world_.cancel_migration();
        return QmpReply::success();
    }
    if (command == "cont") {
        run_state = "running";
        emit("RESUME");
        return QmpReply::success();
    }
    if (command == "announce-self") return knows_announce ? QmpReply::success() : not_found();
    if (command == "query-migrate-parameters") return migrate_parameters ? QmpReply::success(*migrate_parameters) : not_found();
    return not_found();
}

// ------------------------------------------------------------------------------------------- FakeFilter

void FakeFilter::check(const std::string& m) {
    calls.push_back("check");
    if (fail_on == "check") throw std::runtime_error("fake check failed: no such bridge port");
    found_ = points_to;
    mac = m;
}

void FakeFilter::act(const std::string& call, const std::string& target) {
    calls.push_back(call);
    if (fail_on == call) throw std::runtime_error("fake " + call + " failed");
    points_to = target;
}

// ------------------------------------------------------------------------------------------- World

World::World() = default;

void World::setup(bool failover) {
    for (FakeVmm* vmm : {&source, &destination}) {
        vmm->devices = {"root0", "root1", "standby0"};
        vmm->props["standby0"] = {{"failover", failover}, {"mac", "52:54:00:00:00:01"}, {"failover_pair_id", ""}};
        vmm->props["primary0"] = {{"failover_pair_id", "standby0"}};
        vmm->capabilities = {{"events", false}, {"return-path", false}, {"postcopy-ram", false}};
    }
    source.devices.insert("primary0");
    destination.run_state = "inmigrate";
}

json World::primary_device() const {
    return {{"driver", "vfio-pci"}, {"id", "primary0"}, {"host", "0000:03:00.1"}, {"failover_pair_id", "standby0"},
            {"bus", "root1"}};
}

RunPorts World::ports(bool with_filters) {
    return {source, destination, with_filters ? &source_filter : nullptr,
            with_filters ? &destination_filter : nullptr, clock};
}

void World::at(Millis delay, std::function<void()> action) { timers_.emplace(clock.now_ + delay, std::move(action)); }

bool World::advance(std::chrono::steady_clock::time_point until, FakeVmm*, const std::deque<QmpEvent>* queue) {
    while (!timers_.empty() && timers_.begin()->first <= until) {
        auto it = timers_.begin();
        if (it->first > clock.now_) clock.now_ = it->first;
        auto action = std::move(it->second);
        timers_.erase(it);
        action();
        if (queue && !queue->empty()) return true;
    }
    if (until > clock.now_) clock.now_ = until;
    return queue && !queue->empty();
}

void World::set_migration(const std::string& status) {
    source.migration = status;
    if (source.capabilities["events"]) source.emit("MIGRATION", {{"status", status}});
}

void World::start_migration() {
    const int gen = ++generation_;
    set_migration("setup");
    const bool failover = source.props["standby0"]["failover"].get<bool>();
    const auto complete = [this, gen, failover] {
        at(script.migrate_for, [this, gen, failover] {
            if (gen != generation_) return;
            source.emit("STOP");
            set_migration("device");
            set_migration("completed");
            source.run_state = "postmigrate";
            if (failover && script.destination_negotiates) {
                destination.emit("FAILOVER_NEGOTIATED", {{"device-id", "standby0"}});
                destination.devices.insert("primary0");
            }
            destination.run_state = script.destination_autostart ? "running" : "paused";
            if (script.destination_autostart) destination.emit("RESUME");
        });
        if (script.migration_fails)
            at(script.migrate_for / 2, [this, gen] {
                if (gen != generation_) return;
                ++generation_;
                set_migration("failed");
            });
    };
    if (failover && source.devices.contains("primary0")) {
        source.emit("UNPLUG_PRIMARY", {{"device-id", "primary0"}});
        set_migration("wait-unplug");
        if (script.guest_ejects)
            at(script.eject_after, [this, gen, complete] {
                if (gen != generation_) return;
                set_migration("active");
                complete();
            });
    } else {
        set_migration("active");
        complete();
    }
}

void World::cancel_migration() {
    const std::string& m = source.migration;
    if (m == "none" || m == "completed" || m == "failed" || m == "cancelled") return;
    ++generation_;
    set_migration("cancelling");
    at(10ms, [this] { set_migration("cancelled"); });
}

MigrateRequest request(std::optional<json> primary_device) {
    MigrateRequest r;
    r.uri = "unix:/run/fake-migration.sock";
    r.primary_device = std::move(primary_device);
    r.bounds.unplug = 2000ms;
    r.bounds.migrate = 60000ms;
    r.bounds.plug = 2000ms;
    r.bounds.rollback = 5000ms;
    r.bounds.poll = 100ms;
    return r;
}

}  // namespace nf::orchestrator::test
