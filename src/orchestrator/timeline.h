#pragma once
// Every step, undo and QMP event of one run, with timestamps: what --json prints and what tests assert.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nf::orchestrator {

enum class Side { Source, Destination, Host };
const char* to_string(Side side);

struct TimelineEntry {
    std::int64_t wall_us = 0;   // when (wall clock, µs since the epoch; a QMP event's own timestamp)
    std::string kind;           // "step", "undo", "event", "note"
    std::string name;           // step name, event name
    std::string status;         // step/undo: "begin", "ok", "failed", "skipped"; event/note: ""
    Side side = Side::Host;
    nlohmann::json detail = nlohmann::json::object();
};

class Timeline {
public:
    explicit Timeline(std::int64_t start_wall_us = 0) : start_us_(start_wall_us) {}
    void set_start(std::int64_t wall_us) { start_us_ = wall_us; }
    void add(TimelineEntry entry) { entries_.push_back(std::move(entry)); }
    const std::vector<TimelineEntry>& entries() const { return entries_; }

    // Entries in time order (QMP events from the two VMMs arrive interleaved with our own records).
    std::vector<TimelineEntry> sorted() const;
    // [{"t_ms": since start, "wall_us", "kind", "name", "status", "side", "detail"}...]
    nlohmann::json to_json() const;
    // Names of entries of `kind` (optionally of one status), in time order: what tests compare.
    std::vector<std::string> names(const std::string& kind, const std::string& status = "") const;

private:
    std::int64_t start_us_ = 0;
    std::vector<TimelineEntry> entries_;
};

}  // namespace nf::orchestrator
