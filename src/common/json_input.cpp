#include "common/json_input.h"

#include <vector>

namespace nf {

using nlohmann::json;

namespace {

// Thrown from the parser callback to stop at the first container past the limit: a callback that
// returns false only discards the value and the parse would go on through the whole input.
struct TooDeep {};

// The path to the value being parsed, kept from the parser callback's events so an error can name it.
class PathTracker {
public:
    void on(json::parse_event_t event, const json& parsed) {
        switch (event) {
        case json::parse_event_t::object_start: frames_.push_back({false, {}, 0}); break;
        case json::parse_event_t::array_start: frames_.push_back({true, {}, 0}); break;
        case json::parse_event_t::key:
            if (!frames_.empty() && parsed.is_string()) frames_.back().key = parsed.get<std::string>();
            break;
        case json::parse_event_t::object_end:
        case json::parse_event_t::array_end:
            if (!frames_.empty()) frames_.pop_back();
            element_done();
            break;
        case json::parse_event_t::value: element_done(); break;
        }
    }

    std::string path() const {
        std::string out;
        for (const auto& frame : frames_) {
            if (frame.array) out += "[" + std::to_string(frame.index) + "]";
            else if (!frame.key.empty()) out += (out.empty() ? "" : ".") + frame.key;
        }
        return out;
    }

private:
    struct Frame {
        bool array;
        std::string key;
        std::size_t index;
    };
    void element_done() {
        if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
    }
    std::vector<Frame> frames_;
};

// nlohmann prefixes "[json.exception.parse_error.101] "; a reader only needs the part after it.
std::string without_prefix(const std::string& what) {
    const auto bracket = what.find("] ");
    return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

}  // namespace

JsonInput parse_json_input(std::string_view text, std::size_t max_depth) {
    JsonInput result;
    PathTracker tracker;
    try {
        result.value = json::parse(text.begin(), text.end(),
                                   [&](int depth, json::parse_event_t event, json& parsed) {
                                       const bool opens = event == json::parse_event_t::object_start ||
                                                          event == json::parse_event_t::array_start;
                                       if (opens && static_cast<std::size_t>(depth) >= max_depth) throw TooDeep{};
                                       tracker.on(event, parsed);
                                       return true;
                                   });
    } catch (const TooDeep&) {
        result.error = "JSON nested deeper than " + std::to_string(max_depth) + " levels";
    } catch (const json::exception& e) {
        // parse_error (syntax, bad UTF-8) and out_of_range (number overflow, "1e999") alike.
        result.error = without_prefix(e.what());
    }
    if (!result.value) result.path = tracker.path();
    return result;
}

std::string dump_json(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace nf
