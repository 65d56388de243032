// up with vmm.start/guest.start: the VMM runs in its host, failoverd in the VM, each in its cgroup, with
// the contract's command lines; the VM's IP lands on the master; up twice keeps them; down stops them.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "lab/topology/command_lines.h"
#include "lab/topology/lab_names.h"
#include "lab_fixture.h"
#include "os/cgroup.h"
#include "os/netns.h"
#include "os/rtnl.h"

namespace nf::lab {
namespace {

using testing::lab_is_gone;
using testing::ScopedLab;

// A directory with failover-vmm and failoverd linked to the fake; removed at the end.
class FakeBinaries {
public:
    FakeBinaries() : dir_(std::filesystem::temp_directory_path() / ("nflt-bin-" + std::to_string(::getpid()))) {
        std::filesystem::create_directories(dir_);
        for (const char* name : {kVmmBinary, kGuestBinary}) {
            std::filesystem::remove(dir_ / name);
            std::filesystem::create_symlink(NF_LAB_FAKE, dir_ / name);
        }
    }
    ~FakeBinaries() { std::filesystem::remove_all(dir_); }
    const std::filesystem::path& dir() const { return dir_; }

private:
    std::filesystem::path dir_;
};

std::string cgroup_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
    for (std::string line; std::getline(in, line);)
        if (line.starts_with("0::")) return line.substr(3);
    return "";
}

ino_t netns_of(pid_t pid) {
    struct stat st {};
    ::stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &st);
    return st.st_ino;
}

class LabWithProcesses : public ::testing::Test {
protected:
    LabWithProcesses() {
        config_.vmm.start = true;
        config_.guest.start = true;
        options_.binary_dirs = {fakes_.dir()};
    }
    LabConfig config_ = testing::test_config();
    UpOptions options_;
    FakeBinaries fakes_;
    ScopedLab lab_;
    LabNames names_{config_.prefix};
};

TEST_F(LabWithProcesses, StartsVmmAndGuestWhereTheContractSays) {
    lab_up(config_, options_);
    const auto state = *load_lab_state(config_.prefix);
    ASSERT_EQ(state.processes.size(), 2u);
    const auto& vmm = *state.find_process("vmm-vm1");
    const auto& guest = *state.find_process("guest-vm1");
    EXPECT_TRUE(process_alive(vmm));
    EXPECT_TRUE(process_alive(guest));
    EXPECT_EQ(netns_of(vmm.pid), os::Netns::open_named(names_.netns("hostA")).inode());
    EXPECT_EQ(netns_of(guest.pid), os::Netns::open_named(names_.netns("vm1")).inode());
    EXPECT_EQ(cgroup_of(vmm.pid), "/" + names_.vmm_cgroup("vm1"));
    EXPECT_EQ(cgroup_of(guest.pid), "/" + names_.vm_cgroup("vm1"));
    auto expected_vmm = vmm_command_line(config_, config_.vms[0], (fakes_.dir() / kVmmBinary).string(),
                                         os::Cgroup2::mount_point());
    EXPECT_EQ(vmm.argv, expected_vmm);
    EXPECT_EQ(guest.argv, guest_command_line(config_, config_.vms[0], (fakes_.dir() / kGuestBinary).string()));

    // The lab put the VM's address on the master the guest made.
    const auto vm_ns = os::Netns::open_named(names_.netns("vm1"));
    const auto addresses = os::Rtnl::in(vm_ns).addresses("eth0");
    EXPECT_NE(std::find(addresses.begin(), addresses.end(), config_.vms[0].ip), addresses.end());

    const auto status = to_json(lab_status(config_.prefix));
    EXPECT_TRUE(status["vms"][0]["vmm"]["alive"].get<bool>());
    EXPECT_TRUE(status["vms"][0]["guest"]["alive"].get<bool>());

    // up again: the same processes, not new ones.
    lab_up(config_, options_);
    const auto again = *load_lab_state(config_.prefix);
    EXPECT_EQ(again.find_process("vmm-vm1")->pid, vmm.pid);
    EXPECT_EQ(again.find_process("guest-vm1")->pid, guest.pid);

    // down stops them politely (the fake exits 0 on SIGTERM and removes its socket).
    const auto report = lab_down(config_.prefix);
    EXPECT_EQ(report.processes, (std::vector<std::string>{"guest-vm1", "vmm-vm1"}));
    EXPECT_FALSE(process_alive(vmm));
    EXPECT_FALSE(process_alive(guest));
    EXPECT_TRUE(lab_is_gone(config_.prefix));
}

// Issue 9, defect 5: a failoverd that answers on its control socket before its master is in place (the
// standby still has the master's name) is not ready: the VM's address goes on the master, never on the
// standby that becomes <name>nsby a moment later.
TEST_F(LabWithProcesses, VmAddressWaitsForTheMasterNotTheFirstAnswer) {
    ::setenv("NF_FAKE_MASTER_DELAY_MS", "700", 1);
    try {
        lab_up(config_, options_);
    } catch (...) {
        ::unsetenv("NF_FAKE_MASTER_DELAY_MS");
        throw;
    }
    ::unsetenv("NF_FAKE_MASTER_DELAY_MS");
    auto rtnl = os::Rtnl::in(os::Netns::open_named(names_.netns("vm1")));
    const auto on_master = rtnl.addresses("eth0");
    EXPECT_NE(std::find(on_master.begin(), on_master.end(), config_.vms[0].ip), on_master.end());
    ASSERT_TRUE(rtnl.find_link("eth0nsby")) << "the fake did not rename its standby";
    const auto on_standby = rtnl.addresses("eth0nsby");
    EXPECT_EQ(std::find(on_standby.begin(), on_standby.end(), config_.vms[0].ip), on_standby.end())
        << "the VM's address went on the standby";
}

TEST_F(LabWithProcesses, DeadProcessIsRestartedByUp) {
    lab_up(config_, options_);
    const auto first = *load_lab_state(config_.prefix)->find_process("vmm-vm1");
    ASSERT_TRUE(stop_process(first, std::chrono::seconds(2)));
    lab_up(config_, options_);
    const auto second = *load_lab_state(config_.prefix)->find_process("vmm-vm1");
    EXPECT_NE(second.pid, first.pid);
    EXPECT_TRUE(process_alive(second));
}

TEST_F(LabWithProcesses, MissingBinaryFailsBeforeAnythingIsMade) {
    options_.binary_dirs = {"/nonexistent-nflt-bin"};
    try {
        lab_up(config_, options_);
        FAIL() << "no ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("vmm.start: 'failover-vmm' was not found"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(lab_is_gone(config_.prefix));
}

TEST_F(LabWithProcesses, ProcessThatDiesAtStartFailsUpAndRollsBack) {
    // A VMM that dies at once: up fails with its words and removes the half-built lab.
    const auto dir = fakes_.dir() / "broken";
    std::filesystem::create_directories(dir);
    { std::ofstream(dir / kVmmBinary) << "#!/bin/sh\necho 'cannot open /dev/kvm' >&2\nexit 1\n"; }
    std::filesystem::permissions(dir / kVmmBinary, std::filesystem::perms::owner_all);
    options_.binary_dirs = {dir, fakes_.dir()};
    try {
        lab_up(config_, options_);
        FAIL() << "no SystemError";
    } catch (const SystemError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("vmm-vm1"), std::string::npos) << message;
        EXPECT_NE(message.find("exited before"), std::string::npos) << message;
        EXPECT_NE(message.find("cannot open /dev/kvm"), std::string::npos) << message;
    }
    EXPECT_TRUE(lab_is_gone(config_.prefix));
}

}  // namespace
}  // namespace nf::lab
