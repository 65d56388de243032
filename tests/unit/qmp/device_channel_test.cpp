// The device channel over a real unix socket, and the whole VMM control path: a Machine served over QMP
// and the channel, with a guest that acks STANDBY and ejects.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <mutex>

#include "device/features.h"
#include "device/guest_channel.h"
#include "qmp/device_channel.h"
#include "qmp/machine_service.h"
#include "qmp/qmp_client.h"
#include "socket_fixture.h"

namespace nf::qmp::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
namespace ch = device::channel;

TEST(DeviceChannelSocket, HelloThenMessagesBothWays) {
    TempDir dir;
    EventLoop events;
    std::vector<ch::Message> received;  // touched by the loop thread only until it stops
    DeviceChannelServer server(
        events, dir.file("chan.sock"), [] { return ch::Hello{1, {{"standby0", ch::Role::Standby, "52:54:00:22:22:22", 1}}}; },
        [&](const ch::Message& m) {
            received.push_back(m);
            if (std::holds_alternative<ch::DriverOk>(m)) server.send(ch::EjectRequest{"primary0"});
        });
    LoopThread loop([&] { events.run_once(milliseconds(10)); });

    DeviceChannelClient guest = DeviceChannelClient::connect(dir.file("chan.sock"));
    const auto hello = guest.receive(milliseconds(2000));
    ASSERT_TRUE(hello);
    EXPECT_EQ(std::get<ch::Hello>(*hello).devices.at(0).id, "standby0");
    DeviceChannelClient second = DeviceChannelClient::connect(dir.file("chan.sock"));
    EXPECT_THROW(second.receive(milliseconds(2000)), DeviceChannelError) << "one guest at a time";

    guest.send(ch::SetFeatures{"standby0", 1});
    ::send(guest.fd(), "garbage\n", 8, MSG_NOSIGNAL);
    guest.send(ch::DriverOk{"standby0"});
    const auto eject = guest.receive(milliseconds(2000));
    ASSERT_TRUE(eject);
    EXPECT_EQ(*eject, ch::Message(ch::EjectRequest{"primary0"}));
    loop.stop();
    EXPECT_EQ(received, (std::vector<ch::Message>{ch::SetFeatures{"standby0", 1}, ch::DriverOk{"standby0"}}));
    EXPECT_EQ(server.counters().protocol_errors, 1u);
    EXPECT_EQ(server.counters().guests_refused, 1u);
}

// What a guest missed while none was connected (the VMM repeats a pending eject) follows its hello.
TEST(DeviceChannelSocket, ConnectedCallbackSendsAfterTheHello) {
    TempDir dir;
    EventLoop events;
    int connected = 0;
    DeviceChannelServer server(
        events, dir.file("chan.sock"), [] { return ch::Hello{1, {}}; }, [](const ch::Message&) {});
    server.on_guest_connected([&] {
        ++connected;
        server.send(ch::EjectRequest{"primary0"});
    });
    LoopThread loop([&] { events.run_once(milliseconds(10)); });
    DeviceChannelClient guest = DeviceChannelClient::connect(dir.file("chan.sock"));
    const auto hello = guest.receive(milliseconds(2000));
    ASSERT_TRUE(hello);
    EXPECT_TRUE(std::holds_alternative<ch::Hello>(*hello)) << "the hello comes first";
    const auto eject = guest.receive(milliseconds(2000));
    ASSERT_TRUE(eject);
    EXPECT_EQ(*eject, ch::Message(ch::EjectRequest{"primary0"}));
    loop.stop();
    EXPECT_EQ(connected, 1);
}

TEST(MachineOverSockets, NegotiatePlugAndOrderlyDelete) {
    TempDir dir;
    device::Machine machine;

    std::mutex mutex;
    std::vector<std::string> backend;  // what the VMM's OS edge was asked to do
    MachineService service(machine, [&](const device::Action& a) {
        std::lock_guard lock(mutex);
        backend.push_back(device::to_string(a));
    });
    // The -device command line: its outcomes go to the backend like any other.
    service.publish(machine.cold_plug({{"driver", "virtio-net-pci"}, {"id", "standby0"}, {"bus", "root0"},
                                       {"mac", "52:54:00:22:22:22"}, {"failover", true}}));
    service.publish(machine.cold_plug({{"driver", "vfio-pci"}, {"id", "primary0"}, {"bus", "root1"},
                                       {"mac", "52:54:00:22:22:22"}, {"failover_pair_id", "standby0"}}));
    machine.start();
    EventLoop events;
    QmpServer qmp(events, QmpServerOptions{dir.file("qmp.sock")},
                  [&](const std::string& c, const json& a) { return service.execute(c, a); });
    DeviceChannelServer channel(
        events, dir.file("chan.sock"), [&] { return ch::hello_for(machine); },
        [&](const ch::Message& m) { service.on_guest_message(m); });
    service.attach(qmp);
    service.attach(channel);
    // One loop over both servers, as the VMM runs it (plus its link monitor and timers).
    LoopThread loop([&] { events.run_once(milliseconds(10)); });

    QmpClient mgmt = QmpClient::connect(dir.file("qmp.sock"));
    mgmt.negotiate();
    DeviceChannelClient guest = DeviceChannelClient::connect(dir.file("chan.sock"));
    const auto hello = guest.receive(milliseconds(2000));
    ASSERT_TRUE(hello);
    ASSERT_EQ(std::get<ch::Hello>(*hello).devices.size(), 1u) << "the primary is hidden";
    const auto offered = std::get<ch::Hello>(*hello).devices[0].features;
    ASSERT_TRUE(offered & device::kFeatureStandby);

    guest.send(ch::SetFeatures{"standby0", offered});
    const auto negotiated = mgmt.wait_event("FAILOVER_NEGOTIATED", milliseconds(2000));
    ASSERT_TRUE(negotiated);
    EXPECT_EQ(negotiated->data, (json{{"device-id", "standby0"}}));
    const auto plugged = guest.receive(milliseconds(2000));
    ASSERT_TRUE(plugged);
    EXPECT_EQ(std::get<ch::Plugged>(*plugged).device.id, "primary0");

    EXPECT_EQ(mgmt.execute("device_del", {{"id", "ghost"}}),
              QmpResult(QmpError{"DeviceNotFound", "Device 'ghost' not found"}));
    mgmt.execute_ok("device_del", {{"id", "primary0"}});
    const auto eject = guest.receive(milliseconds(2000));
    ASSERT_TRUE(eject);
    EXPECT_EQ(*eject, ch::Message(ch::EjectRequest{"primary0"}));
    EXPECT_FALSE(mgmt.wait_event("DEVICE_DELETED", milliseconds(100))) << "not before the guest acks";
    guest.send(ch::EjectAck{"primary0"});
    const auto deleted = mgmt.wait_event("DEVICE_DELETED", milliseconds(2000));
    ASSERT_TRUE(deleted);
    EXPECT_EQ(deleted->data, (json{{"device", "primary0"}, {"path", "/machine/peripheral/primary0"}}));
    const auto unplugged = guest.receive(milliseconds(2000));
    ASSERT_TRUE(unplugged);
    EXPECT_EQ(*unplugged, ch::Message(ch::Unplugged{"primary0", device::RemovalMode::Orderly}));

    mgmt.execute_ok("stop");
    EXPECT_TRUE(mgmt.wait_event("STOP", milliseconds(2000)));
    EXPECT_EQ(mgmt.execute_ok("query-status"), (json{{"status", "paused"}, {"running", false}, {"singlestep", false}}));
    loop.stop();
    EXPECT_EQ(backend, (std::vector<std::string>{"plug standby standby0", "plug primary primary0",
                                                 "request guest eject primary0",
                                                 "unplug primary primary0 (orderly)", "pause guest"}));
}

}  // namespace
}  // namespace nf::qmp::test
