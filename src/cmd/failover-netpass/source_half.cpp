// The source half: from `arm` (the VM stopped) the tap's guest-bound frames go into the ring instead of to
// the VMM; each is sent to the destination half at once (and a copy kept, to give back to the source guest
// on `abort`). After `resumed` (the VM runs on the destination) it forwards until the bridge learnt the new
// port (SourceWindow), then sends END, detaches and reports.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>

#include "common/error.h"
#include "helper.h"
#include "netpass/edge/injector.h"
#include "netpass/edge/tap_program.h"
#include "netpass/frame_queue.h"
#include "netpass/group_address.h"
#include "netpass/mirror_window.h"
#include "netpass/source_window.h"
#include "netpass/wire.h"
#include "os/netns.h"

namespace nf::netpass::cmd {

namespace {

using Clock = std::chrono::steady_clock;

UniqueFd connect_peer(const Endpoint& e) {
    SocketAddress address = socket_address(e);
    UniqueFd fd(::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("netpass: socket");
    // Connect and every send wait at most this long (Linux applies SO_SNDTIMEO to connect too).
    timeval tv{2, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // a frame goes out as it is kept
    if (::connect(fd.get(), address.get(), address.length) < 0)
        throw_errno("netpass: connect to the destination half at " + e.host + ":" + std::to_string(e.port));
    return fd;
}

}  // namespace

int run_source(const Options& o) {
    const Endpoint peer_at = parse_endpoint(o.peer);
    std::optional<os::Netns> ns;
    if (!o.netns.empty()) ns.emplace(os::Netns::open_named(o.netns));
    const int ns_fd = ns ? ns->fd() : -1;
    UniqueFd signals = signal_fd();

    edge::TapProgram program(ns_fd, o.tap, o.bounds);
    UniqueFd peer = connect_peer(peer_at);
    write_all(peer.get(), encode_json(MessageType::Hello, {{"session", o.session}}));
    report({{"event", "ready"}, {"role", "source"}, {"tap", o.tap}, {"ifindex", program.ifindex()}});

    // Mirror from now on: at the stop, the frames the VMM never read are recovered (mirror_window.h). The
    // start must not straddle a read by the VMM: the tap's count is taken on both sides of the switch.
    MirrorWindow mirror(o.bounds.max_frames);
    const auto counts = [&] {
        const auto s = program.tap_stats();
        return TapCounts{s.read, s.dropped};
    };
    for (int attempt = 0; attempt < 5 && !mirror.started(); ++attempt) {
        const TapCounts before = counts();
        program.set_mode(NP_MIRROR);
        const TapCounts after = counts();
        if (before.read == after.read && before.dropped == after.dropped) {
            mirror.start(after);
        } else {
            program.set_mode(NP_PASS);
            program.consume([](np_mode, std::span<const std::uint8_t>) {});
        }
    }
    SourceWindow window(o.bounds);
    FrameQueue copies(o.bounds.max_frames, o.bounds.max_bytes);  // given back to the source guest on abort
    ControlInput control;
    std::uint64_t kept = 0, forwarded = 0, bytes = 0, send_failed = 0, recovered = 0, over_bound = 0;
    std::uint64_t flooded_unread = 0;
    std::string peer_error;
    std::optional<TapCounts> at_stop;  // the tap's counts once armed (the VMM no longer reads)
    bool recovery_done = false;
    Clock::time_point last_sample{};

    const auto keep_frame = [&](std::span<const std::uint8_t> frame) {
        // The program bounds what it puts in the ring, but the frames recovered from the mirror come on top:
        // the bound is on everything kept, so it is enforced here too (the destination holds no more).
        if (kept + forwarded >= o.bounds.max_frames || bytes + frame.size() > o.bounds.max_bytes) {
            ++over_bound;
            return false;
        }
        (window.frame(Clock::now()) == SourceWindow::Kind::Kept ? kept : forwarded)++;
        bytes += frame.size();
        if (!window.is_resumed()) copies.push(frame);  // (recovered ones too: the source guest never had them)
        if (!peer_error.empty()) {
            ++send_failed;
            return true;
        }
        try {
            write_all(peer.get(), encode(MessageType::Frame, frame));
        } catch (const std::exception& e) {
            peer_error = e.what();
            ++send_failed;
        }
        return true;
    };
    // Every mirror record precedes every kept one in the ring: the unread mirrored frames go first.
    const auto recover = [&] {
        if (recovery_done || !at_stop) return;
        recovery_done = true;
        for (const auto& f : mirror.unread(*at_stop)) {
            if (group_addressed(f)) {  // flooded: the destination's tap had its own copy
                ++flooded_unread;
                continue;
            }
            if (keep_frame(f)) ++recovered;
        }
    };
    const auto on_frame = [&](np_mode kind, std::span<const std::uint8_t> frame) {
        if (kind == NP_MIRROR) {
            mirror.mirrored(frame);
            return;
        }
        recover();
        (void)keep_frame(frame);
    };
    np_counters last{};  // the program's counters, read before it is detached (its maps go with it)
    const auto detach = [&] {
        last = program.counters();
        program.detach();
    };
    const auto counters = [&](const std::string& outcome) {
        const np_counters& c = last;
        return nlohmann::json{{"event", "done"},       {"role", "source"},
                              {"outcome", outcome},    {"kept", kept},
                              {"forwarded", forwarded}, {"bytes", bytes},
                              {"dropped", c.over_bound + c.oversize + send_failed + over_bound},
                              {"recovered", recovered},
                              {"flooded", c.flooded + flooded_unread},
                              {"mirrored", mirror.total()},
                              {"backlog-at-start", mirror.backlog()},
                              {"recovery-note", mirror.note()}};
    };

    for (;;) {
        const auto r = wait({STDIN_FILENO, program.ring_fd(), peer.get(), signals.get()}, window.deadline());
        if (r.fds[1]) {
            // While mirroring, learn the tap's old backlog now and then (mirror_window.h): the counts first,
            // then the ring. (Every 20 ms: /proc/net/dev is not free at 1 kHz.)
            const auto now = Clock::now();
            if (!window.armed() && mirror.started() && now - last_sample >= std::chrono::milliseconds(20)) {
                last_sample = now;
                const TapCounts c = counts();
                program.consume(on_frame);
                mirror.sample(c);
            } else {
                program.consume(on_frame);
            }
        }
        if (r.fds[3]) {
            program.set_mode(NP_PASS);
            program.consume(on_frame);
            detach();
            report(counters("interrupted"));
            return 130;
        }
        if (r.fds[2]) {
            // The destination half never sends; readable means it hung up.
            peer_error = "the destination half hung up";
        }
        bool abort = false;
        if (r.fds[0]) {
            for (Control c : control.read()) {
                if (c == Control::Arm && !window.armed()) {
                    const bool missed = program.counters().mirror_missed > 0;  // (KEEP resets the counters)
                    program.set_mode(NP_KEEP, o.bounds.keep);
                    if (missed) mirror.missed();
                    at_stop = counts();
                    window.arm(Clock::now());
                    program.consume(on_frame);
                    recover();
                    report({{"event", "armed"}, {"role", "source"}});
                } else if (c == Control::Resumed) {
                    window.resumed(Clock::now());
                    copies.clear();  // the VM runs elsewhere: nothing goes back to this tap
                } else if (c == Control::Abort || c == Control::Eof) {
                    abort = true;
                } else if (c == Control::Unknown) {
                    report({{"event", "warning"}, {"role", "source"}, {"warning", "unknown control line ignored"}});
                }
            }
        }
        if (abort) {
            program.set_mode(NP_PASS);
            program.consume(on_frame);
            // The migration was rolled back: the source guest runs again and gets its frames after all.
            std::uint64_t reinjected = 0;
            if (!window.is_resumed() && !copies.empty()) {
                edge::Injector back(ns_fd, program.ifindex());
                while (!copies.empty()) reinjected += back.send(copies.pop()) ? 1 : 0;
            }
            detach();
            if (peer_error.empty()) {
                try {
                    write_all(peer.get(), encode_json(MessageType::Abort, {{"reason", "rolled back"}}));
                } catch (const std::exception&) {
                }
            }
            auto out = counters("aborted");
            out["reinjected"] = reinjected;
            report(out);
            return 0;
        }
        if (window.finished(Clock::now()) || (!peer_error.empty() && window.armed())) {
            program.set_mode(NP_PASS);
            program.consume(on_frame);
            detach();
            auto out = counters(peer_error.empty() ? "done" : "peer-lost");
            if (peer_error.empty()) {
                try {
                    write_all(peer.get(), encode_json(MessageType::End, out));
                } catch (const std::exception& e) {
                    peer_error = e.what();
                }
            }
            if (!peer_error.empty()) out["error"] = peer_error;
            report(out);
            return peer_error.empty() ? 0 : 1;
        }
        if (!peer_error.empty() && !window.armed()) {
            detach();
            report({{"event", "error"}, {"role", "source"}, {"error", peer_error}});
            return 1;
        }
    }
}

}  // namespace nf::netpass::cmd
