// Microbenchmarks of the OS-free failover core: the per-packet and per-event costs failoverd pays in
// userspace, apart from any syscall. Run by scripts/bench; not a test (no ctest registration).
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <cstdint>

#include "failover/failover.h"
#include "failover/sim/fake_network_stack.h"

namespace nf::bench {
namespace {

using namespace nf::failover;

const MacAddress kMac = *MacAddress::parse("52:54:00:12:34:56");

Netdev make_standby() {
    Netdev d;
    d.name = "nfbsby";
    d.netns = 1;
    d.dev_addr = d.perm_addr = kMac;
    d.parent = "virtio0";
    return d;
}

Netdev make_primary() {
    Netdev d;
    d.name = "nfbpri";
    d.netns = 1;
    d.dev_addr = d.perm_addr = kMac;
    d.parent = "0000:00:11.0";
    d.parent_is_pci = true;
    d.num_tx_queues = 32;
    return d;
}

// A running master with both slaves up and carrying, built the way failoverd drives the core.
struct ReadyMaster {
    sim::FakeNetworkStack stack;
    NullEventSink sink;
    FailoverRegistry registry{stack, sink};
    FailoverMaster* master = nullptr;

    ReadyMaster() {
        stack.set_listener([this](const NetdevEvent& e) { registry.handle(e); });
        MasterSpec spec;
        spec.name = "nfbm";
        spec.standby = make_standby();
        master = &registry.create_master(spec, stack.snapshot());
        stack.add(make_standby());
        stack.add(make_primary());
        (void)master->open();
        stack.set_carrier("nfbsby", true);
        stack.set_carrier("nfbpri", true);
    }
};

// T2-T5 for one packet: what the packet datapath's TX thread would ask per frame if it asked the core.
void BM_TransmitDecision(benchmark::State& state) {
    spdlog::set_level(spdlog::level::warn);
    ReadyMaster m;
    TxPacket packet;
    packet.length = 1514;
    for (auto _ : state) {
        packet.flow_hash += 0x9e3779b9u;  // different flows, so the queue pick is not a constant
        benchmark::DoNotOptimize(m.master->transmit(packet));
    }
}
BENCHMARK(BM_TransmitDecision);

// T2 alone: the slave choice from two netdev descriptions.
void BM_ChooseTx(benchmark::State& state) {
    Netdev primary = make_primary(), standby = make_standby();
    primary.running = primary.carrier = true;
    standby.running = standby.carrier = true;
    bool flip = false;
    for (auto _ : state) {
        primary.carrier = (flip = !flip);  // alternate between both answers
        benchmark::DoNotOptimize(choose_tx(&primary, &standby, ActiveChoice::automatic));
    }
}
BENCHMARK(BM_ChooseTx);

// S2 over all 25 counters: one stats fold per slave per `failoverctl status` / stats read.
void BM_FoldStats(benchmark::State& state) {
    Stats64 acc, snapshot, now;
    for (auto _ : state) {
        for (auto field : kStats64Fields) now.*field += 1500;
        fold_stats(acc, snapshot, now);
        benchmark::DoNotOptimize(acc);
    }
}
BENCHMARK(BM_FoldStats);

// The datapath program computed after every event (the daemon's reaction before any syscall).
void BM_ComputeProgram(benchmark::State& state) {
    spdlog::set_level(spdlog::level::warn);
    ReadyMaster m;
    for (auto _ : state) benchmark::DoNotOptimize(compute_program(*m.master));
}
BENCHMARK(BM_ComputeProgram);

// A whole switch in the core: the primary loses carrier (event in, TX moves to the standby, program
// recomputed) and gets it back. Two events per iteration; no datapath calls.
void BM_CarrierFlapSwitchPair(benchmark::State& state) {
    spdlog::set_level(spdlog::level::warn);
    ReadyMaster m;
    bool on = true;
    for (auto _ : state) {
        on = !on;
        m.stack.set_carrier("nfbpri", on);
        benchmark::DoNotOptimize(compute_program(*m.master));
        on = !on;
        m.stack.set_carrier("nfbpri", on);
        benchmark::DoNotOptimize(compute_program(*m.master));
    }
    state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_CarrierFlapSwitchPair);

}  // namespace
}  // namespace nf::bench

BENCHMARK_MAIN();
