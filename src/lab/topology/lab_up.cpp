#include <spdlog/spdlog.h>

#include <thread>

#include "common/error.h"
#include "common/safe_file.h"
#include "lab/topology/command_lines.h"
#include "lab/topology/lab.h"
#include "lab/topology/lab_names.h"
#include "lab/topology/interrupt.h"
#include "lab/topology/readiness.h"
#include "lab/topology/topology_builder.h"
#include "os/cgroup.h"
#include "os/netns.h"
#include "os/rtnl.h"

namespace nf::lab {
namespace {

std::optional<std::filesystem::path> locate(const std::string& name, const UpOptions& options) {
    return locate_lab_binary(name, options.binary_dirs);
}

std::string require_binary(const std::string& name, const char* switch_field, const UpOptions& options) {
    if (auto path = locate(name, options)) return path->string();
    const std::string where = options.binary_dirs.empty() ? "next to failover-lab nor in PATH" : "in the given binary dirs";
    throw ConfigError(std::string(switch_field) + ": '" + name + "' was not found " + where + "; build it, or set " +
                      switch_field + " to false to build the topology without it");
}

struct Binaries {
    std::string vmm, guest;
};

Binaries resolve_binaries(const LabConfig& config, const UpOptions& options) {
    Binaries binaries;
    if (config.vmm.start && !config.vms.empty()) binaries.vmm = require_binary(kVmmBinary, "vmm.start", options);
    if (config.guest.start && !config.vms.empty())
        binaries.guest = require_binary(kGuestBinary, "guest.start", options);
    return binaries;
}

// A lab of this prefix that runs another config is refused: up would silently mix two topologies.
void check_same_lab(const LabConfig& config, const std::optional<LabState>& state) {
    if (state && to_json(state->config) != to_json(config))
        throw ConfigError("lab '" + config.prefix + "' is already up with a different config (" +
                          LabNames(config.prefix).state_file().string() + "); run `failover-lab down --prefix " +
                          config.prefix + "` first");
}

// Starts `spec` unless the state file has it alive; records it at once, so a crash right after still
// leaves a state file that names it.
ProcessRecord ensure_running(LabState& state, const ProcessSpec& spec) {
    if (const auto* existing = state.find_process(spec.name); existing && process_alive(*existing)) return *existing;
    spdlog::info("starting {}: {}", spec.name, fmt::join(spec.argv, " "));
    state.record(spawn_process(spec));
    save_lab_state(state);
    return *state.find_process(spec.name);
}

// The contract: "the lab puts the VM's IP on the master once it exists". By ifindex: the one failoverd
// reported as its master (a name could still be the standby's for a moment).
void assign_guest_ip(const LabConfig& config, const VmConfig& vm, int master_ifindex) {
    const auto netns = os::Netns::open_named(LabNames(config.prefix).netns(vm.name));
    auto rtnl = os::Rtnl::in(netns);
    for (const auto& existing : rtnl.addresses(master_ifindex))
        if (existing == vm.ip) return;
    rtnl.add_address(master_ifindex, vm.ip);
    rtnl.set_up(master_ifindex);
}

// Runs a readiness step of `process`; a failure carries the end of its log (the rollback deletes the file).
template <class Step>
void expect_ready(const ProcessRecord& process, Step&& step) {
    try {
        step();
    } catch (const SystemError& e) {
        // what() ends in ": <strerror>", which the new error appends again: keep the context only.
        std::string context = e.what();
        if (const auto suffix = ": " + e.code().message(); context.ends_with(suffix))
            context.resize(context.size() - suffix.size());
        const auto tail = log_tail(process.log);
        throw SystemError(e.errno_value(), context + (tail.empty() ? " (its log is empty)" : "; its log ends with:\n" + tail));
    }
}

void start_vm_processes(LabState& state, const VmConfig& vm, const Binaries& binaries, const UpOptions& options) {
    const auto& config = state.config;
    const LabNames names(config.prefix);
    if (config.vmm.start) {
        // Where the VM runs now: a VM migrated to another host is restarted there (on that host's VF).
        const auto placement = state.placement(vm);
        const ProcessSpec spec{vmm_process_name(vm.name),
                               vmm_command_line(config, vm, binaries.vmm, os::Cgroup2::mount_point(), {placement.qmp, ""}),
                               names.netns(placement.host), names.vmm_cgroup(vm.name),
                               names.log_file(vmm_log_name(vm, placement.host))};
        const auto record = ensure_running(state, spec);
        expect_ready(record, [&] { wait_for_unix_socket(placement.qmp, options.vmm_ready_timeout, &record); });
    }
    if (config.guest.start) {
        const ProcessSpec spec{guest_process_name(vm.name), guest_command_line(config, vm, binaries.guest), names.netns(vm.name),
                               names.vm_cgroup(vm.name), names.log_file("guest-" + vm.name)};
        const auto record = ensure_running(state, spec);
        expect_ready(record, [&] {
            const int master = wait_for_failoverd_master(names.failoverd_control(vm.name), names.netns(vm.name),
                                                         vm.standby.ifname, options.guest_ready_timeout, &record);
            assign_guest_ip(config, vm, master);
        });
    }
}

bool lab_exists(const std::string& prefix) {
    return std::filesystem::exists(LabNames(prefix).run_dir()) || !lab_namespaces(prefix).empty() ||
           !lab_cgroups(prefix).empty();
}

}  // namespace

// The lab's own programs are looked up next to the running binary first (build/bin/), then in PATH.
std::optional<std::filesystem::path> locate_lab_binary(const std::string& name,
                                                       const std::vector<std::filesystem::path>& binary_dirs) {
    if (!binary_dirs.empty()) return find_executable(name, binary_dirs);
    std::vector<std::filesystem::path> dirs;
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) dirs.push_back(self.parent_path());
    for (auto& dir : path_dirs()) dirs.push_back(std::move(dir));
    return find_executable(name, dirs);
}

void lab_up(const LabConfig& config, const UpOptions& options) {
    validate_lab_config(config);
    const auto binaries = resolve_binaries(config, options);
    auto previous = load_lab_state(config.prefix);
    check_same_lab(config, previous);

    const bool fresh = !lab_exists(config.prefix);
    // Ctrl-C / SIGTERM from here on ends up in the rollback below instead of killing us half way.
    const InterruptScope interrupts;
    try {
        build_topology(config);
        throw_if_interrupted("the topology build");
        LabState state = previous ? std::move(*previous) : LabState{config, {}};
        create_safe_directories(LabNames(config.prefix).logs_dir());   // 0755, checked: logs are opened O_NOFOLLOW
        save_lab_state(state);
        for (const auto& vm : config.vms) {
            throw_if_interrupted("the start of " + vm.name);
            start_vm_processes(state, vm, binaries, options);
        }
    } catch (...) {
        if (fresh) {
            spdlog::warn("up of lab '{}' failed; removing what it made", config.prefix);
            try {
                lab_down(config.prefix);
            } catch (const std::exception& e) {
                spdlog::error("cleanup after the failed up: {}", e.what());
            }
        }
        throw;
    }
}

ProcessRecord lab_supervise(const std::string& prefix, ProcessSpec spec) {
    auto state = load_lab_state(prefix);
    if (!state) throw ConfigError("lab '" + prefix + "' is not up (no " + LabNames(prefix).state_file().string() + ")");
    if (spec.log.empty()) spec.log = LabNames(prefix).log_file(spec.name);
    auto record = spawn_process(spec);
    state->record(record);
    save_lab_state(*state);
    return record;
}

}  // namespace nf::lab
