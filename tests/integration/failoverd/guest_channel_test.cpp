// failoverd on the lab VMM's device channel (--device-channel): a fake VMM in the test (a
// DeviceChannelServer on a temp socket, served by its own thread) offers a standby and a primary; the
// real daemon acks the features, and answers an eject request make-before-break.
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <regex>
#include <thread>

#include "../../support/ping_stream.h"
#include "device/features.h"
#include "failoverd_fixture.h"
#include "qmp/device_channel.h"

namespace nf::failoverd::test {
namespace {

using namespace std::chrono_literals;
namespace channel = device::channel;

constexpr std::uint64_t kOffered = device::kBaseFeatures | device::kFeatureStandby;

channel::Hello lab_hello() {
    channel::Hello h;
    h.devices.push_back({"standby0", channel::Role::Standby, kGuestMac, kOffered});
    h.devices.push_back({"primary0", channel::Role::Primary, kGuestMac, 0});
    return h;
}

// The VMM end. All server calls happen on its thread; the test queues messages and reads what arrived.
class FakeVmm {
public:
    using Hook = std::function<void(const channel::Message&)>;

    explicit FakeVmm(std::string path, Hook hook = {}, std::function<channel::Hello()> hello = lab_hello)
        : path_(std::move(path)), hook_(std::move(hook)) {
        std::promise<void> listening;
        auto ready = listening.get_future();
        thread_ = std::thread([this, &listening, hello = std::move(hello)] {
            EventLoop loop;
            qmp::DeviceChannelServer server(loop, path_, hello, [this](const channel::Message& m) {
                if (hook_) hook_(m);
                std::lock_guard lock(mutex_);
                received_.push_back(m);
            });
            listening.set_value();
            while (!stop_) {
                loop.run_once(std::chrono::milliseconds(10));
                std::deque<channel::Message> out;
                {
                    std::lock_guard lock(mutex_);
                    out.swap(outbox_);
                    accepted_ = server.counters().guests_accepted;
                    connected_ = server.guest_connected();
                }
                for (const auto& m : out) server.send(m);
            }
        });
        ready.wait();
    }
    ~FakeVmm() {
        stop_ = true;
        thread_.join();
    }
    FakeVmm(const FakeVmm&) = delete;
    FakeVmm& operator=(const FakeVmm&) = delete;

    void send(channel::Message m) {
        std::lock_guard lock(mutex_);
        outbox_.push_back(std::move(m));
    }
    std::vector<channel::Message> received() {
        std::lock_guard lock(mutex_);
        return received_;
    }
    std::uint64_t accepted() {
        std::lock_guard lock(mutex_);
        return accepted_;
    }
    template <typename T>
    std::optional<T> first(std::size_t from = 0) {
        const auto all = received();
        for (std::size_t i = from; i < all.size(); ++i)
            if (const auto* m = std::get_if<T>(&all[i])) return *m;
        return std::nullopt;
    }
    template <typename T>
    std::optional<std::size_t> index_of(std::size_t from = 0) {
        const auto all = received();
        for (std::size_t i = from; i < all.size(); ++i)
            if (std::holds_alternative<T>(all[i])) return i;
        return std::nullopt;
    }

private:
    std::string path_;
    Hook hook_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::vector<channel::Message> received_;
    std::deque<channel::Message> outbox_;
    std::uint64_t accepted_ = 0;
    bool connected_ = false;
};

class DeviceChannel : public FailoverdFixture {
protected:
    void SetUp() override {
        lab_ = std::make_unique<GuestLab>("nfg");
        if (two_dev()) lab_->standby_is_master();
    }
    void TearDown() override {
        const std::string path = socket();
        FailoverdFixture::TearDown();
        std::filesystem::remove(path);
    }
    std::string socket() const { return "/tmp/nfg-" + lab_->tag() + ".chan"; }
    std::vector<std::string> channel_args(std::vector<std::string> more = {}) {
        std::vector<std::string> args{"--device-channel", socket()};
        args.insert(args.end(), more.begin(), more.end());
        return args;
    }
    // set_features then driver_ok for standby0; the features acked.
    std::optional<std::uint64_t> wait_negotiated(FakeVmm& vmm, std::size_t from = 0) {
        if (!wait_until([&] { return vmm.index_of<channel::DriverOk>(from).has_value(); }, 5s)) return std::nullopt;
        const auto set = vmm.index_of<channel::SetFeatures>(from);
        const auto ok = vmm.index_of<channel::DriverOk>(from);
        EXPECT_TRUE(set && ok && *set < *ok);
        const auto features = vmm.first<channel::SetFeatures>(from);
        if (!features) return std::nullopt;
        EXPECT_EQ(features->device, "standby0");
        EXPECT_EQ(vmm.first<channel::DriverOk>(from)->device, "standby0");
        return features->features;
    }
    bool primary_up() const {
        return lab_->link_json(lab_->guest(), "pr0").find("\"UP\"") != std::string::npos;
    }
};

TEST_P(DeviceChannel, AcksTheOfferedFeaturesWithStandby) {
    FakeVmm vmm(socket());
    start(channel_args());
    const auto features = wait_negotiated(vmm);
    ASSERT_TRUE(features) << daemons_.back()->log();
    EXPECT_EQ(*features, kOffered);
    EXPECT_TRUE(*features & (std::uint64_t{1} << 62));
    const auto s = status()["device_channel"];
    EXPECT_EQ(s["path"], socket());
    EXPECT_TRUE(s["connected"].get<bool>());
    EXPECT_EQ(s["negotiated"], nlohmann::json::array({"standby0"}));
    EXPECT_EQ(s["ejects_acked"], 0);
}

TEST_P(DeviceChannel, NoStandbyAckPlaysAGuestWithoutFailover) {
    FakeVmm vmm(socket());
    start(channel_args({"--no-standby-ack"}));
    const auto features = wait_negotiated(vmm);
    ASSERT_TRUE(features) << daemons_.back()->log();
    EXPECT_EQ(*features, device::kBaseFeatures);
    EXPECT_FALSE(*features & device::kFeatureStandby);
    EXPECT_FALSE(status()["device_channel"]["standby_ack"].get<bool>());
}

// An eject request: TX and RX move to the standby (traffic keeps flowing), the primary goes down, and only
// then does the ack arrive. The primary's later removal and a re-plug follow the normal rules.
TEST_P(DeviceChannel, EjectRequestRemovesThePrimaryMakeBeforeBreakThenAcks) {
    for (const char* rx_mode : {"make-before-break", "kernel"}) {
        SCOPED_TRACE(rx_mode);
        if (std::string(rx_mode) == "kernel") {  // a fresh daemon and lab for the second round
            daemons_.clear();
            std::filesystem::remove(socket());
            lab_ = std::make_unique<GuestLab>("nfg");
            if (two_dev()) lab_->standby_is_master();
        }
        std::atomic<int> primary_up_at_ack{-1};
        FakeVmm vmm(socket(), [&](const channel::Message& m) {
            if (std::holds_alternative<channel::EjectAck>(m)) primary_up_at_ack = primary_up() ? 1 : 0;
        });
        start(channel_args({"--rx-mode", rx_mode}));
        ASSERT_TRUE(wait_negotiated(vmm)) << daemons_.back()->log();
        lab_->configure_master_ip();
        ASSERT_TRUE(wait_active("primary"));
        ASSERT_TRUE(lab_->ping());

        // From the host side, through the whole eject: pings 50 ms apart, from before the request until
        // well after the ack.
        nf::test::PingStream pinger(lab_->host(), "10.77.0.2", 0.05);
        ASSERT_TRUE(wait_until([&] { return pinger.replies() >= 5; }, 10s)) << pinger.stop().output;
        vmm.send(channel::EjectRequest{"primary0"});
        ASSERT_TRUE(wait_until([&] { return vmm.first<channel::EjectAck>().has_value(); }, 5s))
            << daemons_.back()->log();
        const auto acked_at = nf::test::PingStream::Clock::now();
        EXPECT_EQ(vmm.first<channel::EjectAck>()->device, "primary0");
        EXPECT_EQ(primary_up_at_ack.load(), 0) << "the primary must be down before the ack";
        EXPECT_FALSE(primary_up());
        EXPECT_EQ(status()["active"], "standby");
        EXPECT_TRUE(status()["primary"]["present"].get<bool>());  // still plugged, closed
        EXPECT_EQ(status()["device_channel"]["ejects_acked"], 1);

        EXPECT_TRUE(wait_until([&] { return pinger.replies_since(acked_at) >= 5; }, 10s));
        const auto r = pinger.stop();
        EXPECT_FALSE(r.ended_by_itself) << r.output;
        // Make-before-break: at most a couple of pings lost across the whole eject.
        EXPECT_LE(r.missing.size(), 2u) << nf::test::describe_loss(r) << "\n" << r.output;
        EXPECT_TRUE(lab_->ping());

        // The VMM takes the VF away, later plugs one back: it is used again without any forced choice.
        lab_->delete_primary();
        ASSERT_TRUE(wait_until([&] { return !status()["primary"]["present"].get<bool>(); }, 5s));
        EXPECT_TRUE(lab_->ping());
        lab_->add_primary("prh2");
        EXPECT_TRUE(wait_active("primary")) << daemons_.back()->log();
        EXPECT_EQ(status()["active_choice"], "auto");
        EXPECT_TRUE(lab_->ping()) << status().dump() << "\n" << daemons_.back()->log();
    }
}

// A trusted VF (issue 13): the VMM plugged it with a MAC of its own, which the channel reports; failoverd paired
// it by its id and gave it the standby's MAC. Its eject request is still ours (the own MAC failoverd took
// over), so it is removed make-before-break before the ack, exactly as a MAC-paired one; a device of a MAC
// that is neither is another pair's, acked without touching ours.
TEST_P(DeviceChannel, EjectOfATrustedVfPairedByIdIsOursAndMakeBeforeBreak) {
    lab_->delete_primary();
    sh(lab_->in_host("link add prh type veth peer name pr0"));
    sh(lab_->in_host("link set pr0 alias vf0"));
    const std::string own =
        nlohmann::json::parse(sh("ip -j -n " + lab_->host() + " link show dev pr0")).at(0).at("address").get<std::string>();
    ASSERT_NE(own, kGuestMac);
    sh(lab_->in_host("link set pr0 netns " + lab_->guest()));
    sh(lab_->in_host("link set prh master br0"));
    sh(lab_->in_host("link set prh up"));
    sh_status(lab_->in_guest("link set pr0 up"));

    std::atomic<int> primary_up_at_ack{-1};
    const auto hello = [own] {
        channel::Hello h;
        h.devices.push_back({"standby0", channel::Role::Standby, kGuestMac, kOffered});
        h.devices.push_back({"primary0", channel::Role::Primary, own, 0});
        h.devices.push_back({"other0", channel::Role::Primary, "52:54:00:aa:bb:cc", 0});
        return h;
    };
    FakeVmm vmm(
        socket(),
        [&](const channel::Message& m) {
            if (const auto* ack = std::get_if<channel::EjectAck>(&m); ack && ack->device == "primary0")
                primary_up_at_ack = primary_up() ? 1 : 0;
        },
        hello);
    start(channel_args({"--primary-id", "alias:vf0"}));
    ASSERT_TRUE(wait_negotiated(vmm)) << daemons_.back()->log();
    lab_->configure_master_ip();
    ASSERT_TRUE(wait_active("primary")) << daemons_.back()->log();
    ASSERT_EQ(status()["pairing"]["taken_addresses"].at(0)["own"], own) << status().dump();
    ASSERT_TRUE(lab_->ping());

    // Another pair's VF: acked, ours untouched.
    vmm.send(channel::EjectRequest{"other0"});
    ASSERT_TRUE(wait_until([&] { return vmm.first<channel::EjectAck>().has_value(); }, 5s)) << daemons_.back()->log();
    EXPECT_EQ(vmm.first<channel::EjectAck>()->device, "other0");
    EXPECT_EQ(status()["active"], "primary");
    EXPECT_TRUE(primary_up());
    EXPECT_NE(daemons_.back()->log().find("eject request for other0, not ours"), std::string::npos)
        << daemons_.back()->log();

    nf::test::PingStream pinger(lab_->host(), "10.77.0.2", 0.05);
    ASSERT_TRUE(wait_until([&] { return pinger.replies() >= 5; }, 10s)) << pinger.stop().output;
    const std::size_t before = vmm.received().size();
    vmm.send(channel::EjectRequest{"primary0"});
    ASSERT_TRUE(wait_until([&] { return vmm.first<channel::EjectAck>(before).has_value(); }, 5s))
        << daemons_.back()->log();
    EXPECT_EQ(vmm.first<channel::EjectAck>(before)->device, "primary0");
    EXPECT_EQ(primary_up_at_ack.load(), 0) << "the trusted VF must be down before the ack" << daemons_.back()->log();
    EXPECT_EQ(status()["active"], "standby");
    EXPECT_NE(daemons_.back()->log().find("eject request for primary primary0"), std::string::npos)
        << daemons_.back()->log();
    EXPECT_EQ(daemons_.back()->log().find("eject request for primary0, not ours"), std::string::npos)
        << daemons_.back()->log();
    const auto acked_at = nf::test::PingStream::Clock::now();
    EXPECT_TRUE(wait_until([&] { return pinger.replies_since(acked_at) >= 5; }, 10s));
    const auto r = pinger.stop();
    EXPECT_LE(r.missing.size(), 2u) << nf::test::describe_loss(r) << "\n" << r.output;
}

// The VMM's socket appears after failoverd started, and the VMM restarts: failoverd connects each time.
TEST_P(DeviceChannel, ConnectsWhenTheSocketAppearsAndAfterTheVmmRestarts) {
    start(channel_args());
    EXPECT_FALSE(status()["device_channel"]["connected"].get<bool>());
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(status()["active"], "primary");  // serving meanwhile
    {
        FakeVmm vmm(socket());
        ASSERT_TRUE(wait_negotiated(vmm)) << daemons_.back()->log();
        EXPECT_TRUE(status()["device_channel"]["connected"].get<bool>());
    }
    EXPECT_TRUE(wait_until([&] { return !status()["device_channel"]["connected"].get<bool>(); }, 3s));
    FakeVmm again(socket());
    ASSERT_TRUE(wait_negotiated(again)) << daemons_.back()->log();
    EXPECT_EQ(status()["device_channel"]["connects"], 2);
    EXPECT_NE(daemons_.back()->log().find("not there yet"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Setups, DeviceChannel,
                         ::testing::Values(Setup{"bpf", "3dev"}, Setup{"packet", "3dev"}, Setup{"bpf", "2dev"}),
                         setup_name);

}  // namespace
}  // namespace nf::failoverd::test
