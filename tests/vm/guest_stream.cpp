#include "guest_stream.h"

#include <fcntl.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "host_net.h"
#include "lab/traffic/udp_address.h"
#include "netns_socket.h"

namespace nf::vmtest {
namespace {

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

// A UDP socket bound in a named namespace.
UniqueFd bound_socket_in(const std::string& netns, const lab::UdpAddress& address) {
    return socket_in_netns(netns, "guest stream receiver", [&] { return lab::open_udp_socket(&address); });
}

}  // namespace

std::string StreamFigures::describe() const {
    char line[200];
    std::snprintf(line, sizeof line, "sent %llu, delivered %llu, lost %llu, reordered %llu, duplicated %llu, outage %.0f ms",
                  static_cast<unsigned long long>(sent), static_cast<unsigned long long>(delivered),
                  static_cast<unsigned long long>(lost), static_cast<unsigned long long>(reordered),
                  static_cast<unsigned long long>(duplicated), outage_ms());
    return line;
}

GuestToHostStream::GuestToHostStream(QemuVm& vm, const std::string& netns, double rate, int max_seconds)
    : vm_(&vm),
      rate_(rate),
      // Sequence numbers kept: the whole run at `rate`, so none is beyond the table.
      recorder_({.capacity_per_stream = static_cast<std::size_t>(rate * (max_seconds + 10))}) {
    const std::string to = std::string(kHostIp) + ":" + std::to_string(kPort);
    recorder_.expect_stream({1, lab::Direction::VmToClient});
    receiver_ = std::make_unique<lab::Receiver>(recorder_, bound_socket_in(netns, lab::UdpAddress::parse(to)));
    thread_ = std::jthread([this](std::stop_token stop) {
        try {
            receiver_->run(stop);
        } catch (const std::exception&) {
            // A socket error ends the receiving; what was recorded stays, and stop() reports the gap.
        }
    });
    char rate_text[32];
    std::snprintf(rate_text, sizeof rate_text, "%.0f", rate);
    pid_ = trimmed(vm_->run_ok("/bin/failover-traffic --log-level warn send --to " + to + " --rate " + rate_text +
                               " --duration " + std::to_string(max_seconds) +
                               " --direction vm-to-client > /tmp/gstream 2>&1 & echo $!"));
    if (pid_.empty() || pid_.find_first_not_of("0123456789") != std::string::npos)
        throw std::runtime_error("the guest's failover-traffic did not start: '" + pid_ + "'");
}

GuestToHostStream::~GuestToHostStream() {
    stop_sender();
    thread_.request_stop();
}

void GuestToHostStream::stop_sender() noexcept {
    if (pid_.empty()) return;
    try {
        vm_->run("kill -INT " + pid_ + "; wait " + pid_, std::chrono::milliseconds(10000));
    } catch (...) {
        // The guest no longer answers: its sender dies with it.
    }
    pid_.clear();
}

StreamFigures GuestToHostStream::stop() {
    stop_sender();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the last datagrams on their way
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();

    StreamFigures f;
    f.interval_ms = 1000.0 / rate_;
    const auto entries = recorder_.entries({1, lab::Direction::VmToClient});
    // The window: from the first sequence number after the last one delivered before mark().
    std::size_t from = 0, highest = 0;
    bool any = false;
    for (std::size_t seq = 0; seq < entries.size(); ++seq) {
        if (!entries[seq].received()) continue;
        if (entries[seq].first_rx_ns < window_from_ns_) from = seq + 1;
        highest = seq;
        any = true;
    }
    if (!any || highest < from) return f;
    std::vector<std::int64_t> arrivals;
    std::int64_t last_rx_ns = 0;
    for (std::size_t seq = from; seq <= highest; ++seq) {
        const auto& e = entries[seq];
        ++f.sent;
        if (!e.received()) {
            ++f.lost;
            if (f.lost_after.size() < 8) f.lost_after.push_back({seq, last_rx_ns});
            continue;
        }
        ++f.delivered;
        if (e.reordered) ++f.reordered;
        if (e.copies > 1) ++f.duplicated;
        arrivals.push_back(e.first_rx_ns);
        last_rx_ns = e.first_rx_ns;
    }
    std::sort(arrivals.begin(), arrivals.end());
    for (std::size_t i = 1; i < arrivals.size(); ++i)
        f.max_gap_ms = std::max(f.max_gap_ms, static_cast<double>(arrivals[i] - arrivals[i - 1]) / 1e6);
    return f;
}

HostToGuestStream::HostToGuestStream(QemuVm& vm, const std::string& netns, double rate, int max_seconds)
    : vm_(&vm), rate_(rate) {
    const std::string at = std::string(kGuestIp) + ":" + std::to_string(kPort);
    pid_ = trimmed(vm_->run_ok("/bin/failover-traffic recv --bind " + at + " --duration " +
                               std::to_string(max_seconds + 10) + " --json /tmp/grecv.json > /tmp/grecv 2>&1 & echo $!"));
    if (pid_.empty() || pid_.find_first_not_of("0123456789") != std::string::npos)
        throw std::runtime_error("the guest's failover-traffic receiver did not start: '" + pid_ + "'");
    // Bound before the first datagram: a datagram to a port nobody listens on is lost, not late.
    if (!wait_until([&] { return vm_->run("grep -q 'receiving on' /tmp/grecv").status == 0; }, std::chrono::milliseconds(10000),
                    std::chrono::milliseconds(200)))
        throw std::runtime_error("the guest's failover-traffic receiver is not listening: " + vm_->run("cat /tmp/grecv").output);
    lab::SenderConfig config;
    config.to = lab::UdpAddress::parse(at);
    config.rate = rate;
    config.duration_s = max_seconds;
    config.stream_id = 2;
    config.direction = lab::Direction::ClientToVm;
    sender_ = std::make_unique<lab::Sender>(config, bound_socket_in(netns, lab::UdpAddress::parse(std::string(kHostIp) + ":0")));
    thread_ = std::jthread([this](std::stop_token stop) { sender_->run(stop); });
}

HostToGuestStream::~HostToGuestStream() {
    stop_sending();
    stop_receiver();
}

void HostToGuestStream::stop_sending() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
}

void HostToGuestStream::stop_receiver() noexcept {
    if (pid_.empty()) return;
    try {
        vm_->run("kill -INT " + pid_ + "; wait " + pid_, std::chrono::milliseconds(20000));
    } catch (...) {
        // The guest no longer answers: its receiver dies with it.
    }
    pid_.clear();
}

StreamFigures HostToGuestStream::stop() {
    stop_sending();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the last datagrams on their way
    stop_receiver();
    StreamFigures f;
    f.interval_ms = 1000.0 / rate_;
    const std::string text = vm_->run_ok("cat /tmp/grecv.json", std::chrono::milliseconds(30000));
    const auto analysis = nlohmann::json::parse(text, nullptr, false);
    if (analysis.is_discarded() || !analysis.contains("total"))
        throw std::runtime_error("the guest's receiver wrote no analysis: " + text.substr(0, 400) + vm_->run("cat /tmp/grecv").output);
    for (const auto& d : analysis["total"].value("directions", nlohmann::json::array())) {
        if (d.value("direction", "") != "client-to-vm") continue;
        f.sent = d.value("sent", 0ULL);
        f.delivered = d.value("delivered", 0ULL);
        f.lost = d.value("lost", 0ULL) + d.value("not_sent", 0ULL);
        f.reordered = d.value("reordered", 0ULL);
        f.duplicated = d.value("duplicated", 0ULL);
    }
    return f;
}

}  // namespace nf::vmtest
