#pragma once
// The control protocol between failoverd and failoverctl: one JSON object per line over a unix stream
// socket, in both directions.
//   {"cmd":"status"}                                 -> {"ok":true,"status":{...}}
//   {"cmd":"events"}                                 -> {"ok":true,"subscribed":"events"}, then one event
//                                                       object per line until the client disconnects
//   {"cmd":"set","key":"active","value":"auto"}      -> {"ok":true,"active":"auto"}
// Any failure                                        -> {"ok":false,"error":"..."}
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace nf::daemon {

// Who the user wants active: a forced slave, or the daemon's own choice.
enum class ActiveChoice { primary, standby, automatic };
std::string_view to_string(ActiveChoice choice);
std::optional<ActiveChoice> parse_active_choice(std::string_view text);

struct StatusRequest {};
struct EventsRequest {};
struct SetActiveRequest {
    ActiveChoice value;
};
using ControlRequest = std::variant<StatusRequest, EventsRequest, SetActiveRequest>;

// Throws nf::ConfigError with the text for the error reply ("unknown cmd 'x' (known: ...)").
ControlRequest parse_request(std::string_view line);

nlohmann::json ok_reply(nlohmann::json fields = nlohmann::json::object());
nlohmann::json error_reply(std::string_view message);
// Compact JSON plus the newline that frames it.
std::string to_line(const nlohmann::json& message);

// Splits a byte stream into lines, holding at most `max_line` bytes of an unfinished line. A longer line is
// reported once as oversized and skipped up to its newline, so one bad request costs one error reply.
class LineBuffer {
public:
    struct Line {
        std::string text;
        bool oversized = false;
    };

    explicit LineBuffer(std::size_t max_line) : max_line_(max_line) {}

    void append(std::string_view bytes) { buffer_.append(bytes); }
    std::optional<Line> next();
    std::size_t max_line() const { return max_line_; }

private:
    std::size_t max_line_;
    std::string buffer_;
    bool skipping_ = false;   // inside an oversized line already reported
};

}  // namespace nf::daemon
