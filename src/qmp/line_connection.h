#pragma once
// One non-blocking, line-oriented stream peer: bounded input lines and a bounded output queue, so a peer
// that stops reading cannot make us buffer without limit.
#include <cstddef>
#include <string>
#include <string_view>

#include "common/unique_fd.h"
#include "qmp/line_buffer.h"

namespace nf::qmp {

class LineConnection {
public:
    LineConnection(UniqueFd fd, std::size_t max_line, std::size_t max_pending_output);

    int fd() const { return fd_.get(); }
    // Reads everything available now. false: the peer closed or the socket failed.
    bool read_available(LineBuffer::Fed& fed);
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
