// A stand-in for failover-vmm and failoverd (chosen by argv[0]) so the lab's start path is tested without
// them: it prints its argv, listens on --qmp (VMM) or --control (guest), the guest also makes its
// "master" (a veth named like --standby), and SIGTERM removes the socket and exits 0.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "os/rtnl.h"

namespace {

std::string flag(const std::vector<std::string>& args, const std::string& name) {
    for (std::size_t i = 0; i + 1 < args.size(); ++i)
        if (args[i] == name) return args[i + 1];
    return "";
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv, argv + argc);
    const auto role = std::filesystem::path(args[0]).filename().string();
    for (const auto& arg : args) std::cout << arg << ' ';
    std::cout << std::endl;

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigprocmask(SIG_BLOCK, &stop, nullptr);

    const std::string socket_path = flag(args, role == "failoverd" ? "--control" : "--qmp");
    if (role == "failoverd") {
        const auto standby = flag(args, "--standby");
        nf::os::Rtnl rtnl;
        rtnl.create_veth(standby, standby + "p");
    }
    nf::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::listen(fd.get(), 8) < 0) {
        std::cerr << role << ": cannot listen on " << socket_path << ": " << std::strerror(errno) << std::endl;
        return 1;
    }
    int signal = 0;
    sigwait(&stop, &signal);
    std::cout << role << ": signal " << signal << ", exiting" << std::endl;
    ::unlink(socket_path.c_str());
    return 0;
}
