// failover-vmm's own behaviour: orderly vs surprise removal, guest reset, stop/cont, set_link, QMP basics,
// SIGTERM cleanup, bad arguments, --help.
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <thread>

#include "test_guest.h"
#include "vmm_fixture.h"

namespace nf::vmm::test {
namespace {

using nlohmann::json;

class VmmLifecycle : public ::testing::Test {
protected:
    // A VMM with standby + primary on the command line, the guest acked and the VF in the VM.
    void start_plugged(const std::string& vf_filter = "stale") {
        auto a = base_arguments(lab, vf_filter);
        for (const auto& d : {standby_device(), primary_device()}) {
            a.push_back("--device");
            a.push_back(d);
        }
        vmm.emplace(lab, a);
        qmp.emplace(vmm->qmp());
        guest.emplace(TestGuest::connect(lab.channel_path()));
        guest->start_driver("standby0");
        ASSERT_TRUE(qmp->wait_event("FAILOVER_NEGOTIATED", 3s));
        ASSERT_TRUE(lab.wait_guest_link("ens4", true));
        ASSERT_TRUE(guest->wait<channel::Plugged>());
    }
    json vmm_state() { return qmp->execute_ok("x-query-vmm"); }
    std::uint64_t counter(const std::string& name) {
        return vmm_state()["standbys"][0]["counters"][name].get<std::uint64_t>();
    }
    // n pings from the host to the VM, the number answered.
    int pings(int n, const std::string& wait = "0.3") {
        const auto r = sh("ip netns exec " + lab.host_ns() + " ping -n -q -c " + std::to_string(n) + " -i 0.05 -W " + wait +
                          " " + kVmIp);
        const auto pos = r.output.find(" received");
        if (pos == std::string::npos) return 0;
        auto start = r.output.rfind(", ", pos);
        return std::stoi(r.output.substr(start + 2, pos - start - 2));
    }
    void guest_ip_on_standby() {
        lab.guest("ip addr add " + std::string(kVmIp) + "/24 dev eth0");
        lab.guest("ip link set eth0 up");
    }

    VmmLab lab;
    std::optional<VmmProcess> vmm;
    std::optional<qmp::QmpClient> qmp;
    std::optional<TestGuest> guest;
};

TEST_F(VmmLifecycle, QmpBasics) {
    vmm.emplace(lab, base_arguments(lab));
    auto raw = qmp::QmpClient::connect(lab.qmp_path());
    EXPECT_TRUE(raw.greeting().contains("QMP"));
    const auto before = raw.execute("query-status");
    ASSERT_TRUE(std::holds_alternative<qmp::QmpError>(before));
    EXPECT_EQ(std::get<qmp::QmpError>(before).desc, "Expecting capabilities negotiation with 'qmp_capabilities'");
    raw.negotiate();
    EXPECT_EQ(raw.execute_ok("query-status"), (json{{"running", true}, {"singlestep", false}, {"status", "running"}}));
    const auto unknown = raw.execute("no-such-command");
    ASSERT_TRUE(std::holds_alternative<qmp::QmpError>(unknown));
    EXPECT_EQ(std::get<qmp::QmpError>(unknown).error_class, "CommandNotFound");
}

// Issue 9 defect 1: this one line used to end the VMM (nlohmann's out_of_range escaped the loop) and its
// shutdown took both NICs from the guest. Now it is answered; the VMM, the VF and the standby stay.
TEST_F(VmmLifecycle, ALineTheJsonParserThrowsOnLeavesTheVmmAndTheGuestsNicsUp) {
    start_plugged();
    auto raw = qmp::QmpClient::connect(lab.qmp_path());
    raw.send_raw(R"({"execute":"qmp_capabilities","id":1e999})" "\n");
    const json reply = raw.read_message(3s);
    EXPECT_TRUE(reply.contains("error") || reply.contains("return")) << reply.dump();
    EXPECT_EQ(::kill(vmm->pid(), 0), 0) << "the VMM is gone: " << vmm->log();
    EXPECT_TRUE(pci_present(*qmp, "primary0"));
    EXPECT_TRUE(pci_present(*qmp, "standby0"));
    EXPECT_TRUE(no_event(*qmp, "DEVICE_DELETED"));
    EXPECT_TRUE(lab.in_guest("ens4"));
    const json loop = vmm_state()["event-loop"];
    EXPECT_EQ(loop["handler-errors"], 0) << loop.dump();
    EXPECT_GT(loop["rounds"].get<std::uint64_t>(), 0u);
}

TEST_F(VmmLifecycle, OrderlyRemovalWaitsForTheGuestsEject) {
    start_plugged();
    qmp->execute_ok("device_del", {{"id", "primary0"}});
    const auto request = guest->wait<channel::EjectRequest>();
    ASSERT_TRUE(request);
    EXPECT_EQ(request->device, "primary0");
    EXPECT_TRUE(no_event(*qmp, "DEVICE_DELETED", 400ms));
    EXPECT_TRUE(lab.in_guest("ens4")) << "removed before the guest let go";
    EXPECT_TRUE(pci_present(*qmp, "primary0"));
    guest->eject("primary0");
    const auto deleted = qmp->wait_event("DEVICE_DELETED", 3s);
    ASSERT_TRUE(deleted);
    EXPECT_EQ(deleted->data["device"], "primary0");
    EXPECT_EQ(deleted->data["path"], "/machine/peripheral/primary0");
    EXPECT_FALSE(lab.in_guest("ens4"));
    EXPECT_TRUE(lab.in_host("vf-vm1g"));
    EXPECT_FALSE(pci_present(*qmp, "primary0"));
    const auto unplugged = guest->wait<channel::Unplugged>();
    ASSERT_TRUE(unplugged);
    EXPECT_EQ(unplugged->mode, device::RemovalMode::Orderly);
    // A second device_add plugs it again at once (the standby is negotiated).
    qmp->execute_ok("device_add", {{"driver", "vfio-pci"}, {"id", "primary0"}, {"host", "vf-vm1g"},
                                   {"failover_pair_id", "standby0"}, {"bus", "root1"}, {"ifname", "ens4"}});
    EXPECT_TRUE(lab.wait_guest_link("ens4", true));
}

TEST_F(VmmLifecycle, SurpriseRemovalOverQmpIsImmediate) {
    start_plugged();
    qmp->execute_ok("x-surprise-remove", {{"id", "primary0"}});
    const auto deleted = qmp->wait_event("DEVICE_DELETED", 1s);
    ASSERT_TRUE(deleted);
    EXPECT_EQ(deleted->data["device"], "primary0");
    EXPECT_FALSE(lab.in_guest("ens4"));
    EXPECT_TRUE(lab.in_host("vf-vm1g"));
    const auto unplugged = guest->wait<channel::Unplugged>();
    ASSERT_TRUE(unplugged);
    EXPECT_EQ(unplugged->mode, device::RemovalMode::Surprise);
    EXPECT_FALSE(guest->wait<channel::EjectRequest>(200ms));
    EXPECT_EQ(error_of(*qmp, "x-surprise-remove", {{"id", "nope"}}), "Device 'nope' not found");
}

TEST_F(VmmLifecycle, HostDeletingTheVfIsASurpriseRemoval) {
    start_plugged();
    lab.host("ip link del vf-vm1");
    const auto deleted = qmp->wait_event("DEVICE_DELETED", 3s);
    ASSERT_TRUE(deleted) << vmm->log();
    EXPECT_EQ(deleted->data["device"], "primary0");
    EXPECT_FALSE(pci_present(*qmp, "primary0"));
    EXPECT_FALSE(lab.in_guest("ens4"));
    const auto unplugged = guest->wait<channel::Unplugged>();
    ASSERT_TRUE(unplugged);
    EXPECT_EQ(unplugged->mode, device::RemovalMode::Surprise);
}

// Our default reset policy (a documented difference from QEMU): a guest reset takes the VF away until the
// guest acks STANDBY again.
TEST_F(VmmLifecycle, GuestResetRehidesThePrimary) {
    start_plugged();
    guest->reset("standby0");
    EXPECT_TRUE(lab.wait_guest_link("ens4", false));
    EXPECT_TRUE(lab.in_host("vf-vm1g"));
    EXPECT_FALSE(pci_present(*qmp, "primary0"));
    EXPECT_TRUE(no_event(*qmp, "DEVICE_DELETED"));
    guest->start_driver("standby0");
    ASSERT_TRUE(qmp->wait_event("FAILOVER_NEGOTIATED", 3s));
    EXPECT_TRUE(pci_present(*qmp, "primary0"));
    EXPECT_TRUE(lab.wait_guest_link("ens4", true));
}

TEST_F(VmmLifecycle, StopFreezesTheVmAndItsPvPathContResumes) {
    // while-bound: the VF stays down in this guest, so its MAC filter must not pull the VM's frames to it.
    start_plugged("while-bound");
    guest_ip_on_standby();
    ASSERT_GE(pings(3, "1"), 3);
    qmp->execute_ok("stop");
    ASSERT_TRUE(qmp->wait_event("STOP", 1s));
    EXPECT_EQ(qmp->execute_ok("query-status")["status"], "paused");
    EXPECT_EQ(qmp->execute_ok("query-status")["running"], false);
    EXPECT_TRUE(lab.cgroup_frozen());
    EXPECT_EQ(vmm_state()["paused"], true);
    const auto dropped_before = counter("rx-dropped-paused");
    EXPECT_EQ(pings(5), 0) << "a stopped VM answered over the PV path";
    EXPECT_GT(counter("rx-dropped-paused"), dropped_before);
    qmp->execute_ok("cont");
    ASSERT_TRUE(qmp->wait_event("RESUME", 1s));
    EXPECT_EQ(qmp->execute_ok("query-status")["status"], "running");
    EXPECT_FALSE(lab.cgroup_frozen());
    EXPECT_GE(pings(3, "1"), 2);
}

// while-bound: a VF that joins teaches the bridge nothing until its filter is in (then the VMM drains the PV
// path into the guest, so frames sent there before the move are not overtaken by the VF's): learning is off
// on its port while it is plugged but not yet up in the guest, and on again once the entry moved the MAC; the
// port itself is down until the guest opened the VF.
TEST_F(VmmLifecycle, WhileBoundJoiningVfLearnsNothingUntilItsFilterIsIn) {
    start_plugged("while-bound");
    const auto port = [&] { return sh_ok("ip -n " + lab.host_ns() + " -d link show dev vf-vm1"); };
    EXPECT_NE(port().find("learning off"), std::string::npos) << port();
    EXPECT_TRUE(lab.static_fdb_ports(kVmMac).empty());
    // The VF's switch port waits for the guest to open the VF (vmm_vf_port.cpp): its carrier must come first.
    const auto port_up = [&] {
        const auto flags = lab.link(lab.host_ns(), "vf-vm1")->at("flags");
        return std::find(flags.begin(), flags.end(), "UP") != flags.end();
    };
    EXPECT_FALSE(port_up()) << "the VF's bridge port is up before the guest opened the VF";
    lab.guest("ip link set ens4 up");
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while ((lab.static_fdb_ports(kVmMac) != std::vector<std::string>{"vf-vm1"} ||
            port().find("learning on") == std::string::npos) &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(20ms);
    EXPECT_EQ(lab.static_fdb_ports(kVmMac), std::vector<std::string>{"vf-vm1"});
    EXPECT_NE(port().find("learning on"), std::string::npos) << port();
    EXPECT_TRUE(port_up());
    EXPECT_TRUE(vmm_state()["standbys"][0]["counters"].contains("rx-drained-at-switch"));
}

TEST_F(VmmLifecycle, SetLinkDrivesTheStandbysCarrier) {
    // while-bound: the VF stays down in this guest, so its MAC filter must not pull the VM's frames to it.
    start_plugged("while-bound");
    guest_ip_on_standby();
    qmp->execute_ok("set_link", {{"name", "standby0"}, {"up", false}});
    const auto flags = [&] { return lab.link(lab.guest_ns(), "eth0")->at("flags").dump(); };
    EXPECT_NE(flags().find("NO-CARRIER"), std::string::npos) << flags();
    EXPECT_EQ(pings(3), 0);
    qmp->execute_ok("set_link", {{"name", "standby0"}, {"up", true}});
    EXPECT_EQ(flags().find("NO-CARRIER"), std::string::npos) << flags();
    EXPECT_GE(pings(3, "1"), 2);
    EXPECT_EQ(error_of(*qmp, "set_link", {{"name", "nope"}, {"up", true}}), "Device 'nope' not found");
}

TEST_F(VmmLifecycle, SigtermLeavesNothingBehind) {
    start_plugged("while-bound");
    lab.guest("ip link set ens4 up");
    guest_ip_on_standby();
    qmp->execute_ok("stop");
    ASSERT_TRUE(qmp->wait_event("STOP", 1s));
    const auto links_before = lab.link_names(lab.host_ns());
    EXPECT_NE(std::find(links_before.begin(), links_before.end(), "vm1-pv"), links_before.end());
    EXPECT_EQ(vmm->terminate(), 0) << vmm->log();
    EXPECT_TRUE(qmp->wait_event("SHUTDOWN", 1s));
    EXPECT_FALSE(lab.in_host("vm1-pv"));
    EXPECT_FALSE(lab.in_host("vm1-pvh"));
    EXPECT_TRUE(lab.in_host("vf-vm1g")) << "the VF was not moved back under its own name";
    EXPECT_EQ(lab.link_names(lab.guest_ns()), (std::vector<std::string>{"lo"}));
    EXPECT_TRUE(lab.static_fdb_ports(kVmMac).empty());
    EXPECT_FALSE(std::filesystem::exists(lab.qmp_path()));
    EXPECT_FALSE(std::filesystem::exists(lab.channel_path()));
    EXPECT_FALSE(lab.cgroup_frozen());
}

// Issue 9: a SIGKILLed VMM leaves its PV veths, the VF in the VM and (stopped) a frozen VM; a restart with
// the same --qmp reclaims exactly those (recorded by name and ifindex in <qmp>.run) and starts normally.
TEST_F(VmmLifecycle, RestartAfterSigkillReclaimsItsOwnLeftovers) {
    start_plugged("while-bound");
    qmp->execute_ok("stop");
    ASSERT_TRUE(qmp->wait_event("STOP", 1s));
    ASSERT_TRUE(lab.cgroup_frozen());
    qmp.reset();
    guest.reset();
    vmm.reset();  // SIGKILL
    EXPECT_TRUE(lab.in_host("vm1-pv")) << "nothing left to reclaim";
    EXPECT_TRUE(lab.in_guest("ens4"));
    EXPECT_TRUE(lab.cgroup_frozen());

    auto a = base_arguments(lab, "while-bound");
    for (const auto& d : {standby_device(), primary_device()}) {
        a.push_back("--device");
        a.push_back(d);
    }
    vmm.emplace(lab, a);
    // The old socket file is still there: wait until the new VMM serves it.
    for (int i = 0; i < 200 && !qmp; ++i) {
        try {
            qmp.emplace(vmm->qmp());
        } catch (const std::exception&) {
            std::this_thread::sleep_for(20ms);
        }
    }
    ASSERT_TRUE(qmp) << vmm->log();
    EXPECT_NE(vmm->log().find("reclaimed"), std::string::npos) << vmm->log();
    EXPECT_FALSE(lab.cgroup_frozen()) << "the guest was left frozen";
    EXPECT_EQ(qmp->execute_ok("query-status")["status"], "running");
    guest.emplace(TestGuest::connect(lab.channel_path()));
    guest->start_driver("standby0");
    ASSERT_TRUE(qmp->wait_event("FAILOVER_NEGOTIATED", 3s));
    ASSERT_TRUE(lab.wait_guest_link("ens4", true));
    EXPECT_EQ(vmm->terminate(), 0) << vmm->log();
    EXPECT_FALSE(lab.in_host("vm1-pv"));
    EXPECT_TRUE(lab.in_host("vf-vm1g"));
    EXPECT_EQ(lab.link_names(lab.guest_ns()), (std::vector<std::string>{"lo"}));
    EXPECT_FALSE(std::filesystem::exists(lab.qmp_path() + ".run"));
}

// A link of the VMM's name that it did not make (another ifindex than the record's) is never touched: the
// restart is refused on it as before.
TEST_F(VmmLifecycle, RestartNeverTouchesLinksItDidNotMake) {
    start_plugged("while-bound");
    qmp.reset();
    guest.reset();
    vmm.reset();  // SIGKILL
    ASSERT_TRUE(std::filesystem::exists(lab.qmp_path() + ".run"));
    lab.host("ip link del vm1-pv");
    lab.host("ip link add vm1-pv type bridge");
    auto a = base_arguments(lab, "while-bound");
    a.push_back("--device");
    a.push_back(standby_device());
    const auto r = run_vmm(lab, a);
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("already exists"), std::string::npos) << r.output;
    EXPECT_TRUE(lab.in_host("vm1-pv")) << "someone else's link was removed";
}

TEST_F(VmmLifecycle, BadArgumentsFailClearlyAndCreateNothing) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{"--netdev", "bridge,id=hn0,br=nosuchbr"}, "no bridge 'nosuchbr'"},
        {{"--guest-netns", "nfv-no-such-ns"}, "--guest-netns nfv-no-such-ns: no such network namespace"},
        {{"--vf-filter", "sometimes"}, "--vf-filter 'sometimes'"},
        {{"--name", "a-name-that-is-too-long"}, "--name 'a-name-that-is-too-long'"},
        {{"--cgroup", "/sys/nope"}, "--cgroup /sys/nope"},
        {{"--device", "no-such-nic,id=x"}, "'no-such-nic' is not a valid device model name"},
        {{"--device", "vfio-pci,id=p,host=nosuchvf,bus=root1"}, "host device 'nosuchvf' not found"},
        {{"--device", "virtio-net-pci,id=s,netdev=hn9"}, "Property 'virtio-net-pci.netdev' can't find value 'hn9'"},
        {{"--qmp", "/nonexistent-dir/q.sock"}, "directory /nonexistent-dir does not exist"},
        {{"--bogus"}, "--bogus"},
    };
    for (const auto& [change, expected] : cases) {
        auto a = base_arguments(lab);
        // The standby comes first, so a bad --device fails after its tap and forwarder exist: rollback.
        a.push_back("--device");
        a.push_back(standby_device());
        if (change[0] == "--device" || change[0] == "--bogus") {
            a.insert(a.end(), change.begin(), change.end());
        } else {
            const auto it = std::find(a.begin(), a.end(), change[0]);
            ASSERT_NE(it, a.end());
            *(it + 1) = change[1];
        }
        const auto result = run_vmm(lab, a);
        EXPECT_NE(result.status, 0) << change[0];
        EXPECT_NE(result.output.find(expected), std::string::npos) << "expected '" << expected << "' in:\n" << result.output;
        EXPECT_FALSE(lab.in_host("vm1-pv")) << change[0];
        EXPECT_FALSE(lab.in_host("vm1-sb0")) << change[0];
        EXPECT_EQ(lab.link_names(lab.guest_ns()), (std::vector<std::string>{"lo"})) << change[0];
        EXPECT_FALSE(std::filesystem::exists(lab.qmp_path())) << change[0];
    }
}

TEST_F(VmmLifecycle, HelpTeaches) {
    const auto result = run_vmm(lab, {"--help"});
    EXPECT_EQ(result.status, 0);
    for (const char* needle : {"--qmp", "--channel", "--socket-group", "--guest-netns", "--cgroup", "--vf-filter", "while-bound",
                               "--netdev bridge,id=", "virtio-net-pci,id=", "failover_pair_id", "x-surprise-remove",
                               "EXAMPLES", "SIGTERM"})
        EXPECT_NE(result.output.find(needle), std::string::npos) << needle;
}

TEST_F(VmmLifecycle, FailedPrimaryPlugLeavesTheVfAsItWas) {
    auto a = base_arguments(lab);
    a.push_back("--device");
    a.push_back(standby_device());
    vmm.emplace(lab, a);
    qmp.emplace(vmm->qmp());
    guest.emplace(TestGuest::connect(lab.channel_path()));
    guest->start_driver("standby0");
    ASSERT_TRUE(qmp->wait_event("FAILOVER_NEGOTIATED", 3s));
    lab.host("ip link set vf-vm1g up");
    const auto before = lab.link(lab.host_ns(), "vf-vm1g");
    ASSERT_TRUE(before);
    // The kernel refuses a multicast MAC, after the plug has taken the VF down to change it.
    const auto reply = qmp->execute("device_add", {{"driver", "vfio-pci"}, {"id", "primary0"}, {"host", "vf-vm1g"},
                                                   {"failover_pair_id", "standby0"}, {"bus", "root1"},
                                                   {"ifname", "ens4"}, {"mac", "01:00:5e:00:00:01"}});
    ASSERT_TRUE(std::holds_alternative<qmp::QmpError>(reply)) << vmm->log();
    const auto& desc = std::get<qmp::QmpError>(reply).desc;
    EXPECT_NE(desc.find("mac"), std::string::npos) << desc;
    EXPECT_FALSE(lab.in_guest("ens4"));
    const auto after = lab.link(lab.host_ns(), "vf-vm1g");
    ASSERT_TRUE(after) << vmm->log();
    EXPECT_EQ(after->at("address"), before->at("address"));
    EXPECT_NE(after->at("flags").dump().find("\"UP\""), std::string::npos) << after->at("flags").dump() << vmm->log();
}

}  // namespace
}  // namespace nf::vmm::test
