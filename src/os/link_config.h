#pragma once
// The IP configuration of one link, as a network manager left it: its addresses (with flags, scope,
// broadcast, label and lifetimes) and the routes through it. failoverd reads it before it touches a
// link, moves it to the master (takeover) and writes it back at stop (exact restore).
//
// One LinkConfigIo opens its own route socket in the namespace it is given, so it works on the guest's
// or the private namespace without disturbing an Rtnl's socket. Every failure throws nf::SystemError
// naming the operation, with the kernel's errno.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "os/ip_prefix.h"
#include "os/netns.h"
#include "os/nl_transact.h"

namespace nf::os {

struct AddressEntry {
    IpPrefix local;                        // IFA_LOCAL (IFA_ADDRESS when there is no peer)
    std::optional<std::string> peer;       // IFA_ADDRESS when it differs from IFA_LOCAL (point-to-point)
    std::optional<std::string> broadcast;  // IFA_BROADCAST
    std::string label;                     // IFA_LABEL (IPv4), empty when it is the link's name
    unsigned flags = 0;                    // IFA_F_*
    int scope = 0;                         // RT_SCOPE_*
    std::uint32_t valid_lft = 0xffffffffu;      // seconds left; 0xffffffff: forever
    std::uint32_t preferred_lft = 0xffffffffu;

    // A link-local IPv6 address the kernel makes itself (fe80::/64 from addrgenmode) or one learnt from a
    // router (IFA_F_MANAGETEMPADDR children, dynamic SLAAC): the kernel remakes these, we never copy them.
    bool kernel_made() const;
    std::string describe() const { return local.to_string(); }
};

struct RouteEntry {
    int family = 0;
    IpPrefix dst;                          // prefix_len 0: the default route
    std::optional<std::string> gateway;    // the one next hop's gateway
    std::optional<std::string> prefsrc;    // RTA_PREFSRC
    std::uint32_t table = 254;             // RT_TABLE_MAIN
    std::uint32_t priority = 0;            // the metric
    std::uint8_t protocol = 0;             // RTPROT_*
    std::uint8_t scope = 0;                // RT_SCOPE_*
    std::uint8_t type = 1;                 // RTN_UNICAST

    std::string describe() const;
};

class LinkConfigIo {
public:
    explicit LinkConfigIo(const Netns& netns);

    std::vector<AddressEntry> addresses(int ifindex);
    // NLM_F_REPLACE: already there is not an error. IPv6 addresses get IFA_F_NODAD (they were in use).
    void add_address(int ifindex, const AddressEntry& address);
    void del_address(int ifindex, const AddressEntry& address);

    // Routes a user or a network manager added through the link: single-next-hop unicast/blackhole
    // routes in any table but `local`, whose protocol is not the kernel's (the prefix routes that come
    // and go with an address) nor a router advertisement's (the kernel remakes those). Routes with
    // several next hops are not moved (logged by the caller: they name more than this link).
    std::vector<RouteEntry> routes(int ifindex);
    void add_route(int ifindex, const RouteEntry& route);  // NLM_F_REPLACE
    void del_route(int ifindex, const RouteEntry& route);

private:
    detail::NlSocketPtr sock_;
};

}  // namespace nf::os
