#pragma once
// Test fixture plumbing: two namespaces nftr<pid>c (client) and nftr<pid>v (VM) joined by a veth, with
// 10.77.0.1/24 and 10.77.0.2/24. Removed in the destructor, and stale ones from a crashed run of the
// same pid are removed first.
#include <string>

#include "common/unique_fd.h"
#include "lab/traffic/udp_address.h"

namespace nf::lab::test {

// Runs a shell command; throws std::runtime_error with the command when it fails.
void run(const std::string& command);

class NetnsPair {
public:
    NetnsPair();
    ~NetnsPair();
    NetnsPair(const NetnsPair&) = delete;
    NetnsPair& operator=(const NetnsPair&) = delete;

    const std::string client;  // namespace names
    const std::string vm;
    static constexpr const char* kClientIp = "10.77.0.1";
    static constexpr const char* kVmIp = "10.77.0.2";
    static constexpr const char* kClientDev = "veth-c";  // inside the client namespace
    static constexpr const char* kClientMac = "02:00:0a:4d:00:01";
    static constexpr const char* kVmMac = "02:00:0a:4d:00:02";

    // A UDP socket created inside `netns` (it keeps using that namespace from any thread).
    static UniqueFd udp_socket_in(const std::string& netns, const UdpAddress* bind_to);

private:
    void remove() noexcept;
};

}  // namespace nf::lab::test
