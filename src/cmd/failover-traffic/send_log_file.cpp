#include "send_log_file.h"

#include <nlohmann/json.hpp>

#include <fstream>

#include "common/error.h"

namespace nf::lab::cli {

void save_send_log(const std::string& path, StreamKey key, const SendLog& log) {
    nlohmann::json sends = nlohmann::json::array();
    for (const SendEntry& entry : log.entries()) sends.push_back({entry.time_ns, entry.error});
    std::ofstream out(path);
    out << nlohmann::json{{"stream_id", key.stream_id}, {"direction", to_string(key.direction)}, {"sends", sends}} << '\n';
    if (!out) throw ConfigError("cannot write the send log to '" + path + "'");
}

LoadedSendLog load_send_log(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ConfigError("cannot read the send log '" + path + "'");
    try {
        const nlohmann::json json = nlohmann::json::parse(in);
        const auto direction = parse_direction(json.at("direction").get<std::string>());
        if (!direction) throw ConfigError("send log '" + path + "': unknown direction");
        LoadedSendLog loaded{{json.at("stream_id").get<std::uint32_t>(), *direction}, {}};
        for (const auto& entry : json.at("sends")) loaded.sends.push_back({entry.at(0).get<std::int64_t>(), entry.at(1).get<int>()});
        return loaded;
    } catch (const nlohmann::json::exception& e) {
        throw ConfigError("send log '" + path + "' is not one: " + e.what());
    }
}

}  // namespace nf::lab::cli
