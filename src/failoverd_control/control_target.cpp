#include "failoverd_control/control_target.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "common/error.h"
#include "failoverd_control/config_layer.h"

namespace nf::daemon {

std::vector<std::string> find_control_sockets(const std::string& directory) {
    std::vector<std::string> sockets;
    const auto scan = [&](const std::filesystem::path& dir, bool descend) {
        std::error_code ec;
        for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            std::error_code type_ec;
            if (it->path().extension() == ".sock" && it->is_socket(type_ec)) sockets.push_back(it->path().string());
            else if (descend && it->is_directory(type_ec) && !it->is_symlink(type_ec)) {
                // One level: /run/netfailover/<lab>/<vm>.sock.
                std::error_code sub_ec;
                for (std::filesystem::directory_iterator sub(it->path(), sub_ec), send; !sub_ec && sub != send;
                     sub.increment(sub_ec))
                    if (sub->path().extension() == ".sock" && sub->is_socket(type_ec))
                        sockets.push_back(sub->path().string());
            }
        }
    };
    scan(directory, true);
    std::sort(sockets.begin(), sockets.end());
    return sockets;
}

std::string choose_control_path(const std::optional<std::string>& control, const std::optional<std::string>& master,
                                const std::string& directory) {
    if (control) return *control;
    if (master) {
        check_ifname("--master", *master);
        return directory + "/" + *master + ".sock";
    }
    const std::vector<std::string> sockets = find_control_sockets(directory);
    if (sockets.size() == 1) return sockets.front();
    if (sockets.empty())
        throw ConfigError("no failoverd found: no control socket in " + directory + " (is failoverd running? "
                          "give --control PATH or --master NAME)");
    std::string list;
    for (const auto& s : sockets) list += (list.empty() ? "" : ", ") + s;
    throw ConfigError("several failoverd are running (" + list + "); pick one with --master NAME or --control PATH");
}

}  // namespace nf::daemon
