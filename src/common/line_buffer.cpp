#include "common/line_buffer.h"

namespace nf {

std::optional<LineBuffer::Line> LineBuffer::next() {
    for (;;) {
        const auto newline = buffer_.find('\n', scanned_);
        if (newline == std::string::npos) {
            if (skipping_) {
                discard_all();
                return std::nullopt;
            }
            // Every complete line is out: keep only the unfinished one, at the front.
            buffer_.erase(0, begin_);
            begin_ = 0;
            scanned_ = buffer_.size();
            if (buffer_.size() <= max_line_) return std::nullopt;
            discard_all();
            skipping_ = true;
            ++oversized_total_;
            return Line{{}, true};
        }
        const std::size_t start = begin_;
        begin_ = scanned_ = newline + 1;
        if (skipping_) {
            skipping_ = false;   // the end of the line already reported
            continue;
        }
        const std::size_t length = newline - start;
        if (length > max_line_) {
            ++oversized_total_;
            return Line{{}, true};
        }
        Line line{buffer_.substr(start, length), false};
        if (!line.text.empty() && line.text.back() == '\r') line.text.pop_back();
        return line;
    }
}

void LineBuffer::discard_all() {
    buffer_.clear();
    begin_ = scanned_ = 0;
}

}  // namespace nf
