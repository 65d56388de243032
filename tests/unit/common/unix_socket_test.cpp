// The shared unix socket helpers: how a path is claimed (parent directory, stale socket, live server,
// not a socket, 0600), released (only our own file), probed and connected to.
#include "common/unix_socket.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "common/error.h"

namespace nf {
namespace {

using std::chrono::milliseconds;

class UnixSocket : public ::testing::Test {
protected:
    UnixSocket() {
        std::string pattern = (std::filesystem::temp_directory_path() / "nf-common-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir = pattern;
    }
    ~UnixSocket() override {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    // What a crashed server leaves: a socket file, bound once, nobody listening.
    void leave_stale_socket(const std::string& at) {
        UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strcpy(addr.sun_path, at.c_str());
        ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    }

    int errno_of(const std::function<void()>& call) {
        try {
            call();
        } catch (const SystemError& e) {
            return e.errno_value();
        }
        return 0;
    }

    std::filesystem::path dir;
    std::string path;
};

TEST_F(UnixSocket, ListenCreatesTheDirectoryAndA0600Socket) {
    path = (dir / "run/nf/x.sock").string();
    const UnixListener listener = listen_unix(path);
    struct stat st{};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_TRUE(unix_socket_served(path));
}

TEST_F(UnixSocket, ListenerUnlinksOnlyItsOwnFile) {
    path = (dir / "x.sock").string();
    {
        UnixListener moved_from = listen_unix(path);
        const UnixListener listener = std::move(moved_from);
    }
    EXPECT_FALSE(std::filesystem::exists(path));

    {
        const UnixListener listener = listen_unix(path);
        std::filesystem::remove(path);   // someone replaced the file meanwhile
        std::ofstream(path) << "not ours";
    }
    EXPECT_TRUE(std::filesystem::is_regular_file(path));
}

TEST_F(UnixSocket, StaleSocketIsReplacedLiveOneAndOtherFilesAreNot) {
    path = (dir / "x.sock").string();
    leave_stale_socket(path);
    EXPECT_FALSE(unix_socket_served(path));
    UnixListener first = listen_unix(path);
    EXPECT_EQ(errno_of([&] { listen_unix(path); }), EADDRINUSE);
    EXPECT_TRUE(unix_socket_served(path)) << "the refused second listener must leave the first one's file";

    const std::string file = (dir / "file.sock").string();
    std::ofstream(file) << "precious";
    EXPECT_EQ(errno_of([&] { listen_unix(file); }), EEXIST);
    EXPECT_TRUE(std::filesystem::is_regular_file(file));
}

TEST_F(UnixSocket, ProbeOfAMissingPathIsNoServer) {
    EXPECT_FALSE(unix_socket_served((dir / "none.sock").string()));
}

TEST_F(UnixSocket, TooLongAPathIsRefusedByName) {
    const std::string long_path = (dir / std::string(200, 'x')).string();
    EXPECT_EQ(errno_of([&] { listen_unix(long_path); }), ENAMETOOLONG);
    EXPECT_EQ(errno_of([&] { connect_unix(long_path, milliseconds(10)); }), ENAMETOOLONG);
}

TEST_F(UnixSocket, ConnectWithoutWaitingFailsAtOnce) {
    const auto none = (dir / "none.sock").string();
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(errno_of([&] { connect_unix(none, milliseconds(2000), ServerWait::no); }), ENOENT);
    EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
}

TEST_F(UnixSocket, ConnectWaitsForTheServerUntilTheDeadline) {
    const auto none = (dir / "none.sock").string();
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(errno_of([&] { connect_unix(none, milliseconds(50)); }), ENOENT);
    EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(50));
}

TEST_F(UnixSocket, ConnectAndAccept) {
    path = (dir / "x.sock").string();
    const UnixListener listener = listen_unix(path);
    EXPECT_FALSE(accept_unix(listener.fd())) << "nobody is waiting yet";
    const UniqueFd client = connect_unix(path, milliseconds(1000), ServerWait::no);
    ASSERT_TRUE(wait_fd(listener.fd(), POLLIN, milliseconds(1000)));
    const UniqueFd server = accept_unix(listener.fd());
    ASSERT_TRUE(server);
    ASSERT_EQ(::send(client.get(), "hi", 2, MSG_NOSIGNAL), 2);
    EXPECT_TRUE(wait_fd(server.get(), POLLIN, milliseconds(1000)));
    EXPECT_FALSE(wait_fd(client.get(), POLLIN, milliseconds(10)));
}

}  // namespace
}  // namespace nf
