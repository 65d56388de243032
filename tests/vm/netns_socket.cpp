#include "netns_socket.h"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace nf::vmtest {

UniqueFd socket_in_netns(const std::string& netns, const std::string& what, const std::function<UniqueFd()>& make) {
    UniqueFd socket;
    std::string error;
    std::thread maker([&] {
        const std::string path = "/run/netns/" + netns;
        UniqueFd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!ns || ::setns(ns.get(), CLONE_NEWNET) < 0) {
            error = "enter " + path + ": " + std::strerror(errno);
            return;
        }
        try {
            socket = make();
        } catch (const std::exception& e) {
            error = e.what();
        }
    });
    maker.join();
    if (!socket) throw std::runtime_error(what + ": " + error);
    return socket;
}

}  // namespace nf::vmtest
