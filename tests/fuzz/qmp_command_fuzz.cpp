// QMP commands as the VMM's device model executes them: device_add/device_del/qom-get/set_link/... with
// any arguments, on a machine with a failover standby and a hidden primary. Any input → a reply.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "device/machine.h"
#include "qmp/qmp_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace nf;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    device::Machine machine(device::MachineOptions{device::MachineTopology{4, true}, device::ResetPolicy::RehidePrimary});
    (void)machine.cold_plug({{"driver", "virtio-net-pci"}, {"id", "standby0"}, {"bus", "root0"},
                             {"mac", "52:54:00:22:22:22"}, {"failover", "on"}});
    machine.start();
    (void)machine.device_add({{"driver", "vfio-pci"}, {"id", "primary0"}, {"bus", "root1"},
                              {"failover_pair_id", "standby0"}});
    // Several commands per input, one per line, so sequences (add then del) are reached.
    std::size_t begin = 0;
    while (begin <= input.size()) {
        const auto end = std::min(input.find('\n', begin), input.size());
        const qmp::ParsedCommand parsed = qmp::parse_command(input.substr(begin, end - begin));
        if (parsed.command) {
            (void)machine.check_device_head(parsed.command->arguments);
            (void)machine.execute(parsed.command->execute, parsed.command->arguments);
        }
        begin = end + 1;
    }
    (void)machine.query_pci();
    return 0;
}
