// Supervised processes: started inside a lab netns and cgroup, logged, found alive, stopped; readiness waits.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/unique_fd.h"
#include "lab/topology/lab_names.h"
#include "lab/topology/readiness.h"
#include "lab_fixture.h"
#include "os/cgroup.h"
#include "os/netns.h"

namespace nf::lab {
namespace {

using namespace std::chrono_literals;
using testing::ScopedLab;
using testing::test_config;

std::filesystem::path scratch(const std::string& name) {
    return std::filesystem::temp_directory_path() / ("nflt-" + std::to_string(::getpid()) + "-" + name);
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream out;
    out << in.rdbuf();
    return out.str();
}

ino_t netns_inode_of(pid_t pid) {
    struct stat st {};
    EXPECT_EQ(::stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &st), 0);
    return st.st_ino;
}

template <class F>
std::string system_error(F&& f) {
    try {
        f();
    } catch (const SystemError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no SystemError";
    return "";
}

class LabProcess : public ::testing::Test {
protected:
    void SetUp() override { lab_up(config_); }
    LabConfig config_ = test_config();
    ScopedLab lab_;
    LabNames names_{config_.prefix};
};

TEST_F(LabProcess, RunsInTheVmNetnsAndCgroupAndStops) {
    const auto record = spawn_process({"sleeper", {"sleep", "600"}, names_.netns("vm1"), names_.vm_cgroup("vm1"),
                                       names_.log_file("sleeper")});
    EXPECT_TRUE(process_alive(record));
    EXPECT_NE(record.start_time, 0u);
    EXPECT_EQ(record.argv[0], "/usr/bin/sleep");  // resolved through PATH
    EXPECT_EQ(netns_inode_of(record.pid), os::Netns::open_named(names_.netns("vm1")).inode());
    EXPECT_EQ(os::Cgroup2::open(names_.vm_cgroup("vm1")).pids(), std::vector<pid_t>{record.pid});

    EXPECT_TRUE(stop_process(record, 2s));
    EXPECT_FALSE(process_alive(record));
    EXPECT_FALSE(stop_process(record, 2s));  // already gone: nothing to do
}

TEST_F(LabProcess, OutputGoesToTheLogFile) {
    const auto log = names_.log_file("talker");
    const auto record = spawn_process({"talker", {"sh", "-c", "echo to-stdout; echo to-stderr >&2"}, names_.netns("client"),
                                       "", log});
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    while (process_alive(record) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    const auto text = read_file(log);
    EXPECT_NE(text.find("to-stdout"), std::string::npos) << text;
    EXPECT_NE(text.find("to-stderr"), std::string::npos) << text;
}

TEST(Process, MissingBinaryNetnsOrCgroupIsAClearError) {
    const auto log = scratch("missing.log");
    EXPECT_NE(system_error([&] { spawn_process({"ghost", {"nf-no-such-binary"}, "", "", log}); }).find("'nf-no-such-binary' is not an executable"),
              std::string::npos);
    EXPECT_NE(system_error([&] { spawn_process({"lost", {"sleep", "1"}, "nflt-no-such-netns", "", log}); }).find("nflt-no-such-netns"),
              std::string::npos);
    EXPECT_NE(system_error([&] { spawn_process({"lost", {"sleep", "1"}, "", "netfailover/nflt-no-such-group", log}); })
                  .find("nflt-no-such-group"),
              std::string::npos);
    std::filesystem::remove(log);
}

TEST(Process, ExecFailureIsReportedWithTheStep) {
    const auto script = scratch("not-a-program");
    {
        std::ofstream out(script);
        out << "\x01\x02 not an ELF and no #!\n";
    }
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    const auto log = scratch("exec.log");
    const auto message = system_error([&] { spawn_process({"broken", {script.string()}, "", "", log}); });
    EXPECT_NE(message.find("start broken: could not exec"), std::string::npos) << message;
    std::filesystem::remove(script);
    std::filesystem::remove(log);
}

TEST(Process, ChildStuckBeforeExecIsKilledAndItsStepNamed) {
    // Joining a frozen cgroup stops the child between the cgroup.procs write and exec.
    const std::string group = "nfw-stall-" + std::to_string(::getpid());
    auto cgroup = os::Cgroup2::create(group);
    cgroup.freeze();
    const auto log = scratch("stall.log");
    ProcessSpec spec{"staller", {"sleep", "600"}, "", group, log};
    spec.start_timeout = 300ms;
    const auto started = std::chrono::steady_clock::now();
    std::string message;
    try {
        spawn_process(spec);
        ADD_FAILURE() << "started in a frozen cgroup";
    } catch (const SystemError& e) {
        EXPECT_EQ(e.errno_value(), ETIMEDOUT);
        message = e.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    EXPECT_NE(message.find("start staller: no exec within 300 ms, stuck trying to join the cgroup"), std::string::npos)
        << message;
    EXPECT_NE(message.find("killed"), std::string::npos) << message;
    cgroup.thaw();
    EXPECT_NO_THROW(cgroup.remove());  // empty again: the child was killed, not left frozen
    std::filesystem::remove(log);
}

TEST(Process, ReusedPidIsNotOurs) {
    ProcessRecord self{"self", ::getpid(), *process_start_time(::getpid()), {}, "", "", ""};
    EXPECT_TRUE(process_alive(self));
    self.start_time += 1;
    EXPECT_FALSE(process_alive(self));
    self.start_time = 0;  // never saw it running: matches nothing
    EXPECT_FALSE(process_alive(self));
}

TEST(Process, FindExecutableSearchesTheGivenDirs) {
    const auto dir = scratch("bin");
    std::filesystem::create_directories(dir);
    { std::ofstream(dir / "tool") << "#!/bin/sh\n"; }
    EXPECT_FALSE(find_executable("tool", {dir}));  // not executable yet
    std::filesystem::permissions(dir / "tool", std::filesystem::perms::owner_all);
    EXPECT_EQ(find_executable("tool", {"/nonexistent", dir}), dir / "tool");
    EXPECT_EQ(find_executable((dir / "tool").string(), {}), dir / "tool");
    EXPECT_FALSE(find_executable("tool", {"/nonexistent"}));
    std::filesystem::remove_all(dir);
}

// A listening unix socket at `path` for the life of the object.
class Listener {
public:
    explicit Listener(const std::filesystem::path& path) : path_(path), fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        EXPECT_EQ(::listen(fd_.get(), 4), 0);
    }
    ~Listener() { std::filesystem::remove(path_); }

private:
    std::filesystem::path path_;
    UniqueFd fd_;
};

TEST(Readiness, ReturnsOnceTheSocketAccepts) {
    const auto path = scratch("ready.sock");
    std::optional<Listener> listener;
    std::thread later([&] {
        std::this_thread::sleep_for(50ms);
        listener.emplace(path);
    });
    EXPECT_NO_THROW(wait_for_unix_socket(path, 3s));
    later.join();
}

TEST(Readiness, TimeoutNamesTheSocket) {
    const auto path = scratch("never.sock");
    const auto started = std::chrono::steady_clock::now();
    const auto message = system_error([&] { wait_for_unix_socket(path, 100ms); });
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_NE(message.find(path.string() + " did not accept connections within 100 ms"), std::string::npos) << message;
}

TEST(Readiness, OwnerThatDiesFailsAtOnceWithItsLog) {
    const auto log = scratch("quitter.log");
    const auto owner = spawn_process({"quitter", {"sleep", "0.05"}, "", "", log});
    const auto started = std::chrono::steady_clock::now();
    const auto message = system_error([&] { wait_for_unix_socket(scratch("quitter.sock"), 10s, &owner); });
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    EXPECT_NE(message.find("quitter"), std::string::npos) << message;
    EXPECT_NE(message.find(log.string()), std::string::npos) << message;
    EXPECT_NE(message.find("exited before"), std::string::npos) << message;
    std::filesystem::remove(log);
}

}  // namespace
}  // namespace nf::lab
