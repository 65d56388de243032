#pragma once
// Which control socket failoverctl talks to: --control PATH, else --master NAME, else the only daemon
// running (the only socket in /run/netfailover).
#include <optional>
#include <string>

namespace nf::daemon {

// Throws nf::ConfigError when nothing was given and `directory` holds no socket or several.
std::string choose_control_path(const std::optional<std::string>& control, const std::optional<std::string>& master,
                                const std::string& directory);

}  // namespace nf::daemon
