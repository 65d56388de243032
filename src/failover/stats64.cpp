#include "failover/stats64.h"

namespace nf::failover {

std::uint64_t counter_increase(std::uint64_t old_value, std::uint64_t new_value) {
    constexpr std::uint64_t k32 = std::uint64_t{1} << 32;
    if (old_value < k32 && new_value < k32) {
        // A 32-bit counter: the wrapped difference is a forward step when it reads positive as int32.
        const auto step = static_cast<std::int32_t>(static_cast<std::uint32_t>(new_value) -
                                                    static_cast<std::uint32_t>(old_value));
        return step > 0 ? static_cast<std::uint64_t>(step) : 0;
    }
    return new_value > old_value ? new_value - old_value : 0;
}

void fold_stats(Stats64& acc, Stats64& snapshot, const Stats64& now) {
    for (auto field : kStats64Fields) acc.*field += counter_increase(snapshot.*field, now.*field);
    snapshot = now;
}

Stats64 operator+(const Stats64& a, const Stats64& b) {
    Stats64 sum = a;
    for (auto field : kStats64Fields) sum.*field += b.*field;
    return sum;
}

}  // namespace nf::failover
