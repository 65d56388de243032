#include "daemon/control_target.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "common/error.h"
#include "daemon/config_layer.h"

namespace nf::daemon {

std::string choose_control_path(const std::optional<std::string>& control, const std::optional<std::string>& master,
                                const std::string& directory) {
    if (control) return *control;
    if (master) {
        check_ifname("--master", *master);
        return directory + "/" + *master + ".sock";
    }
    std::vector<std::string> sockets;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().extension() == ".sock" && it->is_socket(ec)) sockets.push_back(it->path().string());
    std::sort(sockets.begin(), sockets.end());
    if (sockets.size() == 1) return sockets.front();
    if (sockets.empty())
        throw ConfigError("no failoverd found: no control socket in " + directory + " (is failoverd running? "
                          "give --control PATH or --master NAME)");
    std::string list;
    for (const auto& s : sockets) list += (list.empty() ? "" : ", ") + s;
    throw ConfigError("several failoverd are running (" + list + "); pick one with --master NAME or --control PATH");
}

}  // namespace nf::daemon
