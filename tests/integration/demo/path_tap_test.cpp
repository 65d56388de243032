// PathTap on a real lab without VMM or guest: the test plays the VMM (moves the VF into the VM namespace
// and addresses it), then a stream both ways between the client and the VM is labelled "vf" by a tap on
// the host's VF bridge port; taps on the host uplink count the same packets, only on their own UDP port. Prefix nfdp<pid>, subnet 10.83.0.0/24; torn down at the end.
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "lab/demo/path_tap.h"
#include "lab/demo/probe.h"
#include "lab/topology/lab.h"
#include "lab/topology/lab_names.h"
#include "lab/traffic/traffic.h"
#include "os/netns.h"
#include "os/rtnl.h"

namespace nf::lab::demo {
namespace {

class ScopedTestLab {
public:
    explicit ScopedTestLab(const LabConfig& config) : prefix_(config.prefix) {
        lab_down(prefix_);
        lab_up(config);
    }
    ~ScopedTestLab() {
        try {
            lab_down(prefix_);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "teardown of " << prefix_ << ": " << e.what();
        }
    }
    ScopedTestLab(const ScopedTestLab&) = delete;
    ScopedTestLab& operator=(const ScopedTestLab&) = delete;

private:
    std::string prefix_;
};

TEST(DemoPathTap, LabelsStreamPacketsSeenOnTheVfPort) {
    const auto config = parse_lab_config({{"prefix", "nfdp" + std::to_string(::getpid() % 10000)},
                                          {"subnet", "10.83.0.0/24"},
                                          {"vmm", {{"start", false}}},
                                          {"guest", {{"start", false}}}});
    const ScopedTestLab lab(config);
    const LabNames names(config.prefix);
    const auto& vm = config.vms.front();
    const auto& client = config.clients.front();

    // Plug the VF by hand, as the VMM would.
    const auto host_ns = os::Netns::open_named(names.netns(vm.host));
    const auto vm_ns = os::Netns::open_named(names.netns(vm.name));
    os::Rtnl::in(host_ns).move_to_netns(LabNames::vf_netdev(vm.name), vm_ns);
    auto vm_rtnl = os::Rtnl::in(vm_ns);
    vm_rtnl.add_address(LabNames::vf_netdev(vm.name), vm.ip);
    vm_rtnl.set_up(LabNames::vf_netdev(vm.name));

    constexpr std::uint16_t kPort = 47321;
    probe_both_ways({names.netns(client.name), client.ip.address}, {names.netns(vm.name), vm.ip.address}, kPort + 2,
                    std::chrono::seconds(5));
    Recorder recorder({.capacity_per_stream = 1000, .max_streams = 4});
    PathTap vf(recorder, names.netns(vm.host), LabNames::vf_port(vm.name), "vf", kPort);
    Recorder elsewhere({.capacity_per_stream = 1000, .max_streams = 4});  // the uplink's taps: counts only
    PathTap uplink(elsewhere, names.netns(vm.host), kHostUplink, "uplink", kPort);
    PathTap other_port(elsewhere, names.netns(vm.host), kHostUplink, "other-port", kPort + 1);

    const auto socket_in = [](const os::Netns& ns, const std::string& ip, std::uint16_t port) {
        const os::NetnsScope scope(ns);
        const auto bind = UdpAddress::parse(ip + ":" + std::to_string(port));
        return std::pair{open_udp_socket(&bind), open_udp_socket(nullptr)};
    };
    auto [client_rx_fd, client_tx_fd] = socket_in(os::Netns::open_named(names.netns(client.name)), client.ip.address, kPort);
    auto [vm_rx_fd, vm_tx_fd] = socket_in(vm_ns, vm.ip.address, kPort);
    Receiver client_rx(recorder, std::move(client_rx_fd)), vm_rx(recorder, std::move(vm_rx_fd));
    const auto sender = [&](std::uint32_t id, Direction d, const std::string& to, UniqueFd fd) {
        SenderConfig c;
        c.to = UdpAddress::parse(to + ":" + std::to_string(kPort));
        c.rate = 500;
        c.duration_s = 0.4;
        c.stream_id = id;
        c.direction = d;
        return std::make_unique<Sender>(c, std::move(fd));
    };
    auto c2v = sender(1, Direction::ClientToVm, vm.ip.address, std::move(client_tx_fd));
    auto v2c = sender(2, Direction::VmToClient, client.ip.address, std::move(vm_tx_fd));
    {
        std::jthread a([&](std::stop_token s) { client_rx.run(s); }), b([&](std::stop_token s) { vm_rx.run(s); });
        std::jthread c([&](std::stop_token s) { vf.run(s); }), d([&](std::stop_token s) { uplink.run(s); });
        std::jthread e([&](std::stop_token s) { other_port.run(s); });
        std::jthread f([&](std::stop_token s) { c2v->run(s); }), g([&](std::stop_token s) { v2c->run(s); });
        f.join();
        g.join();
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }

    const auto labels = recorder.path_labels();
    for (const auto& [sender_ptr, dir] : {std::pair{c2v.get(), Direction::ClientToVm}, std::pair{v2c.get(), Direction::VmToClient}}) {
        const auto trace = make_trace(sender_ptr->key(), sender_ptr->log(), recorder);
        std::uint64_t delivered = 0, via_vf = 0;
        for (std::uint64_t seq = 0; seq < trace.sends.size(); ++seq) {
            const auto fate = packet_fate(trace, seq);
            if (fate.fate != Fate::Delivered) continue;
            ++delivered;
            if (labels.at(fate.path) == "vf") ++via_vf;
        }
        EXPECT_GT(delivered, 150u) << to_string(dir);
        EXPECT_EQ(via_vf, delivered) << to_string(dir) << ": every delivered packet passed a tapped port";
        EXPECT_GT(vf.seen(dir), 150u) << to_string(dir);
        EXPECT_GT(uplink.seen(dir), 150u) << to_string(dir);
        EXPECT_EQ(other_port.seen(dir), 0u) << "a tap counts only its own UDP port";
    }
}

}  // namespace
}  // namespace nf::lab::demo
