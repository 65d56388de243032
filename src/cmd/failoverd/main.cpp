// failoverd: the guest failover daemon. Flags and config are checked before anything on the system
// changes; a failed start undoes what it did.
#include <iostream>

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "common/log.h"
#include "daemon/command_line.h"
#include "failoverd/daemon.h"

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
        nf::init_logging("failoverd", config.log_level);
    } catch (const nf::ConfigError& e) {
        std::cerr << "failoverd: " << e.what() << "\n";
        return kExitUsage;
    }
    // --foreground is the only mode: a supervisor (systemd, the lab) owns the process.
    try {
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
