// failover-vmm: the lab VMM. Parses the command line, builds the VM, serves QMP until SIGTERM/SIGINT/quit.
#include <signal.h>
#include <sys/signalfd.h>

#include <iostream>

#include "common/error.h"
#include "common/log.h"
#include "common/unique_fd.h"
#include "vmm/vmm.h"

namespace {

enum ExitStatus : int { kExitOk = 0, kExitFailure = 1, kExitUsage = 2 };

// Blocked before any thread starts (the forwarders inherit the mask), then read from a signalfd in the loop.
nf::UniqueFd block_termination_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0) nf::throw_errno("sigprocmask");
    ::signal(SIGPIPE, SIG_IGN);  // a QMP client that hung up must not kill the VMM
    return nf::UniqueFd(static_cast<int>(nf::check_syscall(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK), "signalfd")));
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<nf::vmm::VmmOptions> options;
    try {
        options = nf::vmm::parse_command_line(argc, argv);
        if (!options) return kExitOk;  // --help
        nf::init_logging("failover-vmm", options->log_level);
    } catch (const std::exception& e) {
        std::cerr << "failover-vmm: " << e.what() << "\n";
        return kExitUsage;
    }
    try {
        const nf::UniqueFd signals = block_termination_signals();
        nf::vmm::Vmm vmm(std::move(*options));
        return vmm.run(signals.get());
    } catch (const nf::ConfigError& e) {
        std::cerr << "failover-vmm: " << e.what() << "\n";
        return kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "failover-vmm: " << e.what() << "\n";
        return kExitFailure;
    }
}
