#include <gtest/gtest.h>

#include "netpass/destination_order.h"
#include "netpass/mirror_window.h"
#include "netpass/source_window.h"

namespace nf::netpass {
namespace {

using Clock = std::chrono::steady_clock;

Frame f(std::uint8_t n) { return Frame{n}; }

// Records what reaches the guest, in order: injected frames, and "held" frames (ours, released).
struct Guest : DestinationSink {
    std::vector<std::string> seen;
    bool holding = false;
    std::vector<Frame> ring;  // our tap's held frames
    void hold() override { holding = true; }
    void inject(std::span<const std::uint8_t> frame) override { seen.push_back("src" + std::to_string(frame[0])); }
    void release_held() override {
        for (auto& r : ring) seen.push_back("own" + std::to_string(r[0]));
        ring.clear();
        holding = false;
    }
};

TEST(NetpassOrder, KeptFirstThenForwardedThenOwn) {
    Guest g;
    DestinationOrder o(Bounds{}, g);
    const auto t0 = Clock::now();
    o.peer_frame(f(1));  // before arming (a frame kept as the source stopped): buffered
    o.arm(t0);
    EXPECT_TRUE(g.holding);
    o.peer_frame(f(2));
    g.ring.push_back(f(10));  // reached our tap while the VM was not running here yet
    EXPECT_TRUE(g.seen.empty());
    o.resumed();
    EXPECT_EQ(g.seen, (std::vector<std::string>{"src1", "src2"}));
    o.peer_frame(f(3));  // still reaching the source: forwarded, before our own
    g.ring.push_back(f(11));
    EXPECT_FALSE(o.done());
    o.peer_end();
    EXPECT_TRUE(o.done());
    EXPECT_EQ(g.seen, (std::vector<std::string>{"src1", "src2", "src3", "own10", "own11"}));
    EXPECT_EQ(o.injected(), 3u);
    EXPECT_EQ(o.dropped(), 0u);
    o.peer_frame(f(4));  // after release: would overtake nothing in order; dropped and counted
    EXPECT_EQ(o.dropped(), 1u);
}

TEST(NetpassOrder, EndBeforeResumeReleasesAtResume) {
    Guest g;
    DestinationOrder o(Bounds{}, g);
    o.arm(Clock::now());
    o.peer_frame(f(1));
    o.peer_end();
    EXPECT_FALSE(o.done());
    o.resumed();
    EXPECT_TRUE(o.done());
    EXPECT_EQ(g.seen, (std::vector<std::string>{"src1"}));
}

TEST(NetpassOrder, BufferIsBoundedAndCounted) {
    Guest g;
    Bounds b;
    b.max_frames = 2;
    DestinationOrder o(b, g);
    o.arm(Clock::now());
    for (std::uint8_t i = 0; i < 5; ++i) o.peer_frame(f(i));
    EXPECT_EQ(o.received(), 5u);
    EXPECT_EQ(o.dropped(), 3u);
    o.resumed();
    EXPECT_EQ(g.seen.size(), 2u);
}

TEST(NetpassOrder, HoldBoundReleasesAndDropsStaleFrames) {
    Guest g;
    Bounds b;
    b.hold = Millis(100);
    DestinationOrder o(b, g);
    const auto t0 = Clock::now();
    o.arm(t0);
    o.peer_frame(f(1));
    g.ring.push_back(f(10));
    o.tick(t0 + Millis(99));
    EXPECT_FALSE(o.done());
    ASSERT_TRUE(o.deadline());
    EXPECT_EQ(*o.deadline(), t0 + Millis(100));
    o.tick(t0 + Millis(100));
    EXPECT_TRUE(o.done());
    EXPECT_EQ(g.seen, (std::vector<std::string>{"own10"}));  // the VM never ran here: the source's are stale
    EXPECT_EQ(o.dropped(), 1u);
}

TEST(NetpassOrder, AbortDropsTheBufferAndReleasesOwn) {
    Guest g;
    DestinationOrder o(Bounds{}, g);
    o.arm(Clock::now());
    o.peer_frame(f(1));
    g.ring.push_back(f(10));
    o.abort("rolled back");
    EXPECT_EQ(o.phase(), DestinationPhase::Aborted);
    EXPECT_EQ(g.seen, (std::vector<std::string>{"own10"}));
    EXPECT_EQ(o.dropped(), 1u);
    EXPECT_EQ(o.note(), "rolled back");
}

TEST(NetpassSourceWindow, KeptUntilResumedThenForwardedUntilQuiet) {
    Bounds b;
    b.quiet = Millis(50);
    b.forward = Millis(200);
    SourceWindow w(b);
    const auto t0 = Clock::now();
    EXPECT_FALSE(w.deadline());
    w.arm(t0);
    EXPECT_EQ(w.frame(t0 + Millis(1)), SourceWindow::Kind::Kept);
    EXPECT_FALSE(w.finished(t0 + Millis(5000)));  // no quiet before the VM runs elsewhere
    w.resumed(t0 + Millis(100));
    EXPECT_EQ(w.frame(t0 + Millis(120)), SourceWindow::Kind::Forwarded);
    EXPECT_FALSE(w.finished(t0 + Millis(169)));
    EXPECT_TRUE(w.finished(t0 + Millis(170)));  // 50 ms quiet after the last frame
}

TEST(NetpassSourceWindow, ForwardBoundEvenWhenFramesKeepComing) {
    Bounds b;
    b.quiet = Millis(50);
    b.forward = Millis(200);
    SourceWindow w(b);
    const auto t0 = Clock::now();
    w.resumed(t0);
    for (int i = 0; i < 300; i += 10) w.frame(t0 + Millis(i));
    EXPECT_TRUE(w.finished(t0 + Millis(200)));
}

TEST(NetpassSourceWindow, NeverResumedEndsAfterKeepAndForward) {
    Bounds b;
    SourceWindow w(b);
    const auto t0 = Clock::now();
    w.arm(t0);
    EXPECT_FALSE(w.finished(t0 + b.keep));
    EXPECT_TRUE(w.finished(t0 + b.keep + b.forward));
}

TEST(NetpassMirror, TheLastUnreadFramesInOrder) {
    MirrorWindow m(8);
    m.start({100, 5});
    for (std::uint8_t i = 0; i < 10; ++i) m.mirrored(Frame{i});
    // The VMM read 6 and the tap dropped 1 of the 10 since the start: the last 3 are still queued.
    const auto unread = m.unread({106, 6});
    ASSERT_EQ(unread.size(), 3u);
    EXPECT_EQ(unread[0], Frame{7});
    EXPECT_EQ(unread[2], Frame{9});
    EXPECT_EQ(m.note(), "");
}

TEST(NetpassMirror, ABacklogAtTheStartIsLearntFromSamples) {
    MirrorWindow m(8);
    m.start({100, 0});  // 3 frames still queued, unmirrored
    m.mirrored(Frame{1});
    m.sample({103, 0});  // the VMM read the 3 old ones (and maybe none of ours yet): backlog at least 2
    EXPECT_EQ(m.backlog(), 2u);
    m.mirrored(Frame{2});
    m.sample({103, 0});  // nothing new read: no more learnt
    m.sample({104, 0});  // the 3 old ones and one of ours, or 4 old ones: 2 stays the lower bound
    m.mirrored(Frame{3});
    m.sample({106, 0});  // the queue caught up: 6 read of 3 old + 3 mirrored
    EXPECT_EQ(m.backlog(), 3u);
    for (std::uint8_t i = 4; i < 8; ++i) m.mirrored(Frame{i});
    // 3 old + 4 of ours read at the stop: ours 5..7 are unread.
    const auto unread = m.unread({107, 0});
    ASSERT_EQ(unread.size(), 3u);
    EXPECT_EQ(unread[0], Frame{5});
    EXPECT_EQ(m.note(), "");
}

TEST(NetpassMirror, UnknownIsNothingWithAReason) {
    MirrorWindow a(4);
    a.start({0, 0});
    for (std::uint8_t i = 0; i < 10; ++i) a.mirrored(Frame{i});
    EXPECT_TRUE(a.unread({2, 0}).empty());  // 8 unread, only 4 remembered
    EXPECT_NE(a.note().find("more than the 4 remembered"), std::string::npos);

    MirrorWindow b(4);
    b.start({0, 0});
    b.mirrored(Frame{1});
    EXPECT_TRUE(b.unread({3, 0}).empty());  // read more than mirrored: the queue was not empty at the start
    EXPECT_NE(b.note().find("not empty"), std::string::npos);

    MirrorWindow c(4);
    c.start({0, 0});
    c.mirrored(Frame{1});
    c.missed();
    EXPECT_TRUE(c.unread({0, 0}).empty());
    EXPECT_NE(c.note().find("did not fit"), std::string::npos);

    MirrorWindow d(4);
    EXPECT_TRUE(d.unread({0, 0}).empty());
}

}  // namespace
}  // namespace nf::netpass
