#pragma once
// The default lab's numbers, shared by the defaults and the parser (internal to nf_lab_topology).
#include <cstddef>
#include <string>

#include "lab/topology/lab_config.h"

namespace nf::lab {

inline constexpr const char* kDefaultSubnet = "10.77.0.0/24";
inline constexpr std::size_t kFirstVmHost = 10;       // vm i (from 0) gets .10+i
inline constexpr std::size_t kFirstClientHost = 100;  // client i gets .100+i

ClientConfig default_client(const os::IpPrefix& subnet, std::size_t index, std::string name);
VmConfig default_vm(const os::IpPrefix& subnet, std::size_t index, std::string name, std::string host);

}  // namespace nf::lab
