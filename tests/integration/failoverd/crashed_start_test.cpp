// A daemon killed during start-up: what it had changed by then, with its "starting" state file, is what a
// SIGKILL between two start-up steps leaves. The next start removes it (never adopts it) and starts afresh,
// and SIGTERM then restores the system. Also: SIGHUP resyncs and the daemon goes on.
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "failoverd_fixture.h"

namespace nf::failoverd::test {
namespace {

// How far the killed start got (the steps of Daemon::create_master_device, in order).
enum class CrashPoint {
    standby_renamed,  // the standby is <name>nsby and down, nothing else yet
    devices_created,  // also the private namespace, the holder (3dev), the master veth (bpf), the hidden standby moved
};

struct CrashCase {
    Setup setup;
    CrashPoint point;
};

void PrintTo(const CrashCase& c, std::ostream* os) {
    PrintTo(c.setup, os);
    *os << (c.point == CrashPoint::standby_renamed ? "/renamed" : "/devices");
}

std::string crash_case_name(const ::testing::TestParamInfo<CrashCase>& info) {
    return info.param.setup.datapath + "_" + (info.param.setup.model == "3dev" ? "three_dev" : "hidden") + "_" +
           (info.param.point == CrashPoint::standby_renamed ? "standby_renamed" : "devices_created");
}

class CrashedStart : public ::testing::TestWithParam<CrashCase> {
protected:
    void SetUp() override {
        lab_ = std::make_unique<GuestLab>("nfk");
        name_ = "s" + lab_->tag();  // the master takes the standby's name: one name per test
        // The lab's sb0 under a name of its own, up (as the killed daemon found it).
        sh(lab_->in_guest("link set sb0 down"));
        sh(lab_->in_guest("link set sb0 name " + name_));
        sh(lab_->in_guest("link set " + name_ + " up"));
    }
    void TearDown() override {
        if (HasFailure() && daemon_) std::cerr << "---- failoverd log ----\n" << daemon_->log();
        daemon_.reset();
        // Whatever the daemon did not restore goes, so that the lab's leak check names only real leaks.
        sh_status("ip netns del " + private_ns());
        std::error_code ec;
        std::filesystem::remove(state_path(), ec);
        std::filesystem::remove("/run/netfailover/" + lab_->key(name_) + ".lock", ec);
        std::filesystem::remove_all(lab_->pin_dir(name_), ec);
        lab_.reset();
    }

    const test::Setup& setup() const { return GetParam().setup; }
    bool hidden() const { return setup().model == "hidden"; }
    bool bpf() const { return setup().datapath == "bpf"; }
    std::string renamed() const { return name_ + "nsby"; }
    std::string private_ns() const { return lab_->private_netns(name_); }
    std::string state_path() const { return lab_->state_file(name_); }
    std::string control() const { return "/run/netfailover/" + name_ + ".sock"; }

    // What a failoverd started as `--standby <name>` had done when it was killed at `point`.
    void leave_crashed_start(CrashPoint point) {
        std::filesystem::create_directories("/run/netfailover");
        std::ofstream(state_path()) << nlohmann::json{{"master", name_},         {"model", setup().model},
                                                      {"datapath", setup().datapath}, {"standby", name_},
                                                      {"standby_was_up", true},     {"phase", "starting"}}
                                           .dump();
        sh(lab_->in_guest("link set " + name_ + " down"));
        sh(lab_->in_guest("link set " + name_ + " name " + renamed()));
        if (point == CrashPoint::standby_renamed) return;
        sh("ip netns add " + private_ns());
        if (!hidden()) sh(lab_->in_guest("link add " + name_.substr(0, 13) + "fo type bridge"));
        if (bpf())
            sh(lab_->in_guest("link add " + name_ + " address " + kGuestMac + " type veth peer name nfo-peer netns " +
                              private_ns()));
        if (hidden()) sh(lab_->in_guest("link set " + renamed() + " netns " + private_ns()));
    }

    DaemonProcess& start_daemon() {
        daemon_ = std::make_unique<DaemonProcess>(
            lab_->guest(),
            std::vector<std::string>{"--standby", name_, "--model", setup().model, "--datapath", setup().datapath,
                                     "--foreground", "--log-level", "debug"},
            "/tmp/nfk-" + lab_->tag() + ".log");
        return *daemon_;
    }

    std::unique_ptr<GuestLab> lab_;
    std::string name_;
    std::unique_ptr<DaemonProcess> daemon_;
};

TEST_P(CrashedStart, NextStartRemovesTheLeftoversAndSigtermRestores) {
    leave_crashed_start(GetParam().point);

    DaemonProcess& d = start_daemon();
    ASSERT_TRUE(d.wait_ready(control())) << d.log();
    const auto s = query_status(control()).value_or(nlohmann::json::object());
    EXPECT_EQ(s.value("master", ""), name_);
    EXPECT_FALSE(s.value("adopted", true)) << "a half-done start must never be adopted";
    EXPECT_NE(d.log().find("killed during start-up"), std::string::npos) << d.log();
    EXPECT_TRUE(lab_->link_exists(hidden() ? private_ns() : lab_->guest(), renamed()));
    EXPECT_EQ(nlohmann::json::parse(std::ifstream(state_path())).value("phase", ""), "running");
    sh(lab_->in_guest("addr add 10.77.0.2/24 dev " + name_));
    EXPECT_TRUE(lab_->ping());
    EXPECT_TRUE(wait_until([&] { return query_status(control()).value_or(nlohmann::json::object()).value("active", "") == "primary"; },
                           std::chrono::seconds(5)));

    d.signal(SIGTERM);
    EXPECT_EQ(d.wait_exit(), 0) << d.log();
    const std::string standby_json = lab_->link_json(lab_->guest(), name_);
    EXPECT_EQ(standby_json.find("\"master\""), std::string::npos) << standby_json;
    EXPECT_NE(standby_json.find("\"UP\""), std::string::npos) << standby_json;
    EXPECT_NE(standby_json.find(kGuestMac), std::string::npos) << standby_json;
    EXPECT_FALSE(lab_->link_exists(lab_->guest(), renamed()));
    EXPECT_FALSE(lab_->link_exists(lab_->guest(), name_.substr(0, 13) + "fo"));
    EXPECT_NE(sh_status("ip netns pids " + private_ns()), 0) << "private namespace left behind";
    EXPECT_FALSE(std::filesystem::exists(state_path()));
    EXPECT_FALSE(std::filesystem::exists(control()));
}

// A clean start (the crash point is not used), then SIGHUP.
class Sighup : public CrashedStart {};

TEST_P(Sighup, ResyncsAndTheDaemonGoesOn) {
    DaemonProcess& d = start_daemon();
    ASSERT_TRUE(d.wait_ready(control())) << d.log();
    d.signal(SIGHUP);
    EXPECT_TRUE(wait_until([&] { return d.log().find("SIGHUP: resyncing links") != std::string::npos; },
                           std::chrono::seconds(5)))
        << d.log();
    const auto s = query_status(control()).value_or(nlohmann::json::object());
    EXPECT_EQ(s.value("master", ""), name_);
    EXPECT_EQ(s["event_loop"].value("handler_errors", 1), 0) << s.dump();
    d.signal(SIGTERM);
    EXPECT_EQ(d.wait_exit(), 0) << d.log();
    EXPECT_FALSE(std::filesystem::exists(state_path()));
}

std::vector<CrashCase> crash_cases() {
    std::vector<CrashCase> cases;
    for (const Setup& s : {Setup{"bpf", "3dev"}, Setup{"bpf", "hidden"}, Setup{"packet", "3dev"}, Setup{"packet", "hidden"}})
        for (CrashPoint p : {CrashPoint::standby_renamed, CrashPoint::devices_created}) cases.push_back({s, p});
    return cases;
}

INSTANTIATE_TEST_SUITE_P(Setups, CrashedStart, ::testing::ValuesIn(crash_cases()), crash_case_name);
INSTANTIATE_TEST_SUITE_P(Setups, Sighup,
                         ::testing::Values(CrashCase{{"bpf", "3dev"}, CrashPoint::standby_renamed},
                                           CrashCase{{"packet", "hidden"}, CrashPoint::standby_renamed}),
                         crash_case_name);

}  // namespace
}  // namespace nf::failoverd::test
