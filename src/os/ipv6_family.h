#pragma once
// Whether the kernel has the IPv6 family. A guest booted with `ipv6.disable=1` has none: no
// /proc/sys/net/ipv6, and every IPv6 rtnetlink attribute (addrgenmode, ...) is refused with
// EAFNOSUPPORT. failoverd's IPv6 steps are refinements (no link-local on slaves, unsolicited NA), never
// prerequisites: each goes through ipv6_step(), which skips it when the family is absent.
//
// Detected once per process: /proc/sys/net/ipv6 missing at the first question, or an IPv6 step failing
// with EAFNOSUPPORT later; either is logged once. A network namespace cannot remove the family (its
// `disable_ipv6=1` only turns addresses off), so tests use simulate_no_ipv6(), which makes the OS edge
// itself (Rtnl's IPv6 attributes, IPv6 sysctls) answer as such a kernel does.
#include <functional>
#include <string_view>

namespace nf::os {

bool ipv6_available();

// Runs an IPv6-only `step` unless the family is absent. A SystemError saying the family is absent
// (EAFNOSUPPORT; ENOENT under /proc/sys/net/ipv6 once the directory is gone) marks it absent and is
// swallowed: false. Any other error propagates. True: the step ran.
bool ipv6_step(std::string_view what, const std::function<void()>& step);

namespace testing {
// The OS edge reports the family absent (true) or as the kernel has it (false); resets the detection.
void simulate_no_ipv6(bool absent);
}  // namespace testing

namespace detail {
bool ipv6_simulated_absent();
// EAFNOSUPPORT when simulated absent: called by the OS edge before each IPv6-only kernel request.
void check_ipv6_family(const std::string& what);
}  // namespace detail

}  // namespace nf::os
