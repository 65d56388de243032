#include "qmp/line_buffer.h"

namespace nf::qmp {

LineBuffer::Fed LineBuffer::feed(std::string_view bytes) {
    Fed fed;
    while (!bytes.empty()) {
        const auto newline = bytes.find('\n');
        const std::string_view chunk = bytes.substr(0, newline);
        if (!discarding_) {
            if (partial_.size() + chunk.size() > max_line_) {
                discarding_ = true;
                partial_.clear();
                ++fed.oversized;
                ++oversized_total_;
            } else {
                partial_.append(chunk);
            }
        }
        if (newline == std::string_view::npos) break;
        if (!discarding_) {
            if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
            fed.lines.push_back(std::move(partial_));
        }
        partial_.clear();
        discarding_ = false;
        bytes.remove_prefix(newline + 1);
    }
    return fed;
}

}  // namespace nf::qmp
