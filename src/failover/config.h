#pragma once
// How a failover master behaves where we and the kernel differ. Defaults are our improved behaviour;
// FailoverConfig::kernel_compat() copies the kernel quirk by quirk.
#include <chrono>
#include <memory>
#include <string_view>

#include "failover/pairing.h"

namespace nf::failover {

// Standby RX while a primary exists.
enum class RxMode {
    kernel,             // R-X1: not delivered while a primary is registered, whatever its link state
    make_before_break,  // delivered until TX really moves to the primary (running && carrier)
};
// "kernel" | "make-before-break": the words of failoverd's --rx-mode, its status and the lab's reports.
constexpr std::string_view to_string(RxMode m) { return m == RxMode::kernel ? "kernel" : "make-before-break"; }

// When the master carrier is recomputed.
enum class CarrierMode {
    kernel,     // L2/M9 only: not at join/leave (L3), not while the master is down (L4)
    immediate,  // after every change; off while the master is down
};

enum class StatsMode {
    monotonic,     // S4: the intended fold, never goes back
    kernel_reset,  // S5: the accumulator is reset at slave unregister and when no slave is ready
};

// L5 lower-state events.
enum class LowerStateMode {
    kernel,  // only for the slave involved in the change
    both,    // for both slaves, so neither goes stale
};

// `failoverctl set active ...`: automatic follows T2; a forced slot is used while it is xmit-ready and
// T2 decides otherwise (a forced choice never blackholes traffic).
enum class ActiveChoice { automatic, primary, standby };
// "auto" | "primary" | "standby": the words of the control protocol and of the logs.
constexpr std::string_view to_string(ActiveChoice c) {
    return c == ActiveChoice::automatic ? "auto" : c == ActiveChoice::primary ? "primary" : "standby";
}

// make-before-break: how long the standby keeps delivering RX after the program stopped it (TX moved to
// the primary), for the frames still in flight on the standby's path (a VMM forwarder, a bridge that has
// not learnt yet). The rule is RxGrace (rx_grace.h).
inline constexpr std::chrono::milliseconds kDefaultRxGrace{100};

struct FailoverConfig {
    RxMode rx = RxMode::make_before_break;
    std::chrono::milliseconds rx_grace = kDefaultRxGrace;  // RxMode::make_before_break only; 0: none
    CarrierMode carrier = CarrierMode::immediate;
    StatsMode stats = StatsMode::monotonic;
    LowerStateMode lower_state = LowerStateMode::both;
    std::shared_ptr<const PairingPolicy> pairing = kernel_compat_pairing();
    unsigned tx_queues = 16;      // C1
    unsigned initial_mtu = 1500;  // C2: the kernel does not copy the standby's MTU

    static FailoverConfig kernel_compat() {
        FailoverConfig c;
        c.rx = RxMode::kernel;
        c.rx_grace = std::chrono::milliseconds{0};
        c.carrier = CarrierMode::kernel;
        c.stats = StatsMode::kernel_reset;
        c.lower_state = LowerStateMode::kernel;
        return c;
    }
};

}  // namespace nf::failover
