#pragma once
// Which control socket failoverctl talks to: --control PATH, else --master NAME, else the only daemon
// running (the only socket in /run/netfailover).
#include <optional>
#include <string>
#include <vector>

namespace nf::daemon {

// Every control socket in `directory` and in its subdirectories one level down (the lab keeps a VM's
// under /run/netfailover/<lab>/), sorted.
std::vector<std::string> find_control_sockets(const std::string& directory);

// Throws nf::ConfigError when nothing was given and `directory` holds no socket or several.
std::string choose_control_path(const std::optional<std::string>& control, const std::optional<std::string>& master,
                                const std::string& directory);

}  // namespace nf::daemon
