#include "switchover_lab.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "os/tap_device.h"
#include "netpass/edge/helper_process.h"
#include "os/netns.h"

namespace nf::netpass::test {

namespace {

using Clock = std::chrono::steady_clock;
struct ShResult {
    int status = -1;
    std::string output;
};

// Fixture setup and observation only (the code under test uses libbpf/netlink itself).
ShResult sh(const std::string& command) {
    ShResult r;
    FILE* p = ::popen((command + " 2>&1").c_str(), "r");
    if (!p) return r;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
    const int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

std::string sh_ok(const std::string& command) {
    auto r = sh(command);
    if (r.status != 0) throw std::runtime_error(command + ": " + r.output);
    return r.output;
}

constexpr std::uint8_t kGuest[6] = {0x52, 0x54, 0x00, 0x6e, 0x70, 0x01};
constexpr std::uint8_t kNet[6] = {0x52, 0x54, 0x00, 0x6e, 0x70, 0x02};
constexpr std::uint16_t kEtherType = 0x88b5;  // local experimental

std::vector<std::byte> frame(const std::uint8_t* dst, const std::uint8_t* src, std::uint32_t seq) {
    std::vector<std::byte> f(60);
    std::memcpy(f.data(), dst, 6);
    std::memcpy(f.data() + 6, src, 6);
    f[12] = std::byte(kEtherType >> 8);
    f[13] = std::byte(kEtherType & 0xff);
    std::memcpy(f.data() + 14, &seq, 4);
    return f;
}

std::optional<std::uint32_t> seq_of(const std::byte* f, ssize_t n, const std::uint8_t* dst) {
    if (n < 18 || std::memcmp(f, dst, 6) != 0 || f[12] != std::byte(kEtherType >> 8) ||
        f[13] != std::byte(kEtherType & 0xff))
        return std::nullopt;
    std::uint32_t seq = 0;
    std::memcpy(&seq, f + 14, 4);
    return seq;
}

struct Arrival {
    std::uint32_t seq;
    Clock::time_point at;
};

Direction measure(int sent, const std::vector<Arrival>& arrivals) {
    Direction d;
    d.sent = sent;
    std::vector<bool> seen(static_cast<std::size_t>(sent), false);
    std::int64_t highest = -1;
    for (std::size_t i = 0; i < arrivals.size(); ++i) {
        const auto s = arrivals[i].seq;
        if (s >= static_cast<std::uint32_t>(sent)) continue;
        if (seen[s]) {
            ++d.duplicates;
            if (d.missing.size() < 20) d.missing.push_back(s);
            continue;
        }
        seen[s] = true;
        ++d.delivered;
        if (static_cast<std::int64_t>(s) < highest) ++d.reordered;
        highest = std::max<std::int64_t>(highest, s);
        if (i > 0)
            d.outage_ms = std::max(
                d.outage_ms, std::chrono::duration<double, std::milli>(arrivals[i].at - arrivals[i - 1].at).count());
    }
    d.lost = sent - d.delivered;
    for (std::size_t s = 0; s < seen.size() && d.missing.size() < 20; ++s)
        if (!seen[s]) d.missing.push_back(static_cast<std::uint32_t>(s));
    return d;
}

// Removes the namespace (and with it the taps and anything attached to them) when the run ends.
struct Namespace {
    explicit Namespace(std::string n) : name(std::move(n)) { sh_ok("ip netns add " + name); }
    ~Namespace() { sh("ip netns del " + name + " 2>/dev/null"); }
    std::string name;
};

}  // namespace

SwitchoverResult run_switchover(const SwitchoverConfig& cfg) {
    static std::atomic<int> runs{0};
    Namespace ns("npl" + std::to_string(::getpid()) + "-" + std::to_string(runs++));
    const std::string ip = "ip -n " + ns.name + " ";
    sh_ok(ip + "link set lo up");
    sh_ok(ip + "link add br0 type bridge");
    sh_ok(ip + "link set br0 addrgenmode none up");
    const os::Netns netns = os::Netns::open_named(ns.name);
    os::TapOptions plain;
    plain.vnet_hdr = false;
    plain.offloads = false;
    // tS: the source VM's backend, tD: the destination VM's (same bridge: the lab has one L2 segment), tN:
    // the network.
    auto tS = os::TapDevice::open("tS", netns.fd(), plain);
    auto tD = os::TapDevice::open("tD", netns.fd(), plain);
    auto tN = os::TapDevice::open("tN", netns.fd(), plain);
    for (const char* t : {"tS", "tD", "tN"}) sh_ok(ip + "link set " + t + " addrgenmode none master br0 up");

    const auto write = [](const os::TapDevice& tap, const std::vector<std::byte>& f) {
        if (tap.write(f) != static_cast<ssize_t>(f.size())) throw std::runtime_error("tap write failed");
    };
    // The bridge learns where each MAC is (the guest on the source, the network on tN).
    write(tS, frame(kNet, kGuest, 0xffffffffu));
    write(tN, frame(kGuest, kNet, 0xffffffffu));

    enum Phase { SourceRuns, Stopped, DestinationRuns, Ended };
    std::atomic<int> phase{SourceRuns};
    std::atomic<bool> sending{true};
    std::atomic<int> sent_to_guest{0}, sent_from_guest{0};
    std::vector<Arrival> to_guest, from_guest;
    const auto period = std::chrono::microseconds(1'000'000 / cfg.rate_hz);

    // The VMMs: read their backend while their VM runs (the guest receives), and the guest's own stream
    // out through the running VMM's backend, on the same schedule; the network side reads tN.
    std::atomic<int> observed{SourceRuns};  // the phase the VMM thread acts on
    std::thread network, vmms;
    // Whatever happens, the threads stop before the taps and vectors they use go.
    struct Joiner {
        std::atomic<bool>& sending;
        std::atomic<int>& phase;
        std::thread& a;
        std::thread& b;
        ~Joiner() {
            sending = false;
            if (a.joinable()) a.join();
            phase = 3;
            if (b.joinable()) b.join();
        }
    } joiner{sending, phase, network, vmms};
    vmms = std::thread([&] {
        auto next = Clock::now();
        std::uint32_t out_seq = 0;
        std::byte buf[2048];
        while (phase != Ended) {
            const int p = phase;
            observed = p;
            const os::TapDevice* running = p == SourceRuns ? &tS : p == DestinationRuns ? &tD : nullptr;
            if (running && Clock::now() >= next) {
                write(*running, frame(kNet, kGuest, out_seq++));
                sent_from_guest = static_cast<int>(out_seq);
                next += period;
            } else if (!running) {
                next = Clock::now();  // a stopped guest sends nothing (and loses nothing of its own)
            }
            pollfd fds[2] = {{running ? running->fd() : -1, POLLIN, 0}, {tN.fd(), POLLIN, 0}};
            ::poll(fds, 2, 1);
            for (;;) {
                bool any = false;
                if (running) {
                    const ssize_t n = running->read(buf);
                    if (n > 0) {
                        any = true;
                        if (auto s = seq_of(buf, n, kGuest); s && *s != 0xffffffffu) to_guest.push_back({*s, Clock::now()});
                    }
                }
                const ssize_t m = tN.read(buf);
                if (m > 0) {
                    any = true;
                    if (auto s = seq_of(buf, m, kNet); s && *s != 0xffffffffu) from_guest.push_back({*s, Clock::now()});
                }
                if (!any) break;
            }
        }
    });

    // The VMMs run (and read) before the halves start, as in a live migration.
    std::optional<edge::HelperProcess> src, dst;
    const std::string session = "lab-" + ns.name;
    if (cfg.netpass) {
        const std::string cmd = NF_NETPASS_BINARY;
        std::vector<std::string> dargs{"destination", "--tap", "tD", "--netns", ns.name, "--session", session};
        dargs.insert(dargs.end(), cfg.extra_args.begin(), cfg.extra_args.end());
        dst.emplace("destination", cmd, dargs);
        const auto ready = dst->await("ready", 5s);
        std::vector<std::string> sargs{"source", "--tap", "tS", "--netns", ns.name, "--session", session,
                                       "--peer", "127.0.0.1:" + std::to_string(ready.at("port").get<int>())};
        sargs.insert(sargs.end(), cfg.extra_args.begin(), cfg.extra_args.end());
        src.emplace("source", cmd, sargs);
        src->await("ready", 5s);
    }

    // The network's sender: frames toward the guest at rate_hz, on an absolute schedule.
    network = std::thread([&] {
        auto next = Clock::now();
        for (std::uint32_t seq = 0; sending; ++seq) {
            write(tN, frame(kGuest, kNet, seq));
            sent_to_guest = static_cast<int>(seq + 1);
            next += period;
            std::this_thread::sleep_until(next);
        }
    });
    SwitchoverResult result;
    {
        std::this_thread::sleep_for(cfg.before);
        phase = Stopped;  // the source VMM stops reading its tap: QEMU's vm_stop
        // QEMU reports STOP once the VM is stopped (no tap read after it): wait until the VMM thread is.
        for (int i = 0; i < 1000 && observed != Stopped; ++i) std::this_thread::sleep_for(100us);
        if (src) {
            src->send("arm");  // what failover-migrate does on the source's STOP event
            dst->send("arm");
        }
        std::this_thread::sleep_for(cfg.downtime);
        phase = DestinationRuns;
        if (src) {
            dst->send("resumed");  // failover-migrate on the destination's RESUME
            src->send("resumed");
        }
        std::this_thread::sleep_for(cfg.announce);
        write(tD, frame(kNet, kGuest, 0xffffffffu));  // the destination's announcement: the bridge learns tD
        std::this_thread::sleep_for(cfg.after);
        if (src) {
            result.source_report = src->await("done", 10s);
            result.destination_report = dst->await("done", 10s);
            src->finish(3s);
            dst->finish(3s);
        }
    }
    sending = false;
    network.join();
    std::this_thread::sleep_for(50ms);  // the last frames reach the guest
    phase = Ended;
    vmms.join();
    result.to_guest = measure(sent_to_guest, to_guest);
    result.from_guest = measure(sent_from_guest, from_guest);
    // scripts/netpass-compare collects every run's figures for docs/bench.md.
    if (const char* path = std::getenv("NF_NETPASS_RESULTS")) {
        const auto dir = [](const Direction& d) {
            return nlohmann::json{{"sent", d.sent},           {"lost", d.lost},
                                  {"reordered", d.reordered}, {"duplicates", d.duplicates},
                                  {"outage_ms", d.outage_ms}};
        };
        nlohmann::json line{{"netpass", cfg.netpass},
                            {"downtime_ms", cfg.downtime.count()},
                            {"rate_hz", cfg.rate_hz},
                            {"bounded", !cfg.extra_args.empty()},
                            {"to_guest", dir(result.to_guest)},
                            {"from_guest", dir(result.from_guest)},
                            {"source", result.source_report},
                            {"destination", result.destination_report}};
        if (FILE* f = std::fopen(path, "a")) {
            std::fprintf(f, "%s\n", line.dump().c_str());
            std::fclose(f);
        }
    }
    result.tap_stats = sh("ip -n " + ns.name + " -s link show tD").output + sh("ip -n " + ns.name + " -s link show tS").output;
    // tcx links and tc filters alike: `bpftool net` lists both.
    const auto net = sh("nsenter --net=/run/netns/" + ns.name + " bpftool net show").output;
    if (net.find("np_egress") != std::string::npos) result.leftovers += net;
    for (const char* t : {"tS", "tD"}) {
        const auto q = sh("nsenter --net=/run/netns/" + ns.name + " tc qdisc show dev " + t).output;
        if (q.find("clsact") != std::string::npos) result.leftovers += q;
    }
    return result;
}

}  // namespace nf::netpass::test
