// Trusted VFs (issue 13): a primary the host left with its own random MAC is paired by its id (here the
// link alias, as the lab VMM gives it), takes the standby's MAC before it opens, carries traffic and fails
// over with nothing lost, and gets its own MAC back when failoverd stops — also after a crash (the state
// file keeps it: bpf adopts and restores at the later stop, packet restores at the restart). A device
// that refuses the MAC is not used.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "../../support/ping_stream.h"
#include "failoverd_fixture.h"

namespace nf::failoverd::test {
namespace {

using namespace std::chrono_literals;

class TrustedVf : public FailoverdFixture {
protected:
    // Replaces the lab's MAC-paired primary with a trusted one: veth prh (host, br0) <-> pr0 with the
    // kernel's random MAC and the alias `alias`, set before pr0 enters the guest (the VMM's way: the id is
    // there at the link's first message). Returns pr0's own MAC.
    std::string add_trusted_primary(const std::string& alias = "vf0") {
        lab_->delete_primary();
        sh(lab_->in_host("link add prh type veth peer name pr0"));
        sh(lab_->in_host("link set pr0 alias " + alias));
        const std::string own = mac(lab_->host(), "pr0");
        sh(lab_->in_host("link set pr0 netns " + lab_->guest()));
        sh(lab_->in_host("link set prh master br0"));
        sh(lab_->in_host("link set prh up"));
        sh_status(lab_->in_guest("link set pr0 up"));
        EXPECT_NE(own, kGuestMac);
        return own;
    }

    std::string mac(const std::string& ns, const std::string& name) const {
        const auto links = nlohmann::json::parse(sh("ip -j -n " + ns + " link show dev " + name));
        return links.at(0).at("address").get<std::string>();
    }
    // Where the host bridge sends the guest's MAC now.
    std::string host_port_of_guest() const {
        const auto entries = nlohmann::json::parse(sh("bridge -j -n " + lab_->host() + " fdb show br br0"));
        for (const auto& e : entries)
            if (e.value("mac", "") == kGuestMac && !e.contains("vlan")) return e.value("ifname", "");
        return "";
    }
    std::vector<std::string> taken_in_state_file() const {
        const auto text = sh("cat " + lab_->state_file(lab_->master()));
        const nlohmann::json doc = nlohmann::json::parse(text);
        std::vector<std::string> own;
        for (const auto& t : doc.at("taken_addresses")) own.push_back(t.at("own").get<std::string>());
        return own;
    }
    DaemonProcess& start_by_id() { return start({"--primary-id", "alias:vf0", "--announce", "2"}); }
};

TEST_P(TrustedVf, TakesTheStandbysMacFailsOverWithoutLossAndGetsItsOwnBackAtStop) {
    const std::string own = add_trusted_primary();
    DaemonProcess& d = start_by_id();
    ASSERT_TRUE(wait_active("primary")) << status().dump() << d.log();
    EXPECT_EQ(mac(slave_ns(), "pr0"), kGuestMac);
    const auto s = status();
    EXPECT_EQ(s["pairing"]["primary_id"], "alias:vf0");
    ASSERT_EQ(s["pairing"]["taken_addresses"].size(), 1u) << s.dump();
    EXPECT_EQ(s["pairing"]["taken_addresses"][0]["own"], own);
    EXPECT_EQ(taken_in_state_file(), std::vector<std::string>{own});
    EXPECT_NE(d.log().find("carries pair id alias:vf0"), std::string::npos);

    lab_->configure_master_ip();
    ASSERT_TRUE(lab_->ping());
    ASSERT_TRUE(wait_until([&] { return host_port_of_guest() == "prh"; }, 5s)) << "the primary carries the traffic";
    // Pings from the host through a switch to the standby and back to the primary, 10 ms apart.
    nf::test::PingStream pinger(lab_->host(), "10.77.0.2", 0.01);
    ASSERT_TRUE(wait_until([&] { return pinger.replies() >= 20; }, 10s)) << pinger.stop().output;
    ASSERT_TRUE(set_active(lab_->control(), "standby"));
    ASSERT_TRUE(wait_active("standby"));
    EXPECT_TRUE(wait_until([&] { return host_port_of_guest() == "sbh"; }, 5s));
    const auto on_standby = nf::test::PingStream::Clock::now();
    ASSERT_TRUE(wait_until([&] { return pinger.replies_since(on_standby) >= 20; }, 10s));
    ASSERT_TRUE(set_active(lab_->control(), "auto"));
    ASSERT_TRUE(wait_active("primary"));
    EXPECT_TRUE(wait_until([&] { return host_port_of_guest() == "prh"; }, 5s));
    const auto back = nf::test::PingStream::Clock::now();
    ASSERT_TRUE(wait_until([&] { return pinger.replies_since(back) >= 20; }, 10s));
    const auto r = pinger.stop();
    EXPECT_FALSE(r.ended_by_itself) << r.output;
    EXPECT_TRUE(r.missing.empty()) << nf::test::describe_loss(r);
    EXPECT_GE(status()["counters"]["failovers"].get<int>(), 2) << status().dump();

    d.signal(SIGTERM);
    EXPECT_EQ(d.wait_exit(), 0) << d.log();
    EXPECT_EQ(mac(lab_->guest(), "pr0"), own) << d.log();
    EXPECT_NE(d.log().find("own MAC " + own + " restored"), std::string::npos) << d.log();
}

TEST_P(TrustedVf, AfterACrashTheOwnMacIsStillRestored) {
    const std::string own = add_trusted_primary();
    DaemonProcess& first = start_by_id();
    ASSERT_TRUE(wait_active("primary")) << first.log();
    ASSERT_EQ(mac(slave_ns(), "pr0"), kGuestMac);
    first.signal(SIGKILL);
    ASSERT_TRUE(first.wait_exit().has_value());
    EXPECT_EQ(taken_in_state_file(), std::vector<std::string>{own}) << "the state file keeps the own MAC";

    DaemonProcess& second = start_by_id();
    ASSERT_TRUE(wait_active("primary")) << status().dump() << second.log();
    EXPECT_EQ(status().value("adopted", false), bpf()) << status().dump();
    EXPECT_EQ(mac(slave_ns(), "pr0"), kGuestMac);
    if (bpf()) {
        EXPECT_NE(second.log().find("its own " + own + " comes back at release"), std::string::npos) << second.log();
    } else {
        // The clean-up gave it back before the new master took it again.
        EXPECT_NE(second.log().find("its own MAC " + own + " restored (a previous failoverd"), std::string::npos)
            << second.log();
    }
    ASSERT_EQ(status()["pairing"]["taken_addresses"].size(), 1u) << status().dump();
    EXPECT_EQ(status()["pairing"]["taken_addresses"][0]["own"], own) << "the own MAC, not the standby's";

    second.signal(SIGTERM);
    EXPECT_EQ(second.wait_exit(), 0) << second.log();
    EXPECT_EQ(mac(lab_->guest(), "pr0"), own) << second.log();
}

INSTANTIATE_TEST_SUITE_P(Setups, TrustedVf,
                         ::testing::Values(Setup{"bpf", "3dev"}, Setup{"packet", "3dev"}, Setup{"bpf", "hidden"},
                                           Setup{"packet", "hidden"}),
                         setup_name);

// The forms as a user meets them: the config file's `"pairing": {"by": "id", "primary_id": ...}` pairs like the
// flag; a bad form, on the command line or in the file, is exit 2 with the field named, and nothing is made.
class TrustedVfForms : public FailoverdFixture {
protected:
    std::string write_config(const std::string& name, const std::string& text) {
        const std::string path = "/tmp/nfd-" + lab_->tag() + "-" + name + ".json";
        std::ofstream(path) << text;
        files_.push_back(path);
        return path;
    }
    void TearDown() override {
        FailoverdFixture::TearDown();
        for (const auto& f : files_) std::filesystem::remove(f);
    }
    bool master_exists() const { return sh_status(lab_->in_guest("link show dev " + lab_->master())) == 0; }
    std::vector<std::string> files_;
};

TEST_P(TrustedVfForms, TheConfigFileFormPairsLikeTheFlag) {
    lab_->delete_primary();
    sh(lab_->in_host("link add prh type veth peer name pr0"));
    sh(lab_->in_host("link set pr0 alias vf7"));
    sh(lab_->in_host("link set pr0 netns " + lab_->guest()));
    sh(lab_->in_host("link set prh master br0"));
    sh(lab_->in_host("link set prh up"));
    sh_status(lab_->in_guest("link set pr0 up"));
    DaemonProcess& d = start({"--config", write_config("by-id", R"({"pairing": {"by": "id", "primary_id": "alias:vf7"}})")});
    ASSERT_TRUE(wait_active("primary")) << status().dump() << d.log();
    EXPECT_EQ(status()["pairing"]["primary_id"], "alias:vf7");
    EXPECT_EQ(nlohmann::json::parse(sh("ip -j -n " + slave_ns() + " link show dev pr0")).at(0).at("address"), kGuestMac);
    lab_->configure_master_ip();
    EXPECT_TRUE(lab_->ping());
}

TEST_P(TrustedVfForms, ABadFormIsExit2AndChangesNothing) {
    const std::pair<std::vector<std::string>, std::string> refused[] = {
        {{"--primary-id", "vf0"}, "is not SOURCE:VALUE"},
        {{"--primary-id", "pci:3"}, "unknown id source 'pci'"},
        {{"--primary-id", "slot:"}, "empty value"},
        {{"--primary-id", "slot:a/b"}, "no '/'"},
        {{"--primary-id", "acpi-index:0"}, "decimal acpi index"},
        {{"--primary-id", "acpi-index:x7"}, "decimal acpi index"},
        {{"--primary-id", "label:" + std::string(129, 'x')}, "label of 1..128"},
        {{"--primary-id", "alias:a\tb"}, "printable"},
        {{"--config", write_config("bad", R"({"pairing": {"by": "id", "primary_id": "acpi-index:-1"}})")},
         "pairing.primary_id"},
        {{"--config", write_config("missing", R"({"pairing": {"by": "id"}})")}, "pairing.primary_id: required"},
    };
    for (const auto& [args, message] : refused) {
        SCOPED_TRACE(args.back());
        DaemonProcess& d = launch(args);
        EXPECT_EQ(d.wait_exit(), 2) << d.log();
        EXPECT_NE(d.log().find(message), std::string::npos) << d.log();
        EXPECT_FALSE(master_exists()) << "nothing made";
    }
}

INSTANTIATE_TEST_SUITE_P(Setups, TrustedVfForms, ::testing::Values(Setup{"bpf", "3dev"}), setup_name);

// An ifb refuses every MAC change (EOPNOTSUPP): with the id of the primary it is still not used, it is left
// as it was, and the standby carries the traffic.
class TrustedVfRefused : public FailoverdFixture {};

TEST_P(TrustedVfRefused, ADeviceThatRefusesTheMacIsNotUsed) {
    lab_->delete_primary();
    sh(lab_->in_guest("link add pr9 type ifb"));
    sh(lab_->in_guest("link set pr9 alias vf0"));
    const auto before = nlohmann::json::parse(sh("ip -j -n " + lab_->guest() + " link show dev pr9")).at(0);
    DaemonProcess& d = start({"--primary-id", "alias:vf0"});
    ASSERT_TRUE(wait_active("standby")) << d.log();
    ASSERT_TRUE(wait_until([&] { return d.log().find("refused the standby's MAC") != std::string::npos; }, 5s))
        << d.log();
    EXPECT_NE(d.log().find("pr9 (pair id alias:vf0) refused the standby's MAC " + std::string(kGuestMac)),
              std::string::npos)
        << d.log();
    EXPECT_FALSE(status()["primary"].value("present", true)) << status().dump();
    EXPECT_TRUE(status()["pairing"]["taken_addresses"].empty()) << status().dump();
    const auto after = nlohmann::json::parse(sh("ip -j -n " + lab_->guest() + " link show dev pr9")).at(0);
    EXPECT_EQ(after.at("address"), before.at("address"));
    EXPECT_FALSE(after.contains("master")) << after.dump() << ": never half-enslaved";
    lab_->configure_master_ip();
    EXPECT_TRUE(lab_->ping());
}

INSTANTIATE_TEST_SUITE_P(Setups, TrustedVfRefused,
                         ::testing::Values(Setup{"bpf", "3dev"}, Setup{"packet", "3dev"}), setup_name);

}  // namespace
}  // namespace nf::failoverd::test
