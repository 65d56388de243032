#include "lab/topology/command_lines.h"

#include "lab/topology/lab_names.h"

namespace nf::lab {
namespace {

// The VMM's id for the PV backend; one VMM per VM, so a fixed id cannot clash.
constexpr const char* kNetdevId = "hn0";

}  // namespace

std::string vmm_log_name(const VmConfig& vm, const std::string& host) {
    return vm.host == host ? vmm_process_name(vm.name) : vmm_process_name(vm.name) + "." + host;
}

std::vector<std::string> vmm_command_line(const LabConfig& config, const VmConfig& vm, const std::string& binary,
                                          const std::filesystem::path& cgroup_mount) {
    return vmm_command_line(config, vm, binary, cgroup_mount, {LabNames(config.prefix).qmp_socket(vm.name), ""});
}

std::vector<std::string> vmm_command_line(const LabConfig& config, const VmConfig& vm, const std::string& binary,
                                          const std::filesystem::path& cgroup_mount, const VmmInstance& instance) {
    const LabNames names(config.prefix);
    std::vector<std::string> argv{binary,
            "--name", vm.name,
            "--qmp", instance.qmp.string(),
            "--channel", names.channel_socket(vm.name).string(),
            "--guest-netns", names.netns(vm.name),
            "--cgroup", (cgroup_mount / names.vm_cgroup(vm.name)).string(),
            "--vf-filter", vmm_policy(config.vf_filter),
            "--netdev", std::string("bridge,id=") + kNetdevId + ",br=" + kHostBridge,
            "--device", "virtio-net-pci,id=" + vm.standby.id + ",netdev=" + kNetdevId + ",mac=" + vm.mac.to_string() +
                            ",failover=on,bus=" + vm.standby.bus + ",ifname=" + vm.standby.ifname,
            "--device", vm.primary.driver + ",id=" + vm.primary.id + ",host=" + LabNames::vf_netdev(vm.name) +
                            ",failover_pair_id=" + vm.standby.id + ",bus=" + vm.primary.bus +
                            ",ifname=" + vm.primary.ifname + (vm.primary.alias.empty() ? "" : ",alias=" + vm.primary.alias)};
    // QEMU's way of naming the VF's slot: a Physical Slot Number on its root port.
    if (vm.primary.slot)
        argv.insert(argv.end(), {"--device", "pcie-root-port,id=" + vm.primary.bus + ",slot=" + std::to_string(vm.primary.slot)});
    if (!instance.incoming.empty()) argv.insert(argv.end(), {"--incoming", instance.incoming});
    return argv;
}

std::vector<std::string> guest_command_line(const LabConfig& config, const VmConfig& vm, const std::string& binary) {
    const LabNames names(config.prefix);
    std::vector<std::string> argv{binary,
                                  "--standby", vm.standby.ifname,
                                  "--device-channel", names.channel_socket(vm.name).string(),
                                  "--foreground",
                                  "--control", names.failoverd_control(vm.name).string()};
    argv.insert(argv.end(), config.guest.args.begin(), config.guest.args.end());
    return argv;
}

}  // namespace nf::lab
