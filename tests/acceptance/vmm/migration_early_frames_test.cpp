// Frames the switch sends the destination before the guest resumes there (its announcement is not out yet,
// but a busy switch or a flood can do it): with netpass they are held from the moment the guest's tap
// arrives and follow the source's frames; never dropped as a paused VM's. In `make demo` 4 frames toward the
// guest were lost this way in one migration (the destination counted them as rx-dropped-paused).
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

#include "common/unique_fd.h"
#include "migration_fixture.h"
#include "os/netns.h"

namespace nf::vmm::test {
namespace {

// Sends `count` frames to the VM's MAC out of the destination's PV port: they reach its backend socket
// (the veth's other end) as frames the bridge forwarded there would.
void send_to_destination_backend(const std::string& netns, const std::string& port, int count) {
    const os::NetnsScope scope(os::Netns::open_named(netns));
    UniqueFd fd(::socket(AF_PACKET, SOCK_RAW, 0));
    ASSERT_TRUE(fd) << std::strerror(errno);
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = static_cast<int>(::if_nametoindex(port.c_str()));
    ASSERT_NE(to.sll_ifindex, 0) << port;
    std::array<unsigned char, 60> frame{0x52, 0x54, 0x00, 0x00, 0x00, 0x01,  // the VM's MAC (kVmMac)
                                        0x02, 0x00, 0x00, 0x00, 0x00, 0x99,  // a host on the switch
                                        0x88, 0xb5};                         // local experimental ethertype
    for (int i = 0; i < count; ++i) {
        frame[14] = static_cast<unsigned char>(i);
        ASSERT_EQ(::sendto(fd.get(), frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
                  static_cast<ssize_t>(frame.size()))
            << std::strerror(errno);
    }
}

TEST_F(Migration, FramesReachingTheDestinationBeforeItResumesAreHeldNotDropped) {
    auto [source, dest, sq, dq] = hosts();
    auto guest = TestGuest::connect(lab.channel_path());
    guest.start_driver("standby0", false);
    set_caps(sq);
    set_caps(dq);
    lab.guest("ip link set eth0 up");
    // Already queued on the destination's backend before the guest's tap arrives there.
    constexpr int kEarly = 5;
    send_to_destination_backend(lab.host_ns(), "vm1d-pv", kEarly);
    sq.execute_ok("migrate", {{"uri", "unix:" + mig_socket()}});
    ASSERT_TRUE(wait_status(sq, "completed")) << source.log();
    ASSERT_TRUE(wait_status(dq, "completed")) << dest.log();
    const json counters = dq.execute_ok("x-query-vmm")["standbys"][0]["counters"];
    EXPECT_EQ(counters["rx-dropped-paused"], 0) << counters.dump() << "\n" << dest.log();
    EXPECT_GE(counters["rx-held"].get<std::uint64_t>(), static_cast<std::uint64_t>(kEarly)) << counters.dump();
    EXPECT_GE(counters["rx-frames"].get<std::uint64_t>(), static_cast<std::uint64_t>(kEarly)) << counters.dump();
}

}  // namespace
}  // namespace nf::vmm::test
