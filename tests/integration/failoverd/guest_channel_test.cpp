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

    explicit FakeVmm(std::string path, Hook hook = {}) : path_(std::move(path)), hook_(std::move(hook)) {
        std::promise<void> listening;
        auto ready = listening.get_future();
        thread_ = std::thread([this, &listening] {
            EventLoop loop;
            qmp::DeviceChannelServer server(loop, path_, lab_hello, [this](const channel::Message& m) {
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
        EXPECT_TRUE(lab_->ping());
    }
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
                         ::testing::Values(Setup{"bpf", "3dev"}, Setup{"packet", "3dev"}),
                         setup_name);

}  // namespace
}  // namespace nf::failoverd::test
