// failover-netpass: one half of host netpass for a VMM without its own (stock QEMU). failover-migrate starts
// one per host (through --netpass-source-cmd / --netpass-destination-cmd) and drives it over stdin/stdout.
#include <CLI/CLI.hpp>
#include <iostream>

#include "common/error.h"
#include "helper.h"

namespace {

constexpr int kExitUsage = 2;

constexpr const char* kHelp = R"(failover-netpass — host netpass: no frame toward a migrating VM lost at switchover

SYNOPSIS
  failover-netpass source      --tap TAP [--netns NAME] --peer HOST:PORT --session TOKEN [bounds]
  failover-netpass destination --tap TAP [--netns NAME] [--listen HOST:PORT] --session TOKEN [bounds]

DESCRIPTION
  One half of host netpass, for VMMs without their own (stock QEMU). failover-migrate --netpass host starts
  one per host through a hook command and drives it over stdin/stdout (docs/failover-netpass.1.md).
  The source half attaches a tc program to TAP's egress (the VM's PV backend as the bridge sees it), first
  mirroring what the VMM reads. From "arm" (the source VM stopped) it keeps every unicast frame bound for the
  guest in a BPF ring buffer, plus the last frames the VMM never read (the tap's tx_packets counts reads), and
  sends them to the destination half over TCP (broadcast and multicast frames reach every port, the
  destination's tap too: both halves let them pass). After "resumed" (the VM runs on the destination) it forwards
  what still reaches TAP until no frame came for --quiet-ms (the bridge learnt the new port; at most
  --forward-ms), then detaches. The destination half holds its own tap's new guest-bound frames from "arm",
  injects the source's frames first once "resumed", then releases what it held in order: nothing lost,
  nothing reordered. Both detach on success, "abort", end of input, SIGINT/SIGTERM; on "abort" the source
  gives the frames it kept back to the source guest. Attached through a tcx link (kernel 6.6+: it dies with
  the process, even a killed one), else a clsact filter (handle 0x6e70).

OPTIONS
  --tap TAP            the VM's PV backend (tap) on this host
  --netns NAME         TAP lives in /run/netns/NAME (TCP stays in the current namespace)
  --peer HOST:PORT     source: the destination half (numeric address)
  --listen HOST:PORT   destination: where to wait for the source half (default 127.0.0.1:0; the port is
                       reported in the "ready" line)
  --session TOKEN      the same on both halves; the destination refuses any other peer
  -h, --help           this text
  --version            the version

BOUNDS
  Per migration; past one a frame takes its normal path and is counted (source: dropped).
  --max-frames N       frames kept / held (default 4096)
  --max-bytes N        bytes kept / held, also the ring's size (default 4194304)
  --keep-ms MS         source: keeping stops this long after "arm" (default 10000)
  --forward-ms MS      source: forwarding stops at the latest this long after "resumed" (default 2000)
  --quiet-ms MS        source: ... or once no frame came for this long (default 200)
  --hold-ms MS         destination: held frames are released this long after "arm" (default 15000)

CONTROL
  stdin, one word a line: arm | resumed | abort (end of input = abort).
  stdout, one JSON object a line: {"event":"ready",...,"port":N}, {"event":"armed"},
  {"event":"done","outcome":...} with source: kept, recovered, forwarded, dropped, mirrored, flooded;
  destination: received, injected, held, dropped, passed-over-bound, flooded, refused-peers; {"event":"error"}.

EXIT STATUS
  0  done, or aborted cleanly
  1  an error (reported as an "error" line)
  2  bad command line
  130  interrupted (SIGINT/SIGTERM/SIGHUP): detached first
)";

}  // namespace

int main(int argc, char** argv) {
    using namespace nf::netpass;
    cmd::Options o;
    std::uint64_t keep = 10000, forward = 2000, quiet = 200, hold = 15000;
    CLI::App app{"failover-netpass"};
    app.set_help_flag();
    bool help = false;
    app.add_flag("-h,--help", help);
    app.set_version_flag("--version", "failover-netpass (netfailover) " NF_VERSION);
    auto* source = app.add_subcommand("source");
    auto* destination = app.add_subcommand("destination");
    for (auto* sub : {source, destination}) {
        sub->add_option("--tap", o.tap)->required();
        sub->add_option("--netns", o.netns);
        sub->add_option("--session", o.session)->required();
        sub->add_option("--max-frames", o.bounds.max_frames);
        sub->add_option("--max-bytes", o.bounds.max_bytes);
        sub->add_option("--keep-ms", keep);
        sub->add_option("--forward-ms", forward);
        sub->add_option("--quiet-ms", quiet);
        sub->add_option("--hold-ms", hold);
        sub->set_help_flag();
        sub->add_flag("-h,--help", help);
    }
    source->add_option("--peer", o.peer)->required();
    destination->add_option("--listen", o.listen);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForVersion& e) {
        std::cout << e.what() << "\n";
        return 0;
    } catch (const CLI::ParseError& e) {
        if (help) {
            std::cout << kHelp;
            return 0;
        }
        std::cerr << "failover-netpass: " << e.what() << " (see --help)\n";
        return kExitUsage;
    }
    if (help) {
        std::cout << kHelp;
        return 0;
    }
    if (!source->parsed() && !destination->parsed()) {
        std::cerr << "failover-netpass: give 'source' or 'destination' (see --help)\n";
        return kExitUsage;
    }
    o.bounds.keep = Millis(keep);
    o.bounds.forward = Millis(forward);
    o.bounds.quiet = Millis(quiet);
    o.bounds.hold = Millis(hold);
    if (auto problem = bounds_problem(o.bounds); !problem.empty()) {
        std::cerr << "failover-netpass: " << problem << "\n";
        return kExitUsage;
    }
    if (o.session.empty() || o.session.size() > 128) {
        std::cerr << "failover-netpass: --session must be 1..128 characters\n";
        return kExitUsage;
    }
    try {
        if (source->parsed()) {
            cmd::parse_endpoint(o.peer);
            return cmd::run_source(o);
        }
        cmd::parse_endpoint(o.listen);
        return cmd::run_destination(o);
    } catch (const nf::ConfigError& e) {
        std::cerr << "failover-netpass: " << e.what() << "\n";
        return kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "failover-netpass: " << e.what() << "\n";
        cmd::report({{"event", "error"}, {"error", e.what()}});
        return 1;
    }
}
