// Loss of a 1 kHz datagram stream in each direction across a primary delete and re-add. The far side is
// a learning bridge (like a host's NIC switch) with the primary's and the standby's far ends as ports and
// a client behind it. Each repetition: streams on, 0.3 s baseline, delete the primary's veth (far end;
// both ends go), 1 s, re-create it with the same MAC, 1 s, streams off, 0.2 s drain. A datagram belongs
// to the phase in which it was sent; lost = sent in the phase and never received (a failed send counts).
#include <nlohmann/json.hpp>

#include <set>

#include "net/benches.h"
#include "net/in_process_master.h"
#include "net/shell.h"
#include "net/stats.h"
#include "net/topology.h"
#include "net/udp_stream.h"

namespace nf::bench {
namespace {

using datapath::Slot;

enum Phase { baseline = 0, deleted = 1, readded = 2 };
constexpr const char* kPhaseNames[] = {"baseline (0.3 s)", "primary deleted (1 s)", "primary re-added (1 s)"};

struct PhaseCount {
    std::array<int, 3> sent{}, lost{}, duplicates{};
};

PhaseCount count(const std::vector<Sent>& sent, const std::vector<Arrival>& arrivals, Clock::time_point t_del,
                 Clock::time_point t_add) {
    PhaseCount c;
    std::vector<int> seen(sent.size(), 0);
    for (const Arrival& a : arrivals)
        if (a.seq < seen.size()) ++seen[a.seq];
    for (std::size_t seq = 0; seq < sent.size(); ++seq) {
        const Phase p = sent[seq].at < t_del ? baseline : sent[seq].at < t_add ? deleted : readded;
        ++c.sent[p];
        if (!sent[seq].ok || seen[seq] == 0) ++c.lost[p];
        if (seen[seq] > 1) c.duplicates[p] += seen[seq] - 1;
    }
    return c;
}

}  // namespace

nlohmann::json run_primary_loss(const LossOptions& options, std::ostream& md) {
    const bool daemon = !options.mode.failoverd.empty();
    md << "Method: "
       << (daemon ? "**failoverd** as the master (make-before-break RX), run once per `--announce` value. "
                  : "in-process master (**not failoverd**, so no announcements), RX delivered from both slaves "
                    "(make-before-break). ")
       << "Far side: a learning Linux bridge with the primary's and standby's far ends as "
          "ports and a client behind it; static neighbour entries (no ARP). "
       << options.reps << " repetitions per datapath; streams at " << options.rate_hz
       << " datagrams/s in both directions at once; *guest → host* = guest master to client, *host → guest* = "
          "client to guest master. Lost per phase: median (min–max) over the repetitions; dup = duplicates "
          "(median).\n\n";
    md << "| datapath | direction | phase | sent (median) | lost median (min–max) | dup |\n";
    md << "|---|---|---|---|---|---|\n";

    nlohmann::json out;
    struct RunSpec {
        std::string label, datapath;
        MasterMode mode;
    };
    std::vector<RunSpec> runs;
    for (const std::string& dp : options.datapaths) {
        if (!daemon) {
            runs.push_back({dp, dp, options.mode});
            continue;
        }
        for (int announce : options.announces) {
            MasterMode m = options.mode;
            m.announce = announce;
            runs.push_back({dp + " announce " + std::to_string(announce), dp, m});
        }
    }
    for (const auto& [name, datapath_name, mode] : runs) {
        FailoverTopology topo(topology_for(datapath_name, 'l', FarSide::bridge, !mode.failoverd.empty()));
        const auto owned = make_master(topo, mode);
        Master& master = *owned;
        // [direction][phase] over the repetitions
        std::array<std::array<std::vector<double>, 3>, 2> sent, lost, dup;
        nlohmann::json reps = nlohmann::json::array();
        for (int rep = 0; rep < options.reps; ++rep) {
            UdpReceiver at_host(topo.far_client(), 7101);
            UdpReceiver at_guest(topo.guest(), 7102);
            Clock::time_point t_del, t_add;
            std::vector<Sent> g2h_sent, h2g_sent;
            {
                UdpSender g2h(topo.guest(), kFarIp, 7101, options.rate_hz);
                UdpSender h2g(topo.far_client(), kGuestIp, 7102, options.rate_hz);
                sleep_for(std::chrono::milliseconds(300));
                t_del = Clock::now();
                topo.delete_primary();
                sleep_for(std::chrono::seconds(1));
                t_add = Clock::now();
                topo.create_primary();
                sleep_for(std::chrono::seconds(1));
                g2h.stop();
                h2g.stop();
                g2h_sent = g2h.sent();
                h2g_sent = h2g.sent();
            }
            sleep_for(std::chrono::milliseconds(200));
            const PhaseCount c[2] = {count(g2h_sent, at_host.arrivals(), t_del, t_add),
                                     count(h2g_sent, at_guest.arrivals(), t_del, t_add)};
            nlohmann::json r;
            for (int d = 0; d < 2; ++d)
                for (int p = 0; p < 3; ++p) {
                    sent[d][p].push_back(c[d].sent[p]);
                    lost[d][p].push_back(c[d].lost[p]);
                    dup[d][p].push_back(c[d].duplicates[p]);
                }
            r["g2h_lost"] = c[0].lost;
            r["h2g_lost"] = c[1].lost;
            r["tx_after"] = master.tx() == Slot::primary ? "primary" : "not primary";
            reps.push_back(r);
            if (!master.wait_for(0, Slot::primary, std::chrono::seconds(2)))
                throw std::runtime_error(name + ": TX did not return to the re-added primary");
        }
        const char* directions[] = {"guest → host", "host → guest"};
        for (int d = 0; d < 2; ++d)
            for (int p = 0; p < 3; ++p)
                md << "| " << name << " | " << directions[d] << " | " << kPhaseNames[p] << " | "
                   << fixed(summarize(sent[d][p]).p50, 0) << " | " << median_range(summarize(lost[d][p]), 0) << " | "
                   << fixed(summarize(dup[d][p]).p50, 0) << " |\n";
        // [direction][phase] medians and maxima, for the targets table of scripts/bench.
        nlohmann::json median, worst;
        for (int d = 0; d < 2; ++d)
            for (int p = 0; p < 3; ++p) {
                median[d == 0 ? "g2h" : "h2g"].push_back(summarize(lost[d][p]).p50);
                worst[d == 0 ? "g2h" : "h2g"].push_back(summarize(lost[d][p]).max);
            }
        out[name] = {{"reps", reps}, {"lost_median", median}, {"lost_max", worst}};
    }
    md << "\n";
    return out;
}

}  // namespace nf::bench
