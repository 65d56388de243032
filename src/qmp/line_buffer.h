#pragma once
// Splits a byte stream into bounded lines. QMP and the device channel are both one JSON value per line;
// a peer that sends an endless line must cost us at most `max_line` bytes, and is counted.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nf::qmp {

class LineBuffer {
public:
    explicit LineBuffer(std::size_t max_line) : max_line_(max_line) {}

    struct Fed {
        std::vector<std::string> lines;  // complete lines, without "\n" or "\r\n"
        std::size_t oversized = 0;       // lines dropped for exceeding max_line during this feed
    };
    // An oversized line is reported as soon as it passes the limit, then skipped up to its newline.
    Fed feed(std::string_view bytes);

    std::uint64_t oversized_total() const { return oversized_total_; }
    std::size_t max_line() const { return max_line_; }

private:
    std::size_t max_line_;
    std::string partial_;
    bool discarding_ = false;
    std::uint64_t oversized_total_ = 0;
};

}  // namespace nf::qmp
