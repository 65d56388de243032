#include "net/stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace nf::bench {

double percentile(std::vector<double> values, double q) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    rank = std::clamp<std::size_t>(rank, 1, values.size());
    return values[rank - 1];
}

Summary summarize(const std::vector<double>& values) {
    Summary s;
    s.n = values.size();
    if (values.empty()) return s;
    s.min = *std::min_element(values.begin(), values.end());
    s.max = *std::max_element(values.begin(), values.end());
    // The median of an even sample is the mean of the middle two, not a nearest rank.
    std::vector<double> v = values;
    std::sort(v.begin(), v.end());
    s.p50 = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    s.p99 = percentile(values, 0.99);
    return s;
}

std::string fixed(double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

std::string median_range(const Summary& s, int digits) {
    if (s.n == 0) return "-";
    return fixed(s.p50, digits) + " (" + fixed(s.min, digits) + "–" + fixed(s.max, digits) + ")";
}

}  // namespace nf::bench
