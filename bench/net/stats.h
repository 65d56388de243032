#pragma once
// Order statistics for benchmark reports: medians and ranges (the machine is noisy), nearest-rank
// percentiles for latency.
#include <string>
#include <vector>

namespace nf::bench {

struct Summary {
    std::size_t n = 0;
    double min = 0, p50 = 0, p99 = 0, max = 0;
};

// Nearest-rank percentile, q in [0, 1]; 0 for an empty sample.
double percentile(std::vector<double> values, double q);
Summary summarize(const std::vector<double>& values);

// "12.3" with `digits` decimals; "-" for an empty sample.
std::string fixed(double v, int digits);
// "median (min–max)".
std::string median_range(const Summary& s, int digits);

}  // namespace nf::bench
