#include "os/ipv6_family.h"

#include <cerrno>
#include <atomic>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "common/error.h"

namespace nf::os {

namespace {

// 0: not asked yet, 1: present, 2: absent. Atomic: the packet datapath's threads may ask.
std::atomic<int> g_state{0};
std::atomic<bool> g_simulated_absent{false};
std::atomic<bool> g_absent_logged{false};

void mark_absent(std::string_view why) {
    g_state = 2;
    // Once per process: every later step is skipped silently.
    if (!g_absent_logged.exchange(true))
        spdlog::warn("IPv6 is not available in this kernel ({}): IPv6 steps (addrgenmode, IPv6 sysctls, "
                     "unsolicited NA) are skipped",
                     why);
}

}  // namespace

bool ipv6_available() {
    int state = g_state.load();
    if (state == 0) {
        std::error_code ec;
        if (detail::ipv6_simulated_absent() || !std::filesystem::exists("/proc/sys/net/ipv6", ec)) {
            mark_absent("no /proc/sys/net/ipv6");
        } else {
            int expected = 0;
            g_state.compare_exchange_strong(expected, 1);
        }
        state = g_state.load();
    }
    return state == 1;
}

bool ipv6_step(std::string_view what, const std::function<void()>& step) {
    if (!ipv6_available()) return false;
    try {
        step();
        return true;
    } catch (const SystemError& e) {
        std::error_code ec;
        const bool family_gone = e.errno_value() == EAFNOSUPPORT ||
                                 (e.errno_value() == ENOENT && !std::filesystem::exists("/proc/sys/net/ipv6", ec));
        if (!family_gone) throw;
        mark_absent(std::string(what) + ": " + e.what());
        return false;
    }
}

namespace testing {
void simulate_no_ipv6(bool absent) {
    g_simulated_absent = absent;
    g_state = 0;
    g_absent_logged = false;
}
}  // namespace testing

namespace detail {
bool ipv6_simulated_absent() { return g_simulated_absent.load(); }

void check_ipv6_family(const std::string& what) {
    if (ipv6_simulated_absent()) throw SystemError(EAFNOSUPPORT, what);
}
}  // namespace detail

}  // namespace nf::os
