#pragma once
// The failoverd test topology (namespaces with nf::os::Netns, links with iproute2: test setup only),
// removed by the destructor even when a test fails; the destructor then fails the test if anything named
// after the tag (<pid>x<n>) is still in /run/netns, /sys/fs/bpf or /run/netfailover (see leftovers.h).
//
//   guest  nfd-g<tag>:  sb0 (standby) and pr0 (primary): veths with the same MAC 02:00:00:77:00:02,
//                       and the master failoverd makes (named m<tag>), 10.77.0.2/24 once configured
//   host   nfd-h<tag>:  bridge br0 10.77.0.1/24 with the far ends sbh and prh as ports
//
// Veths have no permanent MAC, so failoverd pairs by the current one (its documented fallback).
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace nf::failoverd::test {

std::string sh(const std::string& command);   // throws with the output on failure
int sh_status(const std::string& command);    // exit status, output discarded
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

inline constexpr const char* kGuestMac = "02:00:00:77:00:02";
inline constexpr const char* kHostIp = "10.77.0.1";

class GuestLab {
public:
    // Namespaces <prefix>-g<tag> and <prefix>-h<tag>.
    explicit GuestLab(const std::string& prefix = "nfd");
    ~GuestLab();
    GuestLab(const GuestLab&) = delete;
    GuestLab& operator=(const GuestLab&) = delete;

    const std::string& tag() const { return tag_; }
    const std::string& guest() const { return guest_; }
    const std::string& host() const { return host_; }
    const std::string& master() const { return master_; }
    // failoverd keys its private namespace, state file and bpf pin dir by the guest namespace's inode
    // and the master: <inode>-<master>.
    std::uint64_t guest_inode() const { return guest_inode_; }
    std::string key(const std::string& master) const { return std::to_string(guest_inode_) + "-" + master; }
    std::string private_netns(const std::string& master) const { return "nfo-" + key(master); }
    std::string state_file(const std::string& master) const { return "/run/netfailover/" + key(master) + ".state"; }
    std::string pin_dir(const std::string& master) const { return "/sys/fs/bpf/netfailover/" + key(master); }
    std::string private_netns() const { return private_netns(master_); }
    std::string control() const { return control_.empty() ? "/run/netfailover/" + master_ + ".sock" : control_; }
    // The 2-device model: the standby sb0 is the master. Its control socket is named after the tag (sb0
    // is every lab's standby), and failoverd must be given it (--control).
    void standby_is_master() {
        master_ = "sb0";
        control_ = "/run/netfailover/m" + tag_ + ".sock";
    }

    // A new primary: veth prh (host, in br0) <-> pr0 (guest), the guest MAC, both up.
    void add_primary(const std::string& host_end = "prh");
    void delete_primary(const std::string& host_end = "prh");
    // `ip -n <guest>`, `ip -n <host>`, `ip -n <private>`.
    std::string in_guest(const std::string& args) const { return "ip -n " + guest_ + " " + args; }
    std::string in_host(const std::string& args) const { return "ip -n " + host_ + " " + args; }
    std::string in_private(const std::string& args) const { return "ip -n " + private_netns() + " " + args; }
    // `ip netns exec <guest> ...`.
    std::string exec_guest(const std::string& command) const { return "ip netns exec " + guest_ + " " + command; }

    void configure_master_ip();
    bool ping(int count = 3) const;
    bool link_exists(const std::string& ns, const std::string& name) const;
    std::string link_json(const std::string& ns, const std::string& name) const;

private:
    void remove();

    std::string tag_, guest_, host_, master_, control_;
    std::uint64_t guest_inode_ = 0;
    int primaries_added_ = 0;
};

}  // namespace nf::failoverd::test
