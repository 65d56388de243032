#include "phase.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <thread>

namespace nf::vmtest {
namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// Replies after the settle point that count as "flowing again": 2 s worth, the last 20 all answered.
constexpr int kRecoveredReplies = 40;
constexpr int kRecoveredTail = 20;

bool flowing(const PingSummary& now, int answered_at_settle) {
    if (now.answered - answered_at_settle < kRecoveredReplies) return false;
    for (int seq = now.last_answered_seq - kRecoveredTail + 1; seq <= now.last_answered_seq; ++seq)
        if (!now.reply_at.count(seq)) return false;
    return true;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    while (!s.empty() && (s.front() == '\n' || s.front() == '\r' || s.front() == ' ')) s.erase(0, 1);
    return s;
}

}  // namespace

std::string PhaseResult::describe() const {
    char settle[32];
    std::snprintf(settle, sizeof settle, "%.2f", settle_s);
    return guest + (ipv6 ? " (IPv6 on) " : " (IPv6 off) ") + phase + ": host->guest " + to_guest.describe() +
           "; guest->host " + to_host.describe() + "; settled after " + settle + " s; host sends to " +
           (host_port_after.empty() ? "?" : host_port_after);
}

GuestPing::GuestPing(QemuVm& vm) : vm_(&vm) {
    pid_ = trim(vm_->run_ok(std::string("/bin/ping -D -n -i 0.05 -W 1 -w 600 ") + kHostIp + " > /tmp/gping 2>&1 & echo $!"));
    if (pid_.empty() || pid_.find_first_not_of("0123456789") != std::string::npos)
        throw std::runtime_error("guest ping did not start: '" + pid_ + "'");
}

GuestPing::~GuestPing() {
    try {
        stop();
    } catch (...) {
    }
}

PingSummary GuestPing::read() { return parse_ping_output(vm_->run_ok("tail -n 40 /tmp/gping")); }

PingSummary GuestPing::stop(int after_seq) {
    if (!pid_.empty()) {
        vm_->run("kill -INT " + pid_ + "; wait " + pid_);
        pid_.clear();
    }
    return parse_ping_output(vm_->run_ok("cat /tmp/gping", Millis(60000)), after_seq);
}

PhaseResult run_phase(QemuVm& vm, const HostNet& net, const PhaseSpec& spec) {
    PhaseResult result;
    result.guest = spec.guest;
    result.ipv6 = spec.ipv6;
    result.phase = spec.phase;
    HostPing to_guest(net.netns(), kGuestIp, vm.run_dir() + "/hping");
    GuestPing to_host(vm);
    // Tail reads of the guest's file see only the newest lines, so its progress is judged by seq.
    auto guest_seq = [&] { return to_host.read().last_answered_seq; };
    const std::string context = spec.guest + " " + spec.phase;

    // Both ways flowing before the action, so the phase measures the action and not a cold start.
    if (!wait_until([&] { return to_guest.read().answered >= 10 && guest_seq() >= 10; }, Millis(30000), Millis(300)))
        throw std::runtime_error(context + ": pings do not flow before the action: host->guest " +
                                 to_guest.read().describe() + "; guest->host " + to_host.read().describe());

    // The phase's window starts here: requests sent from now on count.
    const int host_from = to_guest.read().last_answered_seq;
    const int guest_from = guest_seq();
    const auto acted = Clock::now();
    if (spec.action) spec.action();
    if (spec.guest_after_action) to_host.moved_to(spec.guest_after_action());
    if (spec.settled && !wait_until(spec.settled, spec.settle_timeout, Millis(200)))
        throw std::runtime_error(context + ": not settled within " + std::to_string(spec.settle_timeout.count()) + " ms");
    result.settle_s = std::chrono::duration<double>(Clock::now() - acted).count();

    const int host_at_settle = to_guest.read().answered;
    const int guest_seq_at_settle = guest_seq();
    const bool recovered = wait_until(
        [&] {
            if (!flowing(to_guest.read(), host_at_settle)) return false;
            const PingSummary g = to_host.read();  // the tail: complete for the last 40 seqs
            if (g.last_answered_seq - guest_seq_at_settle < kRecoveredReplies) return false;
            for (int seq = g.last_answered_seq - kRecoveredTail + 1; seq <= g.last_answered_seq; ++seq)
                if (!g.reply_at.count(seq)) return false;
            return true;
        },
        spec.recover_timeout, Millis(300));
    result.to_guest = to_guest.stop(host_from);
    result.to_host = to_host.stop(guest_from);
    result.host_port_after = net.port_of_guest_mac();
    const QemuVm& guest_vm = spec.guest_after_action ? spec.guest_after_action() : vm;
    result.host_port_role = result.host_port_after == guest_vm.primary_tap()   ? "VF"
                            : result.host_port_after == guest_vm.standby_tap() ? "standby"
                                                                               : "other";
    if (spec.details) result.details = spec.details(result);
    std::cout << "[vm] " << result.describe() << std::endl;
    record(result);
    if (!recovered)
        throw std::runtime_error(context + ": traffic did not flow again both ways within " +
                                 std::to_string(spec.recover_timeout.count()) + " ms of settling: " + result.describe());
    return result;
}

void record(const PhaseResult& r) {
    const char* path = std::getenv("NF_VM_RESULTS");
    if (!path || !*path) return;
    nlohmann::json j = {{"guest", r.guest},
                        {"ipv6", r.ipv6},
                        {"phase", r.phase},
                        {"to_guest", {{"lost", r.to_guest.lost()}, {"outage_ms", r.to_guest.outage_ms()}, {"answered", r.to_guest.answered}}},
                        {"to_host", {{"lost", r.to_host.lost()}, {"outage_ms", r.to_host.outage_ms()}, {"answered", r.to_host.answered}}},
                        {"settle_s", r.settle_s},
                        {"host_port_after", r.host_port_after},
                        {"host_port_role", r.host_port_role}};
    if (!r.details.is_null()) j["details"] = r.details;
    std::ofstream(path, std::ios::app) << j.dump() << "\n";
}

}  // namespace nf::vmtest
