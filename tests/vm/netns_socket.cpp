#include "netns_socket.h"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace nf::vmtest {

void run_in_netns(const std::string& netns, const std::string& what, const std::function<void()>& work) {
    std::string error;
    std::thread worker([&] {
        const std::string path = "/run/netns/" + netns;
        UniqueFd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!ns || ::setns(ns.get(), CLONE_NEWNET) < 0) {
            error = "enter " + path + ": " + std::strerror(errno);
            return;
        }
        try {
            work();
        } catch (const std::exception& e) {
            error = e.what();
        }
    });
    worker.join();
    if (!error.empty()) throw std::runtime_error(what + ": " + error);
}

UniqueFd socket_in_netns(const std::string& netns, const std::string& what, const std::function<UniqueFd()>& make) {
    UniqueFd socket;
    run_in_netns(netns, what, [&] { socket = make(); });
    return socket;
}

}  // namespace nf::vmtest
