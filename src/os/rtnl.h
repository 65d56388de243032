#pragma once
// Rtnl: rtnetlink queries and changes (links, addresses, bridge FDB) over one libnl route socket.
//
// The socket is bound to the network namespace of the thread that constructs the Rtnl; construct it inside
// a NetnsScope (or with Rtnl::in) to work on another namespace. One Rtnl is not safe for concurrent use.
// Every failure throws nf::SystemError naming the operation and the link, with the kernel's errno.
#include <optional>
#include <string>
#include <vector>

#include "common/mac_address.h"
#include "os/ip_prefix.h"
#include "os/link_info.h"
#include "os/netns.h"
#include "os/nl_transact.h"

namespace nf::os {

// A link named either by ifindex or by name; names are resolved in the Rtnl's namespace.
class LinkRef {
public:
    LinkRef(int ifindex) : ifindex_(ifindex) {}
    LinkRef(std::string name) : name_(std::move(name)) {}
    LinkRef(const char* name) : name_(name) {}
    bool by_index() const { return ifindex_ > 0; }
    int ifindex() const { return ifindex_; }
    const std::string& name() const { return name_; }
    // "link 'eth0'" or "link #7", for error messages.
    std::string describe() const;

private:
    int ifindex_ = 0;
    std::string name_;
};

struct VethOptions {
    std::optional<MacAddress> mac;
    std::optional<MacAddress> peer_mac;
    const Netns* peer_netns = nullptr;  // create the peer directly in this namespace (never on our ifindex)
    std::optional<unsigned> mtu;        // both ends
    std::optional<int> ifindex;         // the first end's (both ends in this namespace only); else the kernel's
};

// `bridge fdb` entry (AF_BRIDGE neighbour).
struct FdbEntry {
    MacAddress mac;
    int port = 0;    // ifindex of the bridge port
    int master = 0;  // ifindex of the bridge (NDA_MASTER)
    int vlan = 0;    // 0: none
    bool is_static = false;  // NUD_NOARP: added by us, never ages
    bool is_local = false;   // NUD_PERMANENT: the port's own address
    bool master_entry = false;  // NTF_MASTER / not NTF_SELF: lives in the bridge, not the port driver
    bool sticky = false;        // NTF_STICKY: stays on its port when the MAC is seen on another
};

// How add_fdb installs its static entry.
struct FdbOptions {
    // A plain static entry roams to whichever port the MAC is next seen on; a sticky one never does (a
    // NIC's MAC filter for a VF).
    bool sticky = false;
    int vlan = 0;  // 0: none
};

struct BridgePortFlags {
    std::optional<bool> learning;       // IFLA_BRPORT_LEARNING
    std::optional<bool> unicast_flood;  // IFLA_BRPORT_UNICAST_FLOOD
};

class Rtnl {
public:
    Rtnl();  // in the calling thread's namespace
    static Rtnl in(const Netns& netns);

    // --- queries (rtnl.cpp) ---
    LinkInfo link(const LinkRef& ref);          // throws SystemError(ENODEV) naming the link if absent
    std::optional<LinkInfo> find_link(const LinkRef& ref);
    std::vector<LinkInfo> links();
    int ifindex(const LinkRef& ref);
    LinkStats stats(const LinkRef& ref);        // throws SystemError(ENODEV) if absent
    // nullopt when the link has no IPv6 (disabled at boot, or a link type without it).
    std::optional<AddrGenMode> addrgenmode(const LinkRef& ref);

    // --- link changes (rtnl_link_ops.cpp) ---
    LinkInfo create_veth(const std::string& name, const std::string& peer, const VethOptions& options = {});
    LinkInfo create_bridge(const std::string& name);
    void delete_link(const LinkRef& ref);
    void set_up(const LinkRef& ref);
    void set_down(const LinkRef& ref);
    void set_mtu(const LinkRef& ref, unsigned mtu);
    void set_mac(const LinkRef& ref, const MacAddress& mac);
    // IFLA_IFALIAS; "" removes it. At most 255 bytes (the kernel's IFALIASZ - 1).
    void set_alias(const LinkRef& ref, const std::string& alias);
    void rename(const LinkRef& ref, const std::string& new_name);  // link must be down
    void set_master(const LinkRef& ref, const LinkRef& master);
    void clear_master(const LinkRef& ref);
    // Moves the link into `target`. A new name is applied before the move (the kernel would only use it on
    // a name clash), which needs the link down; the move takes it down anyway. A veth (any link with an
    // iflink) never lands on its peer's ifindex: its own if free there, else the lowest free other one.
    void move_to_netns(const LinkRef& ref, const Netns& target, const std::optional<std::string>& new_name = {});
    // The same with the ifindex the link gets in `target` (IFLA_NEW_IFINDEX); SystemError(EBUSY) if it is taken.
    void move_to_netns_as(const LinkRef& ref, const Netns& target, int new_ifindex);
    // IPv6 addrgenmode: none means no link-local address, so no stray traffic from slaves. A new mode
    // takes effect when the link next comes up (or IPv6 is re-enabled on it).
    void set_addrgenmode(const LinkRef& ref, AddrGenMode mode);
    void set_addrgenmode_none(const LinkRef& ref) { set_addrgenmode(ref, AddrGenMode::none); }

    // --- addresses (rtnl_addr.cpp) ---
    // skip_dad: IFA_F_NODAD for IPv6 (lab addresses are unique by construction; DAD delays use by ~1 s).
    void add_address(const LinkRef& ref, const IpPrefix& prefix, bool skip_dad = true);
    void del_address(const LinkRef& ref, const IpPrefix& prefix);
    std::vector<IpPrefix> addresses(const LinkRef& ref);

    // --- bridge (rtnl_bridge.cpp) ---
    // `bridge fdb replace MAC dev PORT master static [sticky] [vlan VID]`: idempotent, also moves MAC
    // between ports.
    void add_fdb(const LinkRef& port, const MacAddress& mac, const FdbOptions& options = {});
    // `bridge fdb del MAC dev PORT master [vlan VID]`.
    void del_fdb(const LinkRef& port, const MacAddress& mac, int vlan = 0);
    // Entries of one bridge (by the bridge link), or of every bridge when bridge is nullopt.
    std::vector<FdbEntry> fdb(const std::optional<LinkRef>& bridge = std::nullopt);
    void set_bridge_port_flags(const LinkRef& port, const BridgePortFlags& flags);

private:
    // The kernel's view of `ref` as libnl's object (stats, AF_SPEC); throws SystemError(ENODEV) if absent.
    detail::RtnlLinkPtr kernel_link(const LinkRef& ref, const std::string& what);
    // ifindex of `ref`; a lookup failure is rethrown as SystemError(errno, what).
    int resolve(const LinkRef& ref, const std::string& what);
    void change(const LinkRef& ref, rtnl_link* changes, const std::string& op);

    detail::NlSocketPtr sock_;
};

}  // namespace nf::os
