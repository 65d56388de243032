// failoverd: the guest failover daemon. Flags and config are checked before anything on the system
// changes; a failed start undoes what it did.
#include <iostream>

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "common/log.h"
#include "failoverd_control/command_line.h"
#include "failoverd/daemon.h"
#include "failoverd/pair_supervisor.h"
#include "os/host_mount_ns.h"

int main(int argc, char** argv) {
    using namespace nf::daemon;
    nf::daemon::DaemonConfig config;
    try {
        const CommandLine parsed = parse_command_line(argc, argv);
        if (const auto* early = std::get_if<EarlyExit>(&parsed)) {
            std::cout << early->text;
            return kExitOk;
        }
        config = std::get<DaemonConfig>(parsed);
    } catch (const nf::ConfigError& e) {
        std::cerr << "failoverd: " << e.what() << "\n";
        return kExitUsage;
    }
    // Still single-threaded (setns(CLONE_NEWNS) needs it), and the config file is read (the working
    // directory changes to PID 1's root).
    const auto mount_ns = nf::os::join_host_mount_namespace();
    nf::init_logging("failoverd", config.log_level);
    using Join = nf::os::MountNamespaceJoin::Result;
    if (mount_ns.result == Join::joined)
        spdlog::info("started in a private mount namespace: joined {}, where the private network namespace's "
                     "handle and the BPF pins outlive this process", nf::os::host_mount_namespace_path());
    else if (mount_ns.result == Join::failed)
        spdlog::warn("running in a private mount namespace ({}): the private network namespace's handle under "
                     "/run/netns and the BPF pins made here die with this process, so after a SIGKILL the master "
                     "goes too and the next start builds it afresh instead of adopting it. Run failoverd in the "
                     "host's mount namespace (nsenter --net=, not ip netns exec) or give it CAP_SYS_CHROOT.",
                     mount_ns.detail);
    // --foreground is the only mode: a supervisor (systemd, the lab) owns the process.
    try {
        if (config.all_matches) {
            // Every pair in this process, on one loop and one link monitor.
            nf::failoverd::PairSupervisor supervisor(config);
            return supervisor.run();
        }
        nf::failoverd::Daemon daemon(config);
        return daemon.run();
    } catch (const nf::ConfigError& e) {
        spdlog::error("{}", e.what());
        std::cerr << "failoverd: " << e.what() << "\n";
        return kExitUsage;
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        std::cerr << "failoverd: " << e.what() << "\n";
        return kExitFailure;
    }
}
