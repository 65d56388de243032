// The demo end to end on its own lab (prefix nfdt<pid>, subnet 10.81.0.0/24): the headline variant, short
// (phases of 400 ms, 500 pkt/s). Checks the report's structure, that the stream flowed in every phase both
// ways, which path carried it, the unplug's loss, the files, and that nothing of the lab is left. Also:
// without root it says what it needs; Ctrl-C tears the lab down.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <thread>

#include "lab/demo/demo.h"
#include "lab/demo/report.h"
#include "lab/topology/lab.h"
#include "lab/topology/lab_names.h"
#include "os/cgroup.h"

namespace nf::lab::demo {
namespace {

namespace fs = std::filesystem;

// The target is 0 lost (the demo's PASS/MISS line judges against 0), and most runs lose none. This test allows
// 2 per step and direction: on a machine loaded to 4x its cores (PV path p99 over 100 ms), about 1 run in 3
// still lost 1-4 frames around a migration's switchover or a VF's arrival (docs/scenarios-qemu.md, "Fixed").
// Before the fixes there (RX claimed before a joining VF opens, TX on IFF_RUNNING, the destination's VF after
// netpass's frames, the source kept capturing until quiet and its PV port pinned) every run lost some.
constexpr std::uint64_t kLossBound = 2;

std::string test_prefix() { return "nfdt" + std::to_string(::getpid() % 10000); }

// Leftovers of a crashed run with this pid are removed first, and the lab again at the end.
class DemoRunTest : public ::testing::Test {
protected:
    void SetUp() override {
        lab_down(test_prefix());
        out_ = fs::temp_directory_path() / ("nf-demo-test-" + std::to_string(::getpid()));
        fs::remove_all(out_);
    }
    void TearDown() override {
        lab_down(test_prefix());
        fs::remove_all(out_);
    }

    DemoOptions options() const {
        DemoOptions o;
        o.config = parse_lab_config({{"prefix", test_prefix()}, {"subnet", "10.81.0.0/24"}});
        o.out_dir = out_;
        o.variants = {*find_variant(kHeadline)};
        o.scenario.rate = 500;
        o.scenario.phase = std::chrono::milliseconds(400);
        o.scenario.port = 47123;
        o.scenario.binary_dirs = {NF_BIN_DIR};
        return o;
    }

    static ::testing::AssertionResult lab_is_gone(const std::string& prefix) {
        if (const auto left = lab_namespaces(prefix); !left.empty())
            return ::testing::AssertionFailure() << "namespace " << left.front() << " is left";
        if (fs::exists(os::Cgroup2::mount_point() / LabNames(prefix).cgroup_group()))
            return ::testing::AssertionFailure() << "cgroup of " << prefix << " is left";
        if (fs::exists(LabNames(prefix).run_dir())) return ::testing::AssertionFailure() << "run dir is left";
        return ::testing::AssertionSuccess();
    }

    fs::path out_;
};

const nlohmann::json& phase(const nlohmann::json& variant, const std::string& label) {
    for (const auto& p : variant["analysis"]["phases"])
        if (p["phase"] == label) return p;
    throw std::runtime_error("no phase '" + label + "' in the report");
}

// The headline run for each device model failoverd offers the lab's guest: the same steps, paths and loss
// bounds (issue 10: "same rules, same tests"). 2dev has no master netdev (the standby eth0 is what the
// lab's IP goes on) and needs the bpf datapath.
struct GuestModel {
    std::string name;               // failoverd's --model
    std::vector<std::string> args;  // the lab config's guest args
};

void PrintTo(const GuestModel& m, std::ostream* os) { *os << m.name; }

class DemoModelRun : public DemoRunTest, public ::testing::WithParamInterface<GuestModel> {};

TEST_P(DemoModelRun, HeadlineVariantUnplugsAndReplugsUnderTraffic) {
    std::ostringstream out, err;
    auto o = options();
    o.config.guest.args = GetParam().args;
    const int status = run_demo(o, out, err);
    std::cout << out.str() << err.str();  // the demo's own output, for the test log
    ASSERT_EQ(status, kDemoOk) << "stderr:\n" << err.str();
    EXPECT_TRUE(lab_is_gone(test_prefix()));

    // Printed: the variant's table, the comparison, the verdict, where the files are.
    const std::string text = out.str();
    EXPECT_NE(text.find("== moved-mbb"), std::string::npos);
    EXPECT_NE(text.find("switch times:"), std::string::npos);
    EXPECT_NE(text.find("== comparison"), std::string::npos);
    EXPECT_TRUE(text.find("PASS: ") != std::string::npos || text.find("MISS: ") != std::string::npos) << text;

    // Files.
    EXPECT_TRUE(fs::exists(out_ / "timeline-moved-mbb.svg"));
    ASSERT_TRUE(fs::exists(out_ / "timeline.svg"));
    std::ifstream svg(out_ / "timeline.svg");
    const std::string svg_text((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
    EXPECT_NE(svg_text.find("<svg"), std::string::npos);
    EXPECT_NE(svg_text.find("device_del"), std::string::npos);
    std::ifstream file(out_ / "report.json");
    const auto report = nlohmann::json::parse(file);

    // Structure.
    EXPECT_EQ(report["headline"], kHeadline);
    EXPECT_TRUE(report["target"]["checked"].get<bool>());
    EXPECT_EQ(report["options"]["rate"], 500.0);
    ASSERT_EQ(report["variants"].size(), 1u);
    const auto& v = report["variants"][0];
    EXPECT_TRUE(v["ok"].get<bool>());
    EXPECT_EQ(v["vf_filter"], "moved");
    EXPECT_EQ(v["rx_mode"], "make-before-break");
    EXPECT_EQ(v["svg"], "timeline-moved-mbb.svg");
    ASSERT_EQ(v["analysis"]["phases"].size(), 5u) << v["analysis"].dump(2);
    for (const auto& key : {"device_del_to_device_deleted", "device_del_to_guest_standby", "device_add_to_guest_primary"}) {
        ASSERT_TRUE(v["switch_times_ns"].contains(key)) << key;
        EXPECT_TRUE(v["switch_times_ns"][key].is_number()) << key << ": " << v["switch_times_ns"].dump();
    }
    bool saw_deleted = false;
    for (const auto& e : v["qmp_events"]) saw_deleted = saw_deleted || e["name"] == "DEVICE_DELETED";
    EXPECT_TRUE(saw_deleted);

    // Traffic flowed in every phase, both ways.
    for (const char* label : {kPhasePrimary, kPhaseStandbyOnly, kPhaseReplugged, kPhaseMigrated, kPhaseMigratedBack}) {
        const auto& p = phase(v, label);
        ASSERT_EQ(p["directions"].size(), 2u);
        for (const auto& d : p["directions"]) {
            EXPECT_GT(d["sent"].get<std::uint64_t>(), 0u) << label << " " << d["direction"];
            EXPECT_GT(d["delivered"].get<std::uint64_t>(), 0u) << label << " " << d["direction"] << ": " << d.dump();
        }
    }
    // Which path: the VF while it is plugged, the PV backend while it is not.
    for (const auto& d : phase(v, kPhasePrimary)["directions"])
        EXPECT_GT(d["delivered_by_path"].value("vf", 0u), 0u) << "primary " << d.dump();
    for (const auto& d : phase(v, kPhaseStandbyOnly)["directions"])
        EXPECT_GT(d["delivered_by_path"].value("pv", 0u), 0u) << "standby only " << d.dump();
    EXPECT_GT(v["paths_seen"]["vf"]["client-to-vm"].get<std::uint64_t>(), 0u);
    EXPECT_GT(v["paths_seen"]["pv"]["vm-to-client"].get<std::uint64_t>(), 0u);

    // The orderly unplug and re-plug with the filter moved and make-before-break RX lose (almost) nothing.
    for (const char* step : {"unplug", "replug"})
        for (const char* direction : {"client-to-vm", "vm-to-client"})
            EXPECT_LE(v["loss"][step][direction].get<std::uint64_t>(), kLossBound)
                << step << " " << direction << ": " << v["loss"].dump();
    // A migration to hostB and back, each a phase of the stream, with query-migrate's downtime, the measured
    // outage and netpass's counts; the migration states are marks on the timeline.
    EXPECT_TRUE(report["migration_target"]["checked"].get<bool>());
    ASSERT_EQ(v["migrations"].size(), 2u) << v["migrations"].dump(2);
    const std::pair<const char*, const char*> routes[] = {{"hostA", "hostB"}, {"hostB", "hostA"}};
    for (std::size_t i = 0; i < 2; ++i) {
        const auto& m = v["migrations"][i];
        EXPECT_EQ(m["from"], routes[i].first);
        EXPECT_EQ(m["to"], routes[i].second);
        EXPECT_EQ(m["result"], "migrated") << m.dump(2);
        EXPECT_GT(m["downtime_ms"].get<std::int64_t>(), 0);
        EXPECT_TRUE(m["netpass"]["enabled"].get<bool>());
        EXPECT_EQ(m["netpass"]["kept"], m["netpass"]["injected"]);
        EXPECT_TRUE(m["outage_ns"].is_number());
        for (const char* direction : {"client-to-vm", "vm-to-client"})
            EXPECT_LE(m["lost"][direction].get<std::uint64_t>(), kLossBound) << m["phase"] << " " << direction;
    }
    EXPECT_NE(text.find("migrations (downtime"), std::string::npos);
    EXPECT_NE(text.find("== comparison: live migration"), std::string::npos);
    EXPECT_NE(svg_text.find("src wait-unplug"), std::string::npos);
    EXPECT_NE(svg_text.find("dst RESUME"), std::string::npos);
    // The VMM's and failoverd's logs outlive the lab.
    EXPECT_TRUE(fs::exists(out_ / "logs" / "moved-mbb" / "vmm-vm1.log"));
    ASSERT_TRUE(fs::exists(out_ / "logs" / "moved-mbb" / "guest-vm1.log"));
    // The guest ran the model asked for.
    std::ifstream guest_log(out_ / "logs" / "moved-mbb" / "guest-vm1.log");
    const std::string guest_text((std::istreambuf_iterator<char>(guest_log)), std::istreambuf_iterator<char>());
    EXPECT_NE(guest_text.find("(model " + GetParam().name + ","), std::string::npos) << guest_text;
}

INSTANTIATE_TEST_SUITE_P(Models, DemoModelRun,
                         ::testing::Values(GuestModel{"3dev", {}}, GuestModel{"2dev", {"--model", "2dev", "--datapath", "bpf"}}),
                         [](const ::testing::TestParamInfo<GuestModel>& info) {
                             return info.param.name == "2dev" ? std::string("two_dev") : std::string("three_dev");
                         });

TEST_F(DemoRunTest, WithoutRootItSaysWhatItNeeds) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(pipe_fds[0]);
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(100);
        std::ostringstream out, err;
        const int status = run_demo(options(), out, err);
        const std::string text = err.str();
        (void)!::write(pipe_fds[1], text.data(), text.size());
        ::_exit(status);
    }
    ::close(pipe_fds[1]);
    std::string text;
    char buffer[512];
    for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
    ASSERT_TRUE(WIFEXITED(wstatus));
    EXPECT_EQ(WEXITSTATUS(wstatus), kDemoNeedsRoot);
    EXPECT_NE(text.find("root"), std::string::npos) << text;
    EXPECT_NE(text.find("namespaces"), std::string::npos) << text;
    EXPECT_NE(text.find("tc-BPF"), std::string::npos) << text;
    EXPECT_NE(text.find("cgroups"), std::string::npos) << text;
    EXPECT_FALSE(fs::exists(out_ / "report.json"));
}

TEST_F(DemoRunTest, CtrlCTearsTheLabDown) {
    // SIGINT once the lab exists (the demo's handler is in place by then), while it is coming up or running.
    std::jthread interrupter([](std::stop_token stop) {
        const auto run_dir = LabNames(test_prefix()).run_dir();
        while (!stop.stop_requested() && !fs::exists(run_dir)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        if (!stop.stop_requested()) ::kill(::getpid(), SIGINT);
    });
    std::ostringstream out, err;
    auto o = options();
    o.scenario.phase = std::chrono::milliseconds(5000);  // long enough to be interrupted
    const int status = run_demo(o, out, err);
    interrupter.request_stop();
    EXPECT_EQ(status, kDemoInterrupted) << out.str() << err.str();
    EXPECT_NE(err.str().find("interrupted"), std::string::npos) << err.str();
    EXPECT_TRUE(lab_is_gone(test_prefix()));
    EXPECT_TRUE(fs::exists(out_ / "report.json"));
}

}  // namespace
}  // namespace nf::lab::demo
