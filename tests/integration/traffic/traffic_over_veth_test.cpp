// Sequenced UDP both ways between a "client" and a "VM" namespace over a veth: clean, then with the link
// down for ~300 ms. Asserts on structure with generous tolerances, not on tight timing.
#include <gtest/gtest.h>

#include <chrono>
#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>
#include <thread>

#include "lab/traffic/traffic.h"
#include "netns_pair.h"

namespace nf::lab {
namespace {

using namespace std::chrono_literals;
constexpr std::int64_t kMs = 1'000'000;

// Both directions of one run: a sender and a receiver in each namespace.
class TwoWayTraffic {
public:
    TwoWayTraffic(const test::NetnsPair& pair, double duration_s)
        : client_rx_({.capacity_per_stream = log_capacity_for(1000, duration_s)}),
          vm_rx_({.capacity_per_stream = log_capacity_for(1000, duration_s)}),
          client_receiver_(client_rx_, socket(pair.client, std::string(test::NetnsPair::kClientIp) + ":5002")),
          vm_receiver_(vm_rx_, socket(pair.vm, std::string(test::NetnsPair::kVmIp) + ":5001")),
          to_vm_(config(std::string(test::NetnsPair::kVmIp) + ":5001", Direction::ClientToVm, duration_s),
                 test::NetnsPair::udp_socket_in(pair.client, nullptr)),
          to_client_(config(std::string(test::NetnsPair::kClientIp) + ":5002", Direction::VmToClient, duration_s),
                     test::NetnsPair::udp_socket_in(pair.vm, nullptr)) {}

    void start() {
        receivers_.emplace_back([this](std::stop_token stop) { client_receiver_.run(stop); });
        receivers_.emplace_back([this](std::stop_token stop) { vm_receiver_.run(stop); });
        senders_.emplace_back([this](std::stop_token stop) { to_vm_.run(stop); });
        senders_.emplace_back([this](std::stop_token stop) { to_client_.run(stop); });
    }

    // Waits for the senders to finish their duration, lets the last packets land, stops the receivers.
    TrafficRun finish(std::vector<Mark> marks) {
        for (std::jthread& sender : senders_) sender.join();  // not clear(): ~jthread would request a stop
        std::this_thread::sleep_for(200ms);
        receivers_.clear();
        return {{make_trace(to_vm_.key(), to_vm_.log(), vm_rx_), make_trace(to_client_.key(), to_client_.log(), client_rx_)},
                {""},
                std::move(marks)};
    }

    // Ends the senders before their duration (for runs that last until the test has seen what it needs).
    void stop_senders() {
        for (std::jthread& sender : senders_) sender.request_stop();
    }

    const Recorder& vm_recorder() const { return vm_rx_; }
    const Recorder& client_recorder() const { return client_rx_; }
    // Datagrams received so far in the direction that received the fewest.
    std::uint64_t received_both_ways() const {
        return std::min(vm_rx_.counters().accepted, client_rx_.counters().accepted);
    }

private:
    static UniqueFd socket(const std::string& netns, const std::string& bind) {
        const UdpAddress address = UdpAddress::parse(bind);
        return test::NetnsPair::udp_socket_in(netns, &address);
    }
    static SenderConfig config(const std::string& to, Direction direction, double duration_s) {
        SenderConfig config;
        config.to = UdpAddress::parse(to);
        config.rate = 1000;
        config.duration_s = duration_s;
        config.direction = direction;
        return config;
    }

    Recorder client_rx_;
    Recorder vm_rx_;
    Receiver client_receiver_;
    Receiver vm_receiver_;
    Sender to_vm_;
    Sender to_client_;
    std::vector<std::jthread> receivers_;  // declared after what they use: destroyed (joined) first
    std::vector<std::jthread> senders_;
};

void save(const std::string& name, const TrafficRun& run, const Analysis& analysis) {
    std::ofstream(name + ".svg") << render_timeline(run, {.title = name});
    std::ofstream(name + ".json") << to_json(analysis).dump(2) << '\n';
    std::cout << format_table(analysis);
}

TEST(TrafficOverVeth, OneKilohertzBothWaysForTwoSecondsLosesNothing) {
    test::NetnsPair pair;
    TwoWayTraffic traffic(pair, 2.0);
    traffic.start();
    const TrafficRun run = traffic.finish({});
    const Analysis analysis = analyze(run);
    save("traffic_clean", run, analysis);

    for (const DirectionStats& stats : analysis.total.directions) {
        SCOPED_TRACE(std::string(to_string(stats.direction)));
        EXPECT_EQ(stats.sent, 2000u);  // deadlines 0, 1, ..., 1999 ms
        EXPECT_EQ(stats.delivered, stats.sent);
        EXPECT_EQ(stats.lost, 0u);
        EXPECT_EQ(stats.not_sent, 0u);
        EXPECT_EQ(stats.duplicated, 0u);
        EXPECT_FALSE(stats.longest_gap);
        ASSERT_TRUE(stats.latency);
        EXPECT_GT(stats.latency->p50_ns, 0);
        EXPECT_LT(stats.latency->p50_ns, 50 * kMs);
    }
    EXPECT_EQ(traffic.vm_recorder().counters().short_datagrams + traffic.vm_recorder().counters().bad_magic, 0u);
}

// Polls until `condition` holds or `timeout` passes (generous: CI machines are loaded).
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition())
        if (std::chrono::steady_clock::now() > deadline) return false;
        else std::this_thread::sleep_for(10ms);
    return true;
}

TEST(TrafficOverVeth, LinkDownForThreeHundredMillisecondsIsOneGapOfThatLength) {
    test::NetnsPair pair;
    // Up to 30 s, but stopped as soon as each phase has seen enough packets: a loaded machine stretches
    // the run instead of squeezing a phase out of it.
    TwoWayTraffic traffic(pair, 30.0);
    std::vector<Mark> marks{{monotonic_ns(), "steady", MarkKind::Phase}};
    traffic.start();
    ASSERT_TRUE(wait_until([&] { return traffic.received_both_ways() >= 500; })) << "no steady traffic";

    const std::int64_t down_at = monotonic_ns();
    marks.push_back({down_at, "link down", MarkKind::Phase});
    test::run("ip -n " + pair.client + " link set " + test::NetnsPair::kClientDev + " down");
    const std::int64_t down_done = monotonic_ns();
    marks.push_back({down_done, "ip link set down done", MarkKind::Event});
    std::this_thread::sleep_for(300ms);
    const std::int64_t up_at = monotonic_ns();
    marks.push_back({up_at, "link up", MarkKind::Phase});
    test::run("ip -n " + pair.client + " link set " + test::NetnsPair::kClientDev + " up");
    const std::int64_t up_done = monotonic_ns();
    marks.push_back({up_done, "ip link set up done", MarkKind::Event});
    const std::uint64_t received_at_up = traffic.received_both_ways();
    EXPECT_TRUE(wait_until([&] { return traffic.received_both_ways() >= received_at_up + 600; })) << "no recovery";
    traffic.stop_senders();
    // The longest the link can have been down: from asking for down to up being done (300 ms when quiet).
    const std::int64_t outage_bound = up_done - down_at;

    const TrafficRun run = traffic.finish(marks);
    const Analysis analysis = analyze(run);
    save("traffic_link_down", run, analysis);

    ASSERT_EQ(analysis.phases.size(), 3u);  // steady, link down, link up (the first mark precedes traffic)
    for (std::size_t d = 0; d < kDirectionCount; ++d) {
        const DirectionStats& total = analysis.total.directions[d];
        SCOPED_TRACE(std::string(to_string(total.direction)));
        EXPECT_EQ(total.sent, total.delivered + total.lost + total.not_sent);
        const std::uint64_t missing = total.lost + total.not_sent;
        EXPECT_GE(missing, 150u);
        EXPECT_LE(missing, static_cast<std::uint64_t>((outage_bound + 400 * kMs) / kMs));

        ASSERT_TRUE(total.longest_gap);
        const Outage& gap = *total.longest_gap;
        const auto ms = [&](std::int64_t t) { return std::to_string((t - down_at) / kMs) + " ms"; };
        SCOPED_TRACE("relative to link down: down done " + ms(down_done) + ", up " + ms(up_at) + ", up done " +
                     ms(up_done) + "; gap " + ms(gap.start_ns) + " .. " + ms(gap.end_ns) + ", " +
                     std::to_string(gap.packets) + " packets of " + std::to_string(missing) + " missing");
        EXPECT_GE(gap.duration_ns(), 200 * kMs);
        EXPECT_LE(gap.duration_ns(), outage_bound + 500 * kMs);
        EXPECT_GE(gap.start_ns, down_at - 20 * kMs);  // begins at the link going down...
        EXPECT_LE(gap.start_ns, down_done + 200 * kMs);
        EXPECT_GE(gap.end_ns, up_at - 50 * kMs);       // ...ends after it comes back
        // Nearly all missing packets are in that one gap; the gap is about one packet per ms. (A sender the
        // loaded machine did not schedule for a while sends the packets it owes at once when it runs again:
        // a stall at either end of the gap moves its packet count away from its length by the stall.)
        EXPECT_GE(gap.packets * 10, missing * 9);
        EXPECT_NEAR(static_cast<double>(gap.packets), static_cast<double>(gap.duration_ns()) / kMs,
                    100.0 + static_cast<double>(gap.duration_ns()) / kMs / 5);

        EXPECT_EQ(analysis.phases[0].directions[d].lost + analysis.phases[0].directions[d].not_sent, 0u);
        EXPECT_GT(analysis.phases[1].directions[d].lost + analysis.phases[1].directions[d].not_sent, 100u);
        EXPECT_GT(analysis.phases[2].directions[d].delivered, 500u);  // recovered
    }
}

}  // namespace
}  // namespace nf::lab
