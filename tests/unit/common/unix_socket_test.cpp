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

#include "../../support/as_user.h"
#include "common/error.h"
#include "common/safe_file.h"

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

// Issue 9, defect 9: directories are made 0755 whatever the umask, and an unsafe parent is refused.
TEST_F(UnixSocket, ParentDirectoriesAreSafeWhateverTheUmask) {
    const mode_t old = ::umask(0);
    path = (dir / "a/b/x.sock").string();
    const UnixListener listener = listen_unix(path);
    ::umask(old);
    struct stat st{};
    ASSERT_EQ(::stat((dir / "a").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0755u);
    ASSERT_EQ(::stat((dir / "a/b").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0755u);
    ASSERT_EQ(::lstat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << "born 0600 (fchmod before bind), even with umask 0";
}

TEST_F(UnixSocket, UnsafeParentIsRefused) {
    std::filesystem::create_directories(dir / "open");
    ::chmod((dir / "open").c_str(), 0777);
    EXPECT_EQ(errno_of([&] { listen_unix((dir / "open/x.sock").string()); }), EPERM);
    ::chmod((dir / "open").c_str(), 0775);
    EXPECT_EQ(errno_of([&] { listen_unix((dir / "open/x.sock").string()); }), EPERM);
    ::chmod((dir / "open").c_str(), 01777);  // sticky, like /tmp: others cannot remove our socket
    EXPECT_EQ(errno_of([&] { listen_unix((dir / "open/x.sock").string()); }), 0);
    ::chown((dir / "open").c_str(), test::kNobodyUid, 0);
    ::chmod((dir / "open").c_str(), 0755);
    EXPECT_EQ(errno_of([&] { listen_unix((dir / "open/x.sock").string()); }), EPERM) << "owned by someone else";
}

TEST_F(UnixSocket, ASymlinkAtTheSocketPathIsNeverFollowed) {
    const auto target = dir / "precious";
    std::ofstream(target) << "data";
    ::chmod(target.c_str(), 0644);
    path = (dir / "x.sock").string();
    std::filesystem::create_symlink(target, path);
    EXPECT_EQ(errno_of([&] { listen_unix(path); }), EEXIST);
    struct stat st{};
    ASSERT_EQ(::stat(target.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(UnixSocket, GroupAccessMakesA0660GroupOwnedSocket) {
    path = (dir / "g.sock").string();
    const UnixListener listener = listen_unix(path, 4, SocketAccess{test::kNogroupGid});
    struct stat st{};
    ASSERT_EQ(::lstat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0660u);
    EXPECT_EQ(st.st_gid, test::kNogroupGid);
    EXPECT_EQ(resolve_group("--g", "0"), 0u);
    EXPECT_THROW(resolve_group("--g", "no-such-group-nf"), ConfigError);
}

// SO_PEERCRED: a peer that is neither root, us, nor in the socket's group is refused at accept, even
// when the socket file's mode would let it connect.
TEST_F(UnixSocket, PeerCredentialsAreCheckedAtAccept) {
    ::chmod(dir.c_str(), 0755);
    for (const bool with_group : {false, true}) {
        path = (dir / (with_group ? "grp.sock" : "root.sock")).string();
        const SocketAccess access = with_group ? SocketAccess{test::kNogroupGid} : SocketAccess{};
        const UnixListener listener = listen_unix(path, 4, access);
        ::chmod(path.c_str(), 0666);  // as if the mode were loosened: the credential check still holds
        std::uint64_t refused = 0;
        UniqueFd accepted;
        // The connection waits in the backlog after the child is gone; SO_PEERCRED is fixed at connect.
        const int child = test::run_as(test::kNobodyUid, test::kNogroupGid, [&] {
            const UniqueFd fd = connect_unix(path, milliseconds(2000), ServerWait::no);
            return 0;
        });
        ASSERT_EQ(child, 0) << "nobody could not connect at all";
        ASSERT_TRUE(wait_fd(listener.fd(), POLLIN, milliseconds(3000)));
        accepted = accept_unix(listener.fd(), access, refused);
        EXPECT_EQ(static_cast<bool>(accepted), with_group);
        EXPECT_EQ(refused, with_group ? 0u : 1u);
    }
}

// Issue 9, defect 9: state and run files are read and written without following a planted symlink.
TEST_F(UnixSocket, StateFilesNeverFollowSymlinks) {
    const auto target = dir / "target";
    std::ofstream(target) << "secret";
    const auto state = dir / "run/x.state";
    write_file_atomic(state, "one");
    EXPECT_EQ(read_file_nofollow(state), "one");
    std::filesystem::remove(state);
    std::filesystem::create_symlink(target, state);
    EXPECT_EQ(errno_of([&] { read_file_nofollow(state); }), ELOOP);
    std::filesystem::create_symlink(target, state.string() + ".tmp");
    write_file_atomic(state, "two");   // replaces the links, never writes through them
    EXPECT_EQ(read_file_nofollow(state), "two");
    std::ifstream in(target);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, "secret");
    EXPECT_FALSE(read_file_nofollow(dir / "run/missing"));
}

}  // namespace
}  // namespace nf
