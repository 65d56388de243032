#include "failoverd/state_file.h"

#include <fstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/error.h"

namespace nf::failoverd {

std::filesystem::path state_file_path(const std::string& directory, const std::string& key) {
    return std::filesystem::path(directory) / (key + ".state");
}

void write_state(const std::filesystem::path& path, const DaemonState& s) {
    std::filesystem::create_directories(path.parent_path());
    const nlohmann::json doc = {{"master", s.master},   {"model", s.model},
                                {"datapath", s.datapath}, {"standby", s.standby},
                                {"standby_was_up", s.standby_was_up}, {"phase", s.phase},
                                {"leftovers", s.leftovers}};
    // Write then rename: a crash mid-write never leaves a half file for the next start to trip on.
    const auto tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << doc.dump(2) << '\n';
        if (!out) throw SystemError(EIO, "write " + tmp);
    }
    std::filesystem::rename(tmp, path);
}

std::optional<DaemonState> read_state(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    try {
        const auto doc = nlohmann::json::parse(in);
        DaemonState s;
        s.master = doc.at("master").get<std::string>();
        s.model = doc.at("model").get<std::string>();
        s.datapath = doc.at("datapath").get<std::string>();
        s.standby = doc.at("standby").get<std::string>();
        s.standby_was_up = doc.value("standby_was_up", false);
        s.phase = doc.value("phase", "running");  // files without it were written after a finished start
        if (doc.contains("leftovers")) s.leftovers = doc.at("leftovers").get<std::vector<std::string>>();
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
