// Switch latency, in-process (datapath library + a reaction loop like failoverd's), three views of
// the same switches:
//   kernel:    request (set the primary's far end down/up) -> the slave's link event read by LinkMonitor
//   datapath:  event read -> Datapath::set_tx returned (what a daemon adds; the figure with the target)
//   packets:   request -> first datagram of a 1 kHz stream (guest -> far side) arriving over the new slave
// The far ends of the primary (P) and standby (S) have the same IP and MAC, and each has its own
// receiver, so a datagram's receiver says which slave carried it.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

#include "net/benches.h"
#include "net/in_process_master.h"
#include "net/shell.h"
#include "net/stats.h"
#include "net/topology.h"
#include "net/udp_stream.h"
#include "os/rtnl.h"

namespace nf::bench {
namespace {

using datapath::Slot;

double us(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

struct Request {
    Slot to;  // the slot TX should move to
    Clock::time_point at;
};

struct Views {
    std::vector<double> kernel, datapath, packets;
    int timeouts = 0;
};

std::optional<Clock::time_point> first_after(const std::vector<Arrival>& arrivals, Clock::time_point t) {
    for (const Arrival& a : arrivals)
        if (a.at > t) return a.at;
    return std::nullopt;
}

void row(std::ostream& md, const std::string& datapath, const std::string& what, const Views& v) {
    const Summary k = summarize(v.kernel), d = summarize(v.datapath), p = summarize(v.packets);
    const auto cell = [](const Summary& s, double value, int digits) { return s.n ? fixed(value, digits) : "-"; };
    md << "| " << datapath << " | " << what << " | " << std::max(d.n, p.n) << " | " << cell(d, d.p50, 1) << " | "
       << cell(d, d.p99, 1) << " | " << cell(d, d.max, 1) << " | " << cell(k, k.p50, 0) << " / " << cell(k, k.p99, 0)
       << " | " << cell(p, p.p50, 0) << " / " << cell(p, p.p99, 0) << " | " << v.timeouts << " |\n";
}

nlohmann::json to_json(const Views& v) {
    const Summary d = summarize(v.datapath), p = summarize(v.packets);
    return {{"kernel_us", v.kernel},       {"datapath_us", v.datapath}, {"packets_us", v.packets},
            {"timeouts", v.timeouts},      {"datapath_p50_us", d.p50},  {"datapath_p99_us", d.p99},
            {"packets_p50_us", p.p50},     {"packets_p99_us", p.p99}};
}

}  // namespace

nlohmann::json run_switch_latency(const SwitchOptions& options, std::ostream& md) {
    const bool daemon = !options.mode.failoverd.empty();
    md << "Method: "
       << (daemon ? "**failoverd** as the master; *event → datapath* is failoverd's own figure (status `switch`: "
                    "event receipt → datapath update, every switch of the run plus the one at start-up); the "
                    "per-switch kernel view is not available from the daemon. "
                  : "in-process master (datapath library + a LinkMonitor loop mirroring failoverd's reaction: "
                    "primary not running/no carrier → `set_tx(standby)`; back → `set_tx(primary)`), **not failoverd**. ")
       << "Each switch is caused by setting the primary's far end (in the peer namespace) down, then up again; "
       << options.switches
       << " of each. A 1 kHz UDP stream (guest → far side) runs throughout; the far ends of the two slaves "
          "have separate receivers. Columns: *event → datapath* = rtnetlink message read → `set_tx` returned "
          "(the daemon-side cost, target p99 < 1 ms); *request → event* = `ip link set` (rtnetlink, in-process) "
          "sent → event read; *request → first packet on new slave* is quantised by the stream's 1 ms period "
          "and includes the receiver thread's wake-up.\n\n";
    md << "| datapath | switch | n | event → datapath p50 µs | p99 µs | max µs | request → event p50 / p99 µs "
          "| request → first packet on new slave p50 / p99 µs | timeouts |\n";
    md << "|---|---|---|---|---|---|---|---|---|\n";

    nlohmann::json out;
    for (const std::string& name : options.datapaths) {
        FailoverTopology topo(topology_for(name, 's', FarSide::peers, !options.mode.failoverd.empty()));
        const auto owned = make_master(topo, options.mode);
        Master& master = *owned;
        UdpReceiver on_primary(topo.far_client(), 7001);
        UdpReceiver on_standby(*topo.standby_peer(), 7001);
        os::Rtnl far = os::Rtnl::in(topo.primary_far_ns().netns());
        UdpSender stream(topo.guest(), kFarIp, 7001, 1000);
        sleep_for(std::chrono::milliseconds(300));

        std::vector<Request> requests;
        std::vector<bool> switched;  // per request: TX reached the expected slot within 500 ms
        for (int i = 0; i < options.switches; ++i) {
            for (Slot to : {Slot::standby, Slot::primary}) {
                const std::size_t before = master.switch_count();
                const auto at = Clock::now();
                if (to == Slot::standby) far.set_down(topo.primary_far_name());
                else far.set_up(topo.primary_far_name());
                requests.push_back({to, at});
                throw_if_interrupted();
                switched.push_back(master.wait_for(before + 1, to, std::chrono::milliseconds(500)));
                // Let a few datagrams of the stream take the new path before the next switch.
                sleep_for(std::chrono::milliseconds(12));
            }
        }
        stream.stop();
        sleep_for(std::chrono::milliseconds(100));

        const auto records = master.switches();  // empty for failoverd
        const auto via_primary = on_primary.arrivals();
        const auto via_standby = on_standby.arrivals();
        Views lost, back;
        std::size_t next_record = 0;
        for (std::size_t i = 0; i < requests.size(); ++i) {
            const Request& rq = requests[i];
            const auto until = i + 1 < requests.size() ? requests[i + 1].at : Clock::time_point::max();
            Views& v = rq.to == Slot::standby ? lost : back;
            if (!switched[i]) ++v.timeouts;
            if (auto first = first_after(rq.to == Slot::standby ? via_standby : via_primary, rq.at); first && *first < until)
                v.packets.push_back(us(*first - rq.at));
            // The switch this request caused: the next record to the expected slot, before the next request.
            while (next_record < records.size() && records[next_record].event_received < rq.at) ++next_record;
            if (next_record >= records.size() || records[next_record].to != rq.to ||
                records[next_record].event_received >= until)
                continue;
            const SwitchRecord& r = records[next_record++];
            v.kernel.push_back(us(r.event_received - rq.at));
            v.datapath.push_back(us(r.applied - r.event_received));
        }
        if (daemon) {
            // failoverd's samples cover both switch directions; fill its p50/p99 into both rows.
            const auto st = master.status();
            const auto sw = st.is_object() ? st["switch"] : nlohmann::json();
            const double p50 = sw.is_object() && sw["p50_us"].is_number() ? sw["p50_us"].get<double>() : -1;  // -1: none
            const double p99 = sw.is_object() && sw["p99_us"].is_number() ? sw["p99_us"].get<double>() : -1;
            md << "| " << name << " | failoverd's own figure (status `switch`, all its samples) | " << (sw.is_object() ? sw.value("samples", 0) : 0) << " | " << fixed(p50, 1) << " | "
               << fixed(p99, 1) << " | - | - | - | - |\n";
            row(md, name, "primary lost → standby (packets)", lost);
            row(md, name, "primary back → primary (packets)", back);
            out[name] = {{"primary_lost", to_json(lost)}, {"primary_back", to_json(back)}, {"failoverd_switch", sw}};
            out[name]["primary_lost"]["datapath_p99_us"] = p99;
            out[name]["primary_back"]["datapath_p99_us"] = p99;
        } else {
            row(md, name, "primary lost → standby", lost);
            row(md, name, "primary back → primary", back);
            out[name] = {{"primary_lost", to_json(lost)}, {"primary_back", to_json(back)}};
        }
    }
    md << "\n";
    return out;
}

}  // namespace nf::bench
