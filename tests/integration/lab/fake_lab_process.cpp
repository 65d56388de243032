// A stand-in for failover-vmm and failoverd (chosen by argv[0]) so the lab's start path is tested without
// them: it prints its argv, listens on --qmp (VMM) or --control (guest), the guest also makes its
// "master" (a veth named like --standby) and answers {"cmd":"status"} with its master_ifindex, and
// SIGTERM removes the socket and exits 0.
//
// NF_FAKE_MASTER_DELAY_MS=N (guest): behave like a failoverd that answers on its control socket before
// its master is in place (issue 9, defect 5): the "standby" is a veth named like --standby at first,
// status says master_ifindex 0, and only after N ms is the standby renamed <name>nsby and the master
// made under its name.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/unique_fd.h"
#include "os/rtnl.h"

namespace {

std::string flag(const std::vector<std::string>& args, const std::string& name) {
    for (std::size_t i = 0; i + 1 < args.size(); ++i)
        if (args[i] == name) return args[i + 1];
    return "";
}

// One request line in, one status line out; anything else is ignored (a readiness probe that only connects).
void answer(int listener, int master_ifindex, const std::string& master) {
    nf::UniqueFd client(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (!client) return;
    pollfd p{client.get(), POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) return;
    char buf[512];
    if (::read(client.get(), buf, sizeof buf) <= 0) return;
    const std::string reply =
        nlohmann::json{{"ok", true}, {"status", {{"master", master}, {"master_ifindex", master_ifindex}}}}.dump() + "\n";
    (void)::write(client.get(), reply.data(), reply.size());
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
    nf::UniqueFd signals(::signalfd(-1, &stop, SFD_CLOEXEC));

    const std::string socket_path = flag(args, role == "failoverd" ? "--control" : "--qmp");
    const auto standby = flag(args, "--standby");
    const char* delay_env = std::getenv("NF_FAKE_MASTER_DELAY_MS");
    const int delay_ms = role == "failoverd" && delay_env ? std::atoi(delay_env) : 0;
    int master_ifindex = 0;
    if (role == "failoverd") {
        nf::os::Rtnl rtnl;
        if (delay_ms > 0)
            rtnl.create_veth(standby, standby + "sp");  // the standby, for now under the master's name
        else
            master_ifindex = rtnl.create_veth(standby, standby + "p").ifindex;
    }
    nf::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::listen(fd.get(), 8) < 0) {
        std::cerr << role << ": cannot listen on " << socket_path << ": " << std::strerror(errno) << std::endl;
        return 1;
    }
    const auto master_due = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms);
    for (;;) {
        if (role == "failoverd" && master_ifindex == 0 && std::chrono::steady_clock::now() >= master_due) {
            nf::os::Rtnl rtnl;
            const int old = rtnl.ifindex(standby);
            rtnl.set_down(old);
            rtnl.rename(old, standby + "nsby");
            master_ifindex = rtnl.create_veth(standby, standby + "p").ifindex;
            std::cout << role << ": master " << standby << " made (ifindex " << master_ifindex << ")" << std::endl;
        }
        // The VMM's socket is never served (connections wait in its backlog), as before.
        pollfd fds[2] = {{signals.get(), POLLIN, 0}, {role == "failoverd" ? fd.get() : -1, POLLIN, 0}};
        if (::poll(fds, 2, 20) < 0 && errno != EINTR) return 1;
        if (fds[0].revents & POLLIN) break;
        if (fds[1].revents & POLLIN) answer(fd.get(), master_ifindex, standby);
    }
    signalfd_siginfo info{};
    (void)::read(signals.get(), &info, sizeof info);
    std::cout << role << ": signal " << info.ssi_signo << ", exiting" << std::endl;
    ::unlink(socket_path.c_str());
    return 0;
}
