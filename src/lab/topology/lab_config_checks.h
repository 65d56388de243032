#pragma once
// Meaning checks of a LabConfig (internal to nf_lab_topology; the public entry is validate_lab_config).
#include "os/ip_prefix.h"

namespace nf::lab {

inline constexpr std::size_t kMaxNameLength = 11;  // "vf-<vm>g", "h-<host>" must fit IFNAMSIZ-1 = 15
inline constexpr std::size_t kMaxPrefixLength = 8;

// The prefix: it becomes namespace names <prefix>-*, so never empty and never a pattern.
void check_prefix(const std::string& prefix);
// The subnet: IPv4 inside 10.0.0.0/8, a network address, /8../29. Throws ConfigError naming `field`.
void check_subnet(const char* field, const os::IpPrefix& subnet);

}  // namespace nf::lab
