#pragma once
// Splits a byte stream into bounded lines: the control socket, QMP and the device channel are all one JSON
// value per line. A peer that sends an endless line costs at most `max_line` bytes: the line is reported
// once as oversized (as soon as it passes the limit) and skipped up to its newline, and counted.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nf {

class LineBuffer {
public:
    struct Line {
        std::string text;        // without "\n" or "\r\n"; empty when oversized
        bool oversized = false;
    };

    explicit LineBuffer(std::size_t max_line) : max_line_(max_line) {}

    // Between two appends, call next() until nullopt: then at most `max_line` bytes stay buffered.
    void append(std::string_view bytes) { buffer_.append(bytes); }
    // The next complete line, or the report of an oversized one; nullopt when no line is complete.
    std::optional<Line> next();

    std::size_t max_line() const { return max_line_; }
    std::uint64_t oversized_total() const { return oversized_total_; }

private:
    void discard_all();

    std::size_t max_line_;
    std::string buffer_;
    std::size_t begin_ = 0;     // start of the first line not yet returned
    std::size_t scanned_ = 0;   // no newline in [begin_, scanned_): each byte is searched once
    bool skipping_ = false;     // inside an oversized line already reported
    std::uint64_t oversized_total_ = 0;
};

}  // namespace nf
