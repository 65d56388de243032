#include "datapath/bpf/bpf_probe.h"

#include <bpf/bpf.h>

#include <cstring>
#include <fstream>

#include "common/unique_fd.h"

namespace nf::datapath {

std::optional<std::string> bpf_unavailable_reason() {
    // Creating a map is the cheapest operation that needs what the datapath needs (CAP_BPF or root,
    // and a kernel with BPF_SYSCALL); a capability check alone would miss seccomp and LSM denials.
    int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "nf_probe", 4, 4, 1, nullptr);
    if (fd >= 0) {
        UniqueFd owned(fd);
        return std::nullopt;
    }
    int err = -fd > 0 ? -fd : errno;
    std::string reason = std::string("bpf(BPF_MAP_CREATE) failed: ") + std::strerror(err);
    std::ifstream knob("/proc/sys/kernel/unprivileged_bpf_disabled");
    if (std::string v; knob >> v) reason += " (no CAP_BPF? kernel.unprivileged_bpf_disabled=" + v + ")";
    return reason;
}

}  // namespace nf::datapath
