#pragma once
// sysctl values, per network namespace for net.*.
//
// /proc/sys/net/... is resolved against the network namespace of the *thread* that opens the file (not
// the process, not the mount): inside a NetnsScope the same path names that namespace's value. The
// integration tests check this with setns on a thread. (/proc/sys/net/ipv6/conf/<if>/ exists only in the
// namespace that holds <if>.)
#include <filesystem>
#include <string>
#include <string_view>

#include "os/netns.h"

namespace nf::os {

// "net.ipv6.conf.eth0.disable_ipv6" → /proc/sys/net/ipv6/conf/eth0/disable_ipv6. A key that contains '/'
// is taken as a path below /proc/sys as is (for interface names with dots, like "eth0.100").
std::filesystem::path sysctl_path(std::string_view key);

// In the calling thread's namespace.
std::string read_sysctl(std::string_view key);  // trailing newline stripped
void write_sysctl(std::string_view key, std::string_view value);

// In `netns` (enters it for the duration of the call).
std::string read_sysctl(const Netns& netns, std::string_view key);
void write_sysctl(const Netns& netns, std::string_view key, std::string_view value);

}  // namespace nf::os
