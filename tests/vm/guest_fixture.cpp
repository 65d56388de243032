#include "guest_fixture.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <limits>
#include <optional>
#include <utility>

namespace nf::vmtest {

std::string guest_dir() {
    const char* dir = std::getenv("NF_VM_GUEST_DIR");
    return dir && *dir ? dir : NF_VM_GUEST_DIR;
}

void GuestSuite::boot(GuestKind kind, bool ipv6, const std::function<void(QemuOptions&)>& adjust) {
    ipv6_ = ipv6;
    kind_ = kind;
    adjust_ = adjust;
    boot_error_.clear();
    try {
        net_ = std::make_unique<HostNet>();
    } catch (const std::exception& e) {
        boot_error_ = e.what();
        return;
    }
    QemuOptions options;
    options.guest_dir = guest_dir();
    options.netns = net_->netns();
    options.kind = kind;
    options.ipv6 = ipv6;
    if (adjust) adjust(options);
    try {
        vm_ = std::make_unique<QemuVm>(options);
        net_->attach_tap(vm_->standby_tap());
        net_->attach_tap(vm_->primary_tap());
        std::cout << "[vm] guest booted in " << vm_->boot_seconds() << " s ("
                  << (kind == GuestKind::kernel ? "kernel net_failover" : "failoverd") << ", IPv6 "
                  << (ipv6 ? "on" : "off") << ")" << std::endl;
    } catch (const std::exception& e) {
        // Kept for every test of the suite to report (gtest would report it once, then run them anyway).
        boot_error_ = e.what();
        vm_.reset();
        net_.reset();
    }
}

void GuestSuite::shutdown() {
    vm_.reset();   // QEMU first: its taps live in the namespace
    net_.reset();
}

void GuestSuite::retry_on_guest_crash(const std::function<void()>& body) {
    for (int attempt = 1;; ++attempt) {
        std::string crash;
        try {
            body();
            return;
        } catch (const std::exception& e) {
            crash = vm_ ? vm_->crash_signature() : "";
            if (crash.empty() || attempt > 1 || HasFailure()) throw;
            std::cout << "[vm] the guest kernel crashed (" << crash << "); " << e.what()
                      << "\n---- guest console (tail) ----\n" << vm_->transcript()
                      << "\n[vm] booting a fresh guest and repeating the test once" << std::endl;
        }
        shutdown();
        boot(kind_, ipv6_, adjust_);
        if (!vm_) throw std::runtime_error("the fresh guest did not boot: " + boot_error_);
        on_guest_rebooted();
    }
}

void GuestSuite::SetUp() {
    if (!vm_) GTEST_FAIL() << "the guest did not boot: " << boot_error_;
}

void GuestSuite::TearDown() {
    if (HasFailure() && vm_) {
        std::cout << "---- guest console (tail) ----\n" << vm_->transcript() << "\n---- qemu log ----\n"
                  << vm_->qemu_log() << std::endl;
    }
}

bool GuestSuite::wait_guest_reaches_host(std::chrono::milliseconds timeout) {
    return wait_until([] { return vm_->run(std::string("/bin/ping -c 1 -W 1 ") + kHostIp + " >/dev/null").status == 0; },
                      timeout, std::chrono::milliseconds(200));
}

std::string GuestSuite::network_state() {
    std::string out = "guest:\n" + vm_->run("/bin/ip -s link; /bin/ip neigh").output;
    try {
        out += "host bridge fdb:\n" + sh("bridge -n " + net_->netns() + " fdb show br br0 | grep -i " + kGuestMac);
    } catch (const std::exception& e) {
        out += std::string("host bridge fdb: ") + e.what();
    }
    return out;
}

}  // namespace nf::vmtest

namespace nf::vmtest {
namespace {

// When unanswered request `seq` was sent, in s on the sender's clock: the reply before it plus its distance
// in intervals; nullopt when no reply precedes it.
std::optional<double> sent_at(const PingSummary& p, int seq) {
    const auto after = p.reply_at.lower_bound(seq);
    if (after == p.reply_at.begin()) return std::nullopt;
    const auto before = std::prev(after);
    return before->second + (seq - before->first) * p.interval_ms / 1000;
}

// When each unanswered request was sent, in ms after `origin_s` (the sender's clock): where on a migration's
// timeline (the unplug, the stop, the re-plug) a loss fell.
std::string when_sent(const PingSummary& p, double origin_s) {
    if (p.missing.empty()) return " -";
    std::string out;
    for (const int seq : p.missing) {
        const auto at = sent_at(p, seq);
        char part[48];
        if (at) std::snprintf(part, sizeof part, " %d(+%.0f)", seq, (*at - origin_s) * 1000);
        else std::snprintf(part, sizeof part, " %d(?)", seq);
        out += part;
    }
    return out;
}

// Lost requests sent in [from_s, to_s) on the sender's clock (unknown times count as sent last).
int lost_between(const PingSummary& p, double from_s, double to_s) {
    int n = 0;
    for (const int seq : p.missing) {
        const double at = sent_at(p, seq).value_or(std::numeric_limits<double>::max());
        if (at >= from_s && at < to_s) ++n;
    }
    return n;
}

// A mark on failover-migrate's timeline: its wall-clock s and ms since it started; nullopt without it.
std::optional<std::pair<double, double>> mark(const MigrationReport& report, const std::string& kind,
                                              const std::string& name, const std::string& side) {
    if (!report.output.is_object() || !report.output.contains("timeline")) return std::nullopt;
    for (const auto& e : report.output["timeline"])
        if (e.value("kind", "") == kind && e.value("name", "") == name && e.value("side", "") == side)
            return std::pair{e.value("wall_us", 0.0) / 1e6, e.value("t_ms", 0.0)};
    return std::nullopt;
}

}  // namespace

PhaseResult GuestSuite::migrate_phase(const std::string& guest, MigrateHow how,
                                      const std::function<bool(QemuVm&)>& settled, MigrationReport& report,
                                      std::chrono::milliseconds recover_timeout) {
    std::unique_ptr<QemuVm> destination = start_destination(*vm_, *net_, how);
    bool moved = false;
    PhaseSpec spec{guest, ipv6_, std::string("migrate (") + to_string(how) + ")"};
    double started_wall_s = 0;  // the host's CLOCK_REALTIME (ping -D's) when the command started
    spec.action = [&] {
        started_wall_s = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
        report = migrate(*vm_, *destination, *net_, how);
        moved = report.ok();
        if (!moved) throw std::runtime_error(guest + ": " + report.describe());
    };
    spec.guest_after_action = [&]() -> QemuVm& { return *destination; };
    spec.settled = [&] { return settled(*destination); };
    spec.details = [&](const PhaseResult& r) {
        nlohmann::json d{{"how", to_string(how)}, {"exit", report.exit_code}, {"seconds", report.seconds},
                         {"downtime_ms", report.downtime_ms}};
        // Split at the source's STOP and at the destination's plug-primary: before the STOP, the VF's unplug
        // (no eject handshake in real QEMU); up to plug-primary, the switchover (what netpass is for); from
        // there on, the VF's re-plug on the destination. Toward the guest by the host's clock (the
        // timeline's); the other way by the guest's, from the window's first reply (the command started less
        // than one interval before it; the guest's clock runs on unpaused until the STOP, and after it lags by
        // the downtime, which moves only the last boundary, by ~100 ms).
        const auto stop = mark(report, "event", "STOP", "source");
        const auto plug = mark(report, "step", "plug-primary", "destination");
        if (stop && plug && !r.to_host.reply_at.empty()) {
            constexpr double kEnd = std::numeric_limits<double>::max();
            const double guest_origin = r.to_host.reply_at.begin()->second;
            const double g_stop = guest_origin + stop->second / 1000, g_plug = guest_origin + plug->second / 1000;
            d["stop_ms"] = stop->second;
            d["plug_ms"] = plug->second;
            d["to_guest_lost_unplug"] = lost_between(r.to_guest, 0, stop->first);
            d["to_guest_lost_switchover"] = lost_between(r.to_guest, stop->first, plug->first);
            d["to_guest_lost_replug"] = lost_between(r.to_guest, plug->first, kEnd);
            d["to_host_lost_unplug"] = lost_between(r.to_host, 0, g_stop);
            d["to_host_lost_switchover"] = lost_between(r.to_host, g_stop, g_plug);
            d["to_host_lost_replug"] = lost_between(r.to_host, g_plug, kEnd);
        }
        return d;
    };
    spec.settle_timeout = std::chrono::milliseconds(60000);
    spec.recover_timeout = recover_timeout;
    const auto adopt = [&] {
        if (moved) vm_ = std::move(destination);  // the source (paused, postmigrate) goes with its taps
    };
    try {
        PhaseResult result = run_phase(*vm_, *net_, spec);
        std::cout << "[vm] " << report.describe() << "\n" << report.timeline_text()
                  << "[vm] host->guest unanswered at" << when_sent(result.to_guest, started_wall_s)
                  << " (ms after the command started, on its timeline above); guest->host unanswered at"
                  << when_sent(result.to_host, result.to_host.reply_at.empty() ? 0 : result.to_host.reply_at.begin()->second)
                  << " (ms after the window's first reply, guest clock); " << result.details.dump() << "\n"
                  << std::flush;
        adopt();
        return result;
    } catch (...) {
        adopt();
        throw;
    }
}

}  // namespace nf::vmtest
