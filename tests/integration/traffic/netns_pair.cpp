#include "netns_pair.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <thread>

#include "common/error.h"
#include "os/netns.h"

namespace nf::lab::test {

void run(const std::string& command) {
    if (std::system(command.c_str()) != 0) throw std::runtime_error("command failed: " + command);
}

NetnsPair::NetnsPair()
    : client("nftr" + std::to_string(::getpid()) + "c"), vm("nftr" + std::to_string(::getpid()) + "v") {
    remove();  // our pid is in the names: anything there is a leftover of a dead process that had it
    try {
        os::Netns::create_named(client);
        os::Netns::create_named(vm);
        run("ip -n " + client + " link add " + kClientDev + " address " + kClientMac + " type veth peer name veth-v address " +
            kVmMac + " netns " + vm);
        run("ip -n " + client + " addr add " + kClientIp + "/24 dev " + kClientDev);
        run("ip -n " + vm + " addr add " + kVmIp + "/24 dev veth-v");
        for (const std::string& ns : {client, vm}) run("ip -n " + ns + " link set lo up");
        run("ip -n " + client + " link set " + kClientDev + " up");
        run("ip -n " + vm + " link set veth-v up");
        // Static neighbours: otherwise, while the link is down, the kernel parks packets in its ARP queue
        // and delivers the newest ~150 late when it comes back, turning part of the loss into delay.
        run("ip -n " + client + " neigh replace " + kVmIp + " lladdr " + kVmMac + " dev " + kClientDev + " nud permanent");
        run("ip -n " + vm + " neigh replace " + kClientIp + " lladdr " + kClientMac + " dev veth-v nud permanent");
    } catch (...) {
        remove();
        throw;
    }
}

NetnsPair::~NetnsPair() { remove(); }

void NetnsPair::remove() noexcept {
    // Deleting a namespace removes the veth inside it, and with it the peer.
    for (const std::string& ns : {client, vm}) {
        try {
            os::Netns::remove_named(ns);
        } catch (...) {
        }
    }
}

UniqueFd NetnsPair::udp_socket_in(const std::string& netns, const UdpAddress* bind_to) {
    // setns() changes only the calling thread, so do it in a short-lived thread.
    UniqueFd socket;
    std::exception_ptr failure;
    std::thread([&] {
        try {
            UniqueFd ns(::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC));
            if (!ns) throw_errno("opening namespace " + netns);
            if (::setns(ns.get(), CLONE_NEWNET) < 0) throw_errno("entering namespace " + netns);
            socket = open_udp_socket(bind_to);
        } catch (...) {
            failure = std::current_exception();
        }
    }).join();
    if (failure) std::rethrow_exception(failure);
    return socket;
}

}  // namespace nf::lab::test
