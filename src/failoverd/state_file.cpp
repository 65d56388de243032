#include "failoverd/state_file.h"

#include <fstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/error.h"
#include "common/json_input.h"
#include "common/safe_file.h"

namespace nf::failoverd {

std::filesystem::path state_file_path(const std::string& directory, const std::string& key) {
    return std::filesystem::path(directory) / (key + ".state");
}

void write_state(const std::filesystem::path& path, const DaemonState& s) {
    const nlohmann::json doc = {{"master", s.master},   {"model", s.model},
                                {"datapath", s.datapath}, {"standby", s.standby},
                                {"standby_was_up", s.standby_was_up}, {"phase", s.phase},
                                {"leftovers", s.leftovers}, {"taken_addresses", to_json(s.taken_addresses)},
                                {"links", s.links}};
    // Write then rename: a crash mid-write never leaves a half file for the next start to trip on. Never
    // through a symlink planted at the path, in a directory only root can write to.
    write_file_atomic(path, doc.dump(2) + "\n");
}

std::optional<DaemonState> read_state(const std::filesystem::path& path) {
    try {
        const auto text = read_file_nofollow(path);
        if (!text) return std::nullopt;
        JsonInput input = parse_json_input(*text);
        if (!input.value) throw std::runtime_error(input.error);
        const auto& doc = *input.value;
        DaemonState s;
        s.master = doc.at("master").get<std::string>();
        s.model = doc.at("model").get<std::string>();
        s.datapath = doc.at("datapath").get<std::string>();
        s.standby = doc.at("standby").get<std::string>();
        s.standby_was_up = doc.value("standby_was_up", false);
        s.phase = doc.value("phase", "running");  // files without it were written after a finished start
        if (doc.contains("leftovers")) s.leftovers = doc.at("leftovers").get<std::vector<std::string>>();
        if (doc.contains("taken_addresses")) s.taken_addresses = taken_addresses_from_json(doc.at("taken_addresses"));
        if (doc.contains("links")) s.links = doc.at("links");
        return s;
    } catch (const std::exception& e) {
        spdlog::warn("ignoring malformed state file {}: {}", path.string(), e.what());
        return std::nullopt;
    }
}

void remove_state(const std::filesystem::path& path) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
}

}  // namespace nf::failoverd
