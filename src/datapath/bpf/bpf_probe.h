#pragma once
// Can this process use the bpf datapath? Asked once at start-up by `datapath: auto`.
#include <optional>
#include <string>

namespace nf::datapath {

// nullopt when BPF maps can be created here; else why not, in words fit for a log line.
std::optional<std::string> bpf_unavailable_reason();

}  // namespace nf::datapath
