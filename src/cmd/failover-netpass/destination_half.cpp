// The destination half: listens for the source half (one peer, HELLO with the session token first), and
// orders what reaches the guest by DestinationOrder: the source's kept frames first, then what the source
// still forwards, then the frames our own tap held since `arm`, then the normal path.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <optional>

#include "common/error.h"
#include "helper.h"
#include "netpass/destination_order.h"
#include "netpass/edge/injector.h"
#include "netpass/edge/tap_program.h"
#include "netpass/wire.h"
#include "os/netns.h"

namespace nf::netpass::cmd {

namespace {

using Clock = std::chrono::steady_clock;

UniqueFd listen_on(const Endpoint& e, std::uint16_t& port) {
    SocketAddress address = socket_address(e);
    UniqueFd fd(::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("netpass: socket");
    const int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd.get(), address.get(), address.length) < 0)
        throw_errno("netpass: bind " + e.host + ":" + std::to_string(e.port));
    if (::listen(fd.get(), 4) < 0) throw_errno("netpass: listen");
    if (::getsockname(fd.get(), address.get(), &address.length) < 0) throw_errno("netpass: getsockname");
    port = ntohs(address.family() == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&address.storage)->sin6_port
                                               : reinterpret_cast<sockaddr_in*>(&address.storage)->sin_port);
    return fd;
}

class TapSink : public DestinationSink {
public:
    TapSink(edge::TapProgram& program, edge::Injector& injector, const Bounds& bounds)
        : program_(program), injector_(injector), bounds_(bounds) {}
    void hold() override { program_.set_mode(NP_KEEP, bounds_.hold); }
    void inject(std::span<const std::uint8_t> frame) override {
        if (!injector_.send(frame)) ++inject_failed;
    }
    void release_held() override {
        // DRAIN: the program keeps ringing frames only while the ring is not empty, so once we emptied it
        // every later frame passes behind the ones we inject here; PASS after that changes nothing.
        program_.set_mode(NP_DRAIN);
        for (int round = 0; round < 64; ++round) {  // bounded: each round empties what the ring held
            const int n = program_.consume([&](np_mode, std::span<const std::uint8_t> f) {
                if (injector_.send(f)) ++held;
                else ++failed;
            });
            if (n == 0) break;
        }
        program_.set_mode(NP_PASS);
        program_.consume([&](np_mode, std::span<const std::uint8_t> f) {
            if (injector_.send(f)) ++held;
            else ++failed;
        });
    }
    std::uint64_t held = 0;
    std::uint64_t failed = 0;         // held frames the tap refused
    std::uint64_t inject_failed = 0;  // the source's frames the tap refused

private:
    edge::TapProgram& program_;
    edge::Injector& injector_;
    Bounds bounds_;
};

}  // namespace

int run_destination(const Options& o) {
    const Endpoint at = parse_endpoint(o.listen);
    std::optional<os::Netns> ns;
    if (!o.netns.empty()) ns.emplace(os::Netns::open_named(o.netns));
    const int ns_fd = ns ? ns->fd() : -1;
    UniqueFd signals = signal_fd();

    edge::TapProgram program(ns_fd, o.tap, o.bounds);
    edge::Injector injector(ns_fd, program.ifindex());
    std::uint16_t port = 0;
    UniqueFd listener = listen_on(at, port);
    report({{"event", "ready"}, {"role", "destination"}, {"tap", o.tap}, {"ifindex", program.ifindex()}, {"port", port}});

    TapSink sink(program, injector, o.bounds);
    DestinationOrder order(o.bounds, sink);
    ControlInput control;
    UniqueFd peer;
    std::optional<Decoder> decoder;
    bool greeted = false;
    std::uint64_t refused = 0;
    std::string peer_error;

    const auto finish = [&](const std::string& outcome, int rc) {
        const np_counters c = program.counters();  // before the maps go with the program
        program.detach();
        nlohmann::json out = order.counters();
        out.update({{"event", "done"},
                    {"role", "destination"},
                    {"outcome", outcome},
                    {"held", sink.held},
                    {"injected", order.injected() - std::min(order.injected(), sink.inject_failed)},
                    {"dropped", order.dropped() + sink.failed + sink.inject_failed},
                    // past a bound our own frames were not held but passed: delivered, maybe out of order
                    {"passed-over-bound", c.over_bound + c.oversize},
                    {"flooded", c.flooded},  // broadcast/multicast passed, not held (netpass.bpf.c)
                    {"refused-peers", refused}});
        if (!order.note().empty()) out["note"] = order.note();
        if (!peer_error.empty()) out["peer-error"] = peer_error;
        report(out);
        return rc;
    };

    for (;;) {
        const auto r = wait({STDIN_FILENO, listener.get(), peer.get(), signals.get()}, order.deadline());
        if (r.fds[3]) {
            order.abort("interrupted");
            return finish("interrupted", 130);
        }
        if (r.fds[1]) {
            UniqueFd conn(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (conn && peer) {
                ++refused;  // one source per migration
            } else if (conn) {
                timeval tv{2, 0};
                ::setsockopt(conn.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
                peer = std::move(conn);
                decoder.emplace();
                greeted = false;
            }
        }
        if (r.fds[2] && peer) {
            std::uint8_t buf[Decoder::kMaxFeed];
            const ssize_t n = ::recv(peer.get(), buf, sizeof buf, 0);
            std::string drop_reason;
            if (n <= 0) {
                drop_reason = n == 0 ? "the source half hung up" : "recv: " + std::string(strerror(errno));
            } else {
                try {
                    decoder->feed(std::span(buf, static_cast<std::size_t>(n)));
                    while (auto m = decoder->next()) {
                        if (!greeted) {
                            if (m->type != MessageType::Hello || m->json().value("session", "") != o.session)
                                throw ProtocolError("the first message is not a HELLO with our session");
                            greeted = true;
                            continue;
                        }
                        switch (m->type) {
                            case MessageType::Hello: throw ProtocolError("a second HELLO");
                            case MessageType::Frame: order.peer_frame(m->payload); break;
                            case MessageType::End: m->json(); order.peer_end(); break;
                            case MessageType::Abort: m->json(); order.abort("the source aborted"); break;
                        }
                    }
                } catch (const std::exception& e) {
                    drop_reason = e.what();
                }
            }
            if (!drop_reason.empty()) {
                if (!greeted) {
                    ++refused;  // a stranger: keep listening for the real source
                } else {
                    peer_error = drop_reason;
                    order.peer_end();  // what came is injected; nothing more will
                }
                peer.reset();
                decoder.reset();
            }
        }
        if (r.fds[0]) {
            for (Control c : control.read()) {
                if (c == Control::Arm) {
                    order.arm(Clock::now());
                    report({{"event", "armed"}, {"role", "destination"}});
                } else if (c == Control::Resumed) {
                    order.resumed();
                } else if (c == Control::Abort || c == Control::Eof) {
                    order.abort(c == Control::Abort ? "rolled back" : "failover-migrate went away");
                } else {
                    report({{"event", "warning"}, {"role", "destination"}, {"warning", "unknown control line ignored"}});
                }
            }
        }
        order.tick(Clock::now());
        if (order.done()) return finish(order.phase() == DestinationPhase::Aborted ? "aborted" : "done", 0);
    }
}

}  // namespace nf::netpass::cmd
