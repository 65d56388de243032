// `failover-lab up` interrupted: Ctrl-C or SIGTERM roll back what it made (issue 9: it used to die half
// way, skipping its rollback); SIGKILL in the middle leaves a lab that a later `down` removes or a later
// `up` completes. The real failover-lab binary, copied next to the fake VMM and failoverd (it looks for
// its programs next to itself first); the fake failoverd is slow to make its master, so up is caught
// waiting for it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "lab/topology/command_lines.h"
#include "lab/topology/lab_names.h"
#include "lab_fixture.h"
#include "os/netns.h"
#include "os/rtnl.h"

namespace nf::lab {
namespace {

using namespace std::chrono_literals;
using testing::lab_is_gone;
using testing::ScopedLab;

class LabBinary {
public:
    LabBinary() : dir_(std::filesystem::temp_directory_path() / ("nflt-lab-" + std::to_string(::getpid()))) {
        std::filesystem::create_directories(dir_);
        for (const char* name : {kVmmBinary, kGuestBinary}) {
            std::filesystem::remove(dir_ / name);
            std::filesystem::create_symlink(NF_LAB_FAKE, dir_ / name);
        }
        std::filesystem::copy_file(NF_LAB_BIN, dir_ / "failover-lab", std::filesystem::copy_options::overwrite_existing);
    }
    ~LabBinary() { std::filesystem::remove_all(dir_); }
    std::filesystem::path bin() const { return dir_ / "failover-lab"; }
    const std::filesystem::path& dir() const { return dir_; }

private:
    std::filesystem::path dir_;
};

// failover-lab <args> as a child with NF_FAKE_MASTER_DELAY_MS=delay_ms; output in `log`.
pid_t spawn_lab(const LabBinary& lab, const std::vector<std::string>& args, int delay_ms, const std::string& log) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::setenv("NF_FAKE_MASTER_DELAY_MS", std::to_string(delay_ms).c_str(), 1);
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        std::vector<std::string> all = {lab.bin().string()};
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : all) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        std::this_thread::sleep_for(20ms);
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return std::nullopt;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class LabUpProcess : public ::testing::Test {
protected:
    LabUpProcess() {
        config_.vmm.start = true;
        config_.guest.start = true;
        std::ofstream(config_file_) << to_json(config_).dump(2);
    }
    ~LabUpProcess() override {
        std::filesystem::remove(config_file_);
        std::filesystem::remove(log_);
    }
    // Until up waits for the guest's master: the guest process is recorded and alive.
    bool up_is_waiting_for_the_guest() {
        const auto state = load_lab_state(config_.prefix);
        const auto* guest = state ? state->find_process("guest-vm1") : nullptr;
        return guest && process_alive(*guest);
    }
    bool wait_for(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!condition()) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            std::this_thread::sleep_for(20ms);
        }
        return true;
    }

    LabConfig config_ = testing::test_config();
    ScopedLab scoped_;
    LabBinary lab_;
    std::string config_file_ = "/tmp/nflt-interrupt-" + std::to_string(::getpid()) + ".json";
    std::string log_ = "/tmp/nflt-interrupt-" + std::to_string(::getpid()) + ".log";
};

class LabInterrupt : public LabUpProcess, public ::testing::WithParamInterface<int> {};

TEST_P(LabInterrupt, SignalDuringUpRollsBack) {
    const pid_t up = spawn_lab(lab_, {"up", "--config", config_file_}, 60'000, log_);
    ASSERT_TRUE(wait_for([&] { return up_is_waiting_for_the_guest(); }, 10s)) << read_file(log_);
    const auto guest = *load_lab_state(config_.prefix)->find_process("guest-vm1");
    ::kill(up, GetParam());
    const auto status = wait_exit(up, 20s);
    ASSERT_TRUE(status) << "up did not end after the signal\n" << read_file(log_);
    EXPECT_EQ(*status, 1) << read_file(log_);
    EXPECT_NE(read_file(log_).find("interrupted"), std::string::npos) << read_file(log_);
    EXPECT_FALSE(process_alive(guest));
    EXPECT_TRUE(lab_is_gone(config_.prefix)) << read_file(log_);
}

INSTANTIATE_TEST_SUITE_P(Signals, LabInterrupt, ::testing::Values(SIGINT, SIGTERM),
                         [](const ::testing::TestParamInfo<int>& info) {
                             return info.param == SIGINT ? std::string("sigint") : std::string("sigterm");
                         });

class LabKilledDuringUp : public LabUpProcess {};

// SIGKILL cannot be caught: what up made stays, and the next command recovers.
TEST_F(LabKilledDuringUp, DownRemovesWhatWasLeft) {
    const pid_t up = spawn_lab(lab_, {"up", "--config", config_file_}, 60'000, log_);
    ASSERT_TRUE(wait_for([&] { return up_is_waiting_for_the_guest(); }, 10s)) << read_file(log_);
    ::kill(up, SIGKILL);
    ASSERT_TRUE(wait_exit(up, 5s));
    EXPECT_FALSE(lab_is_gone(config_.prefix)) << "nothing was left to recover from";
    const pid_t down = spawn_lab(lab_, {"down", "--prefix", config_.prefix}, 0, log_);
    EXPECT_EQ(wait_exit(down, 30s), 0) << read_file(log_);
    EXPECT_TRUE(lab_is_gone(config_.prefix));
}

TEST_F(LabKilledDuringUp, NextUpCompletesTheLab) {
    // The guest makes its master 4 s after it starts: up is killed while waiting, the next up finds the
    // guest alive (recorded at once) and waits for the same master.
    const pid_t up = spawn_lab(lab_, {"up", "--config", config_file_}, 4'000, log_);
    ASSERT_TRUE(wait_for([&] { return up_is_waiting_for_the_guest(); }, 10s)) << read_file(log_);
    const auto guest = *load_lab_state(config_.prefix)->find_process("guest-vm1");
    ::kill(up, SIGKILL);
    ASSERT_TRUE(wait_exit(up, 5s));
    const pid_t again = spawn_lab(lab_, {"up", "--config", config_file_}, 4'000, log_);
    EXPECT_EQ(wait_exit(again, 30s), 0) << read_file(log_);
    const auto state = *load_lab_state(config_.prefix);
    EXPECT_EQ(state.find_process("guest-vm1")->pid, guest.pid) << "the guest was started twice";
    EXPECT_TRUE(process_alive(*state.find_process("vmm-vm1")));
    auto rtnl = os::Rtnl::in(os::Netns::open_named(LabNames(config_.prefix).netns("vm1")));
    const auto addresses = rtnl.addresses("eth0");
    EXPECT_NE(std::find(addresses.begin(), addresses.end(), config_.vms[0].ip), addresses.end());
}

}  // namespace
}  // namespace nf::lab
