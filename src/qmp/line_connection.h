#pragma once
// One non-blocking, line-oriented stream peer: bounded input lines and a bounded output queue, so a peer
// that stops reading cannot make us buffer without limit, and a bounded share of reading per call, so a
// peer that writes nonstop cannot hold our poll loop.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/line_buffer.h"
#include "common/unique_fd.h"

namespace nf::qmp {

class LineConnection {
public:
    // One call's share: no more reads once this many bytes came in, or this many lines are complete.
    static constexpr std::size_t kMaxReadPerCall = 64 * 1024;
    static constexpr std::size_t kMaxLinesPerCall = 64;

    // What one read_available() brought in.
    struct Input {
        std::vector<std::string> lines;   // complete lines, without "\n" or "\r\n"
        std::size_t oversized = 0;        // lines dropped for exceeding max_line
    };

    LineConnection(UniqueFd fd, std::size_t max_line, std::size_t max_pending_output);

    int fd() const { return fd_.get(); }
    // Reads what is available, up to one share; the rest stays in the socket, which polls readable again.
    // Returns every line completed by what it read. false: the peer closed or the socket failed.
    bool read_available(Input& input);
    // Queues `data` and writes what the socket takes. false: the peer is gone or the queue bound was hit.
    bool send(std::string_view data);
    // Writes queued output; false when the peer is gone.
    bool flush();
    bool wants_write() const { return !pending_.empty(); }
    const LineBuffer& input() const { return input_; }

private:
    UniqueFd fd_;
    LineBuffer input_;
    std::string pending_;
    std::size_t max_pending_output_;
};

}  // namespace nf::qmp
