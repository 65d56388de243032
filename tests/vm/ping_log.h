#pragma once
// Ping streams for the real-VM tier, judged by sequence number: iputils `ping -D` (a timestamp per
// reply) at 20 packets/s, one from the host namespace to the guest, one in the guest to the host. Both
// write their output to a file; the same parser reads the host's file and the guest's (sent back over
// the console), so the two directions are counted the same way.
#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace nf::vmtest {

inline constexpr double kPingInterval = 0.05;  // 20 packets/s

struct PingSummary {
    int answered = 0;            // distinct sequence numbers answered
    int last_answered_seq = 0;   // 0: none
    std::vector<int> missing;    // unanswered sequence numbers in the window, below the last answered one
    double max_gap_ms = 0;       // longest time between two consecutive replies (sender's clock)
    std::map<int, double> reply_at;  // seq -> reply time (s, sender's clock)
    int reordered = 0;           // replies that came after a reply to a higher sequence number
    double interval_ms = kPingInterval * 1000;  // the stream's interval (HostPing's)

    int lost() const { return static_cast<int>(missing.size()); }
    // The longest stretch without replies, less the interval a stream without loss has anyway.
    double outage_ms() const { return max_gap_ms > interval_ms ? max_gap_ms - interval_ms : 0; }
    std::string describe() const;
};

// Only replies to requests after `after_seq` count (a phase's window starts at its action).
PingSummary parse_ping_output(const std::string& output, int after_seq = 0);

// `ping -D -n -i 0.05 TARGET` in a named network namespace, output to a file; killed with SIGINT by
// stop() or the destructor (bounded wait, then SIGKILL). The destructor removes the file. Another
// `interval_s` (e.g. 0.001: the 1 kHz stream of the netpass comparison) needs root, as the tier is.
class HostPing {
public:
    HostPing(const std::string& netns, const std::string& target, const std::string& output_path,
             double interval_s = kPingInterval);
    ~HostPing();
    HostPing(const HostPing&) = delete;
    HostPing& operator=(const HostPing&) = delete;

    PingSummary read(int after_seq = 0) const;   // what the file holds so far
    PingSummary stop(int after_seq = 0);

private:
    pid_t pid_ = -1;
    std::string path_;
    double interval_s_;
};

}  // namespace nf::vmtest
