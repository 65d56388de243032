#include "vmm/migration_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "common/error.h"

namespace nf::vmm {
namespace {

using namespace std::chrono_literals;

MigrationUri uri(const std::string& text) { return std::get<MigrationUri>(parse_migration_uri(text)); }

class TempDir {
public:
    TempDir() {
        char name[] = "/tmp/nf-mig-vmm-XXXXXX";
        path_ = ::mkdtemp(name);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Accepts within 2 s and finishes the connect.
std::pair<MigrationConnection, MigrationConnection> connect_pair(MigrationListener& listener, const MigrationUri& to) {
    UniqueFd client = start_connect(to);
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    UniqueFd server;
    while (!server && std::chrono::steady_clock::now() < deadline) {
        wait_fd(listener.fd(), POLLIN, 100ms);
        server = listener.accept();
    }
    if (!server) throw std::runtime_error("no connection accepted");
    EXPECT_TRUE(wait_fd(client.get(), POLLOUT, 2000ms));
    EXPECT_EQ(finish_connect(client.get()), 0);
    return {MigrationConnection(std::move(client), to.passes_fds()), MigrationConnection(std::move(server), to.passes_fds())};
}

// Reads until `size` bytes (or EOF) within 2 s.
std::vector<std::byte> read_all(MigrationConnection& connection, std::size_t size) {
    std::vector<std::byte> in;
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while (in.size() < size && std::chrono::steady_clock::now() < deadline) {
        wait_fd(connection.fd(), POLLIN, 100ms);
        if (connection.read(in) == MigrationConnection::ReadResult::Eof) break;
    }
    return in;
}

std::vector<std::byte> pattern(std::size_t size) {
    std::vector<std::byte> out(size);
    for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>(i * 7 + 3);
    return out;
}

TEST(MigrationSocket, UnixStreamCarriesBytesAndAnFdAtItsPlace) {
    TempDir dir;
    const auto to = uri("unix:" + dir.path() + "/vm1.mig");
    MigrationListener listener(to);
    auto [source, destination] = connect_pair(listener, to);

    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
    const auto head = pattern(1000), tail = pattern(3000);
    source.queue(head);
    source.queue_fd(write_end.get());
    source.queue(tail);
    EXPECT_EQ(source.queued_bytes(), 4000u);
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while (!source.flush() && std::chrono::steady_clock::now() < deadline) wait_fd(source.fd(), POLLOUT, 100ms);
    EXPECT_TRUE(source.idle());
    EXPECT_EQ(source.counters().fds_out, 1u);

    const auto in = read_all(destination, 4000);
    ASSERT_EQ(in.size(), 4000u);
    EXPECT_TRUE(std::equal(head.begin(), head.end(), in.begin()));
    EXPECT_TRUE(std::equal(tail.begin(), tail.end(), in.begin() + 1000));
    auto passed = destination.take_fd();
    ASSERT_TRUE(passed.has_value());
    EXPECT_FALSE(destination.take_fd().has_value());
    // The same pipe: what goes into the passed fd comes out of our read end.
    ASSERT_EQ(::write(passed->get(), "x", 1), 1);
    char c = 0;
    ASSERT_EQ(::read(read_end.get(), &c, 1), 1);
    EXPECT_EQ(c, 'x');
    EXPECT_NE(::fcntl(passed->get(), F_GETFD) & FD_CLOEXEC, 0);
    EXPECT_EQ(destination.counters().fds_in, 1u);
}

TEST(MigrationSocket, FdsBeyondTheLimitAreClosedAndCounted) {
    TempDir dir;
    const auto to = uri("unix:" + dir.path() + "/vm1.mig");
    MigrationListener listener(to);
    UniqueFd client = start_connect(to);
    UniqueFd server;
    for (int i = 0; i < 20 && !server; ++i) {
        wait_fd(listener.fd(), POLLIN, 100ms);
        server = listener.accept();
    }
    ASSERT_TRUE(server);
    MigrationConnection source(std::move(client), true);
    MigrationConnection destination(std::move(server), true, {.max_queued_bytes = 1 << 20, .max_read = 4096, .max_fds = 1});
    const std::byte one{1};
    for (int i = 0; i < 3; ++i) {
        source.queue_fd(STDIN_FILENO);
        source.queue(std::span(&one, 1));
    }
    ASSERT_TRUE(source.flush());
    const auto in = read_all(destination, 3);
    EXPECT_EQ(in.size(), 3u);
    EXPECT_EQ(destination.counters().fds_in, 1u);
    EXPECT_EQ(destination.counters().fds_refused, 2u);
}

TEST(MigrationSocket, TcpLoopbackCarriesBytesButNoFds) {
    // Port 0 is not a valid URI port: find a free one by binding, then listen on it.
    MigrationListener* listener = nullptr;
    std::unique_ptr<MigrationListener> owner;
    MigrationUri to;
    for (int port = 47000 + (::getpid() % 1000); port < 49000 && !owner; port += 7) {
        to = uri("tcp:127.0.0.1:" + std::to_string(port));
        try {
            owner = std::make_unique<MigrationListener>(to);
        } catch (const SystemError&) {
        }
    }
    ASSERT_TRUE(owner);
    listener = owner.get();
    auto [source, destination] = connect_pair(*listener, to);
    EXPECT_THROW(source.queue_fd(STDIN_FILENO), std::logic_error);
    const auto data = pattern(200000);  // more than one read and one socket buffer
    source.queue(data);
    std::vector<std::byte> in;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (in.size() < data.size() && std::chrono::steady_clock::now() < deadline) {
        source.flush();
        destination.read(in);
    }
    EXPECT_EQ(in, data);
    EXPECT_GT(source.counters().bytes_out, 0u);
    EXPECT_EQ(destination.counters().bytes_in, data.size());
}

TEST(MigrationSocket, OutboundQueueIsBounded) {
    TempDir dir;
    const auto to = uri("unix:" + dir.path() + "/vm1.mig");
    MigrationListener listener(to);
    UniqueFd client = start_connect(to);
    MigrationConnection source(std::move(client), true, {.max_queued_bytes = 1000, .max_read = 4096, .max_fds = 8});
    const auto data = pattern(600);
    source.queue(data);
    EXPECT_THROW(source.queue(data), std::length_error);
    EXPECT_EQ(source.queued_bytes(), 600u);  // the refused chunk changed nothing
}

TEST(MigrationSocket, EofAndAPeerThatIsGone) {
    TempDir dir;
    const auto to = uri("unix:" + dir.path() + "/vm1.mig");
    MigrationListener listener(to);
    auto pair = connect_pair(listener, to);
    MigrationConnection source = std::move(pair.first);
    {
        MigrationConnection gone = std::move(pair.second);
    }
    std::vector<std::byte> in;
    EXPECT_EQ(source.read(in), MigrationConnection::ReadResult::Eof);
    source.queue(pattern(10));
    EXPECT_THROW(source.flush(), SystemError);  // EPIPE, never SIGPIPE
}

TEST(MigrationSocket, ConnectToNothingFailsAtOnceWithTheUri) {
    TempDir dir;
    try {
        start_connect(uri("unix:" + dir.path() + "/nobody.mig"));
        FAIL() << "connected to nothing";
    } catch (const SystemError& e) {
        EXPECT_NE(std::string(e.what()).find("nobody.mig"), std::string::npos);
        EXPECT_EQ(e.errno_value(), ENOENT);
    }
}

TEST(MigrationSocket, ListenerRefusesAServedPathAndUnlinksItsOwn) {
    TempDir dir;
    const std::string path = dir.path() + "/vm1.mig";
    {
        MigrationListener listener(uri("unix:" + path));
        EXPECT_THROW(MigrationListener{uri("unix:" + path)}, SystemError);
        EXPECT_TRUE(std::filesystem::exists(path));
    }
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(MigrationSocket, CopyFdFromAProcess) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
    UniqueFd copy = copy_fd_from_process(::getpid(), write_end.get());
    ASSERT_EQ(::write(copy.get(), "y", 1), 1);
    char c = 0;
    ASSERT_EQ(::read(read_end.get(), &c, 1), 1);
    EXPECT_EQ(c, 'y');
    try {
        copy_fd_from_process(::getpid(), 100000);
        FAIL() << "copied an fd that does not exist";
    } catch (const SystemError& e) {
        EXPECT_NE(std::string(e.what()).find("fd 100000"), std::string::npos);
    }
}

}  // namespace
}  // namespace nf::vmm
