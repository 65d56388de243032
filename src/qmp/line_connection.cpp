#include "qmp/line_connection.h"

#include <sys/socket.h>

#include <cerrno>

namespace nf::qmp {

LineConnection::LineConnection(UniqueFd fd, std::size_t max_line, std::size_t max_pending_output)
    : fd_(std::move(fd)), input_(max_line), max_pending_output_(max_pending_output) {}

bool LineConnection::read_available(Input& input) {
    char buffer[8192];
    std::size_t read = 0;
    std::size_t lines = 0;
    while (read < kMaxReadPerCall && lines < kMaxLinesPerCall) {
        const ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
        if (n > 0) {
            read += static_cast<std::size_t>(n);
            input_.append(std::string_view(buffer, static_cast<std::size_t>(n)));
            // Drain completely: a line left in the buffer would wait for a poll that may never fire.
            while (auto line = input_.next()) {
                ++lines;
                if (line->oversized)
                    ++input.oversized;
                else
                    input.lines.push_back(std::move(line->text));
            }
            continue;
        }
        if (n == 0) return false;
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    return true;
}

bool LineConnection::send(std::string_view data) {
    if (pending_.size() + data.size() > max_pending_output_) return false;
    pending_.append(data);
    return flush();
}

bool LineConnection::flush() {
    while (!pending_.empty()) {
        // MSG_NOSIGNAL: a vanished peer is an error return here, not a SIGPIPE for the whole VMM.
        const ssize_t n = ::send(fd_.get(), pending_.data(), pending_.size(), MSG_NOSIGNAL);
        if (n > 0) {
            pending_.erase(0, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
    return true;
}

}  // namespace nf::qmp
