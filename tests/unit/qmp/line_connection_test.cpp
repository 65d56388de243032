// A line peer reads one share per call, so a peer that writes nonstop cannot hold the poll loop, and
// returns every line that share completed, so nothing waits in the buffer for a poll that never fires.
#include "qmp/line_connection.h"

#include <gtest/gtest.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <array>

namespace nf::qmp {
namespace {

struct Pair {
    Pair() {
        std::array<int, 2> fds{};
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds.data()) != 0)
            throw std::runtime_error("socketpair");
        ours = UniqueFd(fds[0]);
        peer = UniqueFd(fds[1]);
        const int size = 1 << 20;   // room for several shares at once
        ::setsockopt(peer.get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
        ::setsockopt(ours.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    // Writes what the socket takes; returns how much.
    std::size_t write(const std::string& bytes) {
        std::size_t sent = 0;
        while (sent < bytes.size()) {
            const ssize_t n = ::send(peer.get(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) break;
            sent += static_cast<std::size_t>(n);
        }
        return sent;
    }
    UniqueFd ours;
    UniqueFd peer;
};

TEST(LineConnection, ManyLinesComeOneShareAtATime) {
    Pair pair;
    const std::string line = std::string(999, 'x') + "\n";
    std::string lines;
    for (int i = 0; i < 200; ++i) lines += line;
    ASSERT_EQ(pair.write(lines), lines.size());
    LineConnection connection(std::move(pair.ours), 4096, 1 << 20);

    LineConnection::Input first;
    ASSERT_TRUE(connection.read_available(first));
    EXPECT_GE(first.lines.size(), LineConnection::kMaxLinesPerCall);
    EXPECT_LE(first.lines.size(), LineConnection::kMaxLinesPerCall + 9) << "at most one more read's worth";
    std::size_t total = first.lines.size();
    for (int calls = 0; total < 200 && calls < 10; ++calls) {
        LineConnection::Input more;
        ASSERT_TRUE(connection.read_available(more));
        total += more.lines.size();
    }
    EXPECT_EQ(total, 200u);
}

TEST(LineConnection, AnEndlessLineIsReadOneShareAtATime) {
    Pair pair;
    const std::size_t sent = pair.write(std::string(3 * LineConnection::kMaxReadPerCall, 'x'));
    ASSERT_GT(sent, 2 * LineConnection::kMaxReadPerCall);
    const int fd = pair.ours.get();   // still open: the connection owns it from here
    LineConnection connection(std::move(pair.ours), 1024, 1 << 20);
    LineConnection::Input input;
    ASSERT_TRUE(connection.read_available(input));
    EXPECT_EQ(input.oversized, 1u);
    EXPECT_TRUE(input.lines.empty());
    int left = 0;
    ::ioctl(fd, FIONREAD, &left);
    EXPECT_GE(static_cast<std::size_t>(left), sent - LineConnection::kMaxReadPerCall - 8192)
        << "one call read about one share, and left the rest in the socket";
}

TEST(LineConnection, PeerClosingAfterItsLastLineIsSeen) {
    Pair pair;
    pair.write("last\n");
    pair.peer.reset();
    LineConnection connection(std::move(pair.ours), 64, 1024);
    LineConnection::Input input;
    EXPECT_FALSE(connection.read_available(input));
    EXPECT_EQ(input.lines, (std::vector<std::string>{"last"}));
}

}  // namespace
}  // namespace nf::qmp
