// PacketSocket over a real veth pair: a frame longer than the receive slot is dropped and counted
// (MSG_TRUNC), never returned cut; the frames around it arrive whole (issue 9, defect 9).
#include <gtest/gtest.h>

#include <cstring>

#include "os/packet_socket.h"
#include "netns_fixture.h"

namespace nf::datapath::test {
using os::FrameBatch;
using os::PacketSocket;
using os::PacketSocketOptions;
namespace {

std::vector<std::byte> frame_of(std::size_t size, std::uint8_t fill) {
    std::vector<std::byte> frame(size, std::byte{fill});
    const std::uint8_t header[14] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x88, 0xb5};  // local exp. ethertype
    std::memcpy(frame.data(), header, sizeof header);
    return frame;
}

TEST(PacketSocket, TruncatedFramesAreDroppedAndCounted) {
    const std::string tag = unique_tag("nfdpt");
    {
        Netns ns(tag + "n");
        sh("ip -n " + ns.name() + " link add a0 type veth peer name b0");
        sh("ip -n " + ns.name() + " link set a0 up && ip -n " + ns.name() + " link set b0 up");
        const PacketSocketOptions plain{.vnet_hdr = false, .ignore_outgoing = true, .qdisc_bypass = true,
                                        .promiscuous = true};
        auto tx = PacketSocket::open(ns.ifindex("a0"), ns.fd(), plain);
        auto rx = PacketSocket::open(ns.ifindex("b0"), ns.fd(), plain);

        constexpr std::size_t kSlot = 256;
        FrameBatch out(3, 2048);
        const auto small1 = frame_of(100, 0x11), big = frame_of(1000, 0x22), small2 = frame_of(200, 0x33);
        for (std::size_t i = 0; const auto* f : {&small1, &big, &small2}) {
            std::memcpy(out.buffer(i).data(), f->data(), f->size());
            out.set_length(i++, f->size());
        }
        ASSERT_EQ(tx.send(out, 3), 3u);

        FrameBatch in(8, kSlot);
        std::vector<std::vector<std::byte>> got;
        ASSERT_TRUE(wait_until([&] {
            const std::size_t n = rx.receive(in);
            for (std::size_t i = 0; i < n; ++i) got.emplace_back(in.frame(i).begin(), in.frame(i).end());
            return got.size() >= 2 && rx.truncated_dropped() >= 1;
        }, std::chrono::seconds(5))) << got.size() << " frames, " << rx.truncated_dropped() << " truncated";
        ASSERT_EQ(got.size(), 2u);
        EXPECT_EQ(got[0], small1);
        EXPECT_EQ(got[1], small2);
        EXPECT_EQ(rx.truncated_dropped(), 1u);
    }
    expect_no_leftovers(tag);
}

}  // namespace
}  // namespace nf::datapath::test
