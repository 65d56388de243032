#pragma once
// failoverd's command line: flags (CLI11) over an optional JSON file, into a validated DaemonConfig.
// No side effects beyond reading the config file: a bad invocation changes nothing on the system.
#include <string>
#include <string_view>
#include <variant>

#include "failoverd_control/daemon_config.h"

namespace nf::daemon {

// failoverd's exit statuses (documented in --help and failoverd(8)).
enum ExitStatus : int {
    kExitOk = 0,          // stopped by SIGTERM/SIGINT, or --help/--version
    kExitFailure = 1,     // a runtime failure: a system call, the datapath, the control socket
    kExitUsage = 2,       // bad flags or config; nothing was changed
};

// --help or --version: print `text` to stdout and exit with kExitOk.
struct EarlyExit {
    std::string text;
};

using CommandLine = std::variant<DaemonConfig, EarlyExit>;

// Throws nf::ConfigError naming the flag or config field and the problem (exit with kExitUsage).
CommandLine parse_command_line(int argc, const char* const* argv);

// The full --help text: a man page in a terminal.
std::string_view failoverd_help();
std::string failoverd_version();

}  // namespace nf::daemon
