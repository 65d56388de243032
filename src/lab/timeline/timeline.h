#pragma once
// The traffic timeline as SVG: time runs left to right (ms from the run's origin), one lane per
// direction, and in each lane one row per fate: delivered via each path, duplicated, lost, not sent.
// Every packet is a tick in its row; the lab's marks are vertical lines with labels. Deterministic: the
// same run gives the same bytes.
#include <string>

#include "lab/traffic/stream_trace.h"

namespace nf::lab {

struct TimelineOptions {
    double width = 1200;  // pixels, including margins
    std::string title = "netfailover traffic";
};

std::string render_timeline(const TrafficRun& run, const TimelineOptions& options = {});

}  // namespace nf::lab
