#include "lab/timeline/timeline.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <vector>

#include "lab/timeline/svg_writer.h"

namespace nf::lab {
namespace {

constexpr double kLeft = 150;  // room for the row names
constexpr double kRight = 20;
constexpr double kTitleHeight = 26;
constexpr double kLabelRowHeight = 14;
constexpr int kLabelRows = 3;  // mark labels are staggered over this many rows so neighbours do not collide
constexpr double kRowHeight = 12;
constexpr double kLaneGap = 18;
constexpr double kAxisHeight = 34;
constexpr double kLegendHeight = 24;

constexpr std::array<const char*, 4> kPathColours{"#1565c0", "#ef6c00", "#6a1b9a", "#00838f"};
constexpr const char* kUnlabelledColour = "#2e7d32";
constexpr const char* kDuplicateColour = "#f9a825";
constexpr const char* kLostColour = "#c62828";
constexpr const char* kNotSentColour = "#9e9e9e";
constexpr const char* kPhaseColour = "#555555";
constexpr const char* kEventColour = "#d81b60";

// A row of a lane: which packets it shows, its name and colour.
struct RowKind {
    enum class What { Delivered, Duplicate, Lost, NotSent } what;
    PathId path = kNoPath;  // for Delivered
    std::string name;
    std::string colour;
};

std::string path_name(const TrafficRun& run, PathId path) {
    if (path == kNoPath || path >= run.path_labels.size() || run.path_labels[path].empty()) return "delivered";
    return "via " + run.path_labels[path];
}

std::string path_colour(PathId path) {
    return path == kNoPath ? kUnlabelledColour : kPathColours[(path - 1u) % kPathColours.size()];
}

// The same rows in both lanes (so they line up): a delivered row per path that carried anything.
std::vector<RowKind> row_kinds(const TrafficRun& run) {
    std::set<PathId> paths;
    for (const StreamTrace& stream : run.streams)
        for (std::uint64_t seq = 0; seq < stream.sends.size(); ++seq) {
            const PacketFate packet = packet_fate(stream, seq);
            if (packet.fate == Fate::Delivered) paths.insert(packet.path);
        }
    std::vector<RowKind> rows;
    for (const PathId path : paths)
        rows.push_back({RowKind::What::Delivered, path, path_name(run, path), path_colour(path)});
    if (paths.empty()) rows.push_back({RowKind::What::Delivered, kNoPath, "delivered", kUnlabelledColour});
    rows.push_back({RowKind::What::Duplicate, kNoPath, "duplicated", kDuplicateColour});
    rows.push_back({RowKind::What::Lost, kNoPath, "lost", kLostColour});
    rows.push_back({RowKind::What::NotSent, kNoPath, "not sent", kNotSentColour});
    return rows;
}

bool belongs(const RowKind& row, const PacketFate& packet) {
    switch (row.what) {
        case RowKind::What::Delivered: return packet.fate == Fate::Delivered && packet.path == row.path;
        case RowKind::What::Duplicate: return packet.fate == Fate::Delivered && packet.copies > 1;
        case RowKind::What::Lost: return packet.fate == Fate::Lost;
        case RowKind::What::NotSent: return packet.fate == Fate::NotSent;
    }
    return false;
}

// A step of 1, 2 or 5 x 10^k ms giving about ten ticks over `span_ms`.
double tick_step_ms(double span_ms) {
    const double raw = std::max(span_ms / 10.0, 1e-3);
    const double decade = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double factor : {1.0, 2.0, 5.0})
        if (raw <= factor * decade) return factor * decade;
    return 10.0 * decade;
}

std::string ms_label(double ms) {
    return svg_number(ms);  // fixed precision, no locale
}

class Layout {
public:
    Layout(const TrafficRun& run, double width)
        : origin_(time_origin(run)), span_ns_(std::max<std::int64_t>(time_end(run) - origin_, 1'000'000)),
          plot_width_(std::max(width - kLeft - kRight, 100.0)) {}

    double x(std::int64_t t_ns) const { return kLeft + column(t_ns); }
    // Whole pixel columns: packets sent within one pixel share it, which makes the ticks mergeable.
    int column(std::int64_t t_ns) const {
        const double at = static_cast<double>(t_ns - origin_) / static_cast<double>(span_ns_) * plot_width_;
        return std::clamp(static_cast<int>(std::floor(at)), 0, static_cast<int>(plot_width_) - 1);
    }
    double x_ms(double ms) const { return kLeft + ms * 1e6 / static_cast<double>(span_ns_) * plot_width_; }
    double span_ms() const { return static_cast<double>(span_ns_) / 1e6; }
    double plot_width() const { return plot_width_; }

private:
    std::int64_t origin_;
    std::int64_t span_ns_;
    double plot_width_;
};

// One row's ticks. A run of consecutive sequence numbers in the same row is drawn as one rectangle
// from its first to its last packet: the same picture as a tick per packet, with a file that stays
// small at 1 kHz, and an outage reads as one solid bar.
void draw_row(SvgWriter& svg, const Layout& layout, const std::vector<const StreamTrace*>& streams, const RowKind& row,
              double y) {
    for (const StreamTrace* stream : streams) {
        int first = -1;  // column of the current run's first packet; -1 = no run
        int last = 0;
        const auto flush = [&] {
            if (first >= 0) svg.rect(kLeft + first, y + 1, last - first + 1, kRowHeight - 2, row.colour);
            first = -1;
        };
        for (std::uint64_t seq = 0; seq < stream->sends.size(); ++seq) {
            const PacketFate packet = packet_fate(*stream, seq);
            if (!belongs(row, packet)) {
                flush();
                continue;
            }
            last = layout.column(packet.send_ns);
            if (first < 0) first = last;
        }
        flush();
    }
}

}  // namespace

std::string render_timeline(const TrafficRun& run, const TimelineOptions& options) {
    const Layout layout(run, options.width);
    const std::vector<RowKind> rows = row_kinds(run);

    std::vector<Direction> lanes;
    for (std::size_t d = 0; d < kDirectionCount; ++d)
        for (const StreamTrace& stream : run.streams)
            if (stream.key.direction == static_cast<Direction>(d)) {
                lanes.push_back(static_cast<Direction>(d));
                break;
            }

    const double lane_height = kRowHeight * static_cast<double>(rows.size());
    const double lanes_top = kTitleHeight + kLabelRowHeight * kLabelRows + 6;
    const double lanes_bottom =
        lanes_top + static_cast<double>(lanes.size()) * (lane_height + kLaneGap) - (lanes.empty() ? 0 : kLaneGap);
    const double height = lanes_bottom + kAxisHeight + kLegendHeight;
    const double plot_right = kLeft + layout.plot_width();

    SvgWriter svg(options.width, height);
    svg.text(kLeft, 17, options.title, 14);

    // Lanes: a light band, the direction's name, and a row per fate.
    for (std::size_t lane = 0; lane < lanes.size(); ++lane) {
        const double top = lanes_top + static_cast<double>(lane) * (lane_height + kLaneGap);
        std::vector<const StreamTrace*> streams;
        for (const StreamTrace& stream : run.streams)
            if (stream.key.direction == lanes[lane]) streams.push_back(&stream);
        svg.rect(kLeft, top, layout.plot_width(), lane_height, "#f4f4f4");
        svg.text(6, top + 11, to_string(lanes[lane]), 12, "start", "#000");
        for (std::size_t r = 0; r < rows.size(); ++r) {
            const double y = top + static_cast<double>(r) * kRowHeight;
            svg.text(kLeft - 6, y + kRowHeight - 2, rows[r].name, 10, "end", "#444");
            draw_row(svg, layout, streams, rows[r], y);
        }
    }

    // Axis: a line under the lanes, a tick and a label every 1/2/5 x 10^k ms.
    const double axis_y = lanes_bottom + 8;
    svg.line(kLeft, axis_y, plot_right, axis_y, "#000");
    const double step = tick_step_ms(layout.span_ms());
    for (int i = 0; i * step <= layout.span_ms() + 1e-9; ++i) {
        const double x = layout.x_ms(i * step);
        svg.line(x, axis_y, x, axis_y + 4, "#000");
        svg.text(x, axis_y + 15, ms_label(i * step), 10, "middle");
    }
    svg.text(plot_right, axis_y + 27, "time (ms)", 10, "end");

    // Marks: phase boundaries dashed, events solid, labels staggered above the lanes.
    std::vector<const Mark*> marks;
    for (const Mark& mark : run.marks) marks.push_back(&mark);
    std::stable_sort(marks.begin(), marks.end(), [](const Mark* a, const Mark* b) { return a->time_ns < b->time_ns; });
    for (std::size_t i = 0; i < marks.size(); ++i) {
        const Mark& mark = *marks[i];
        const bool phase = mark.kind == MarkKind::Phase;
        const double x = layout.x(mark.time_ns) + 0.5;
        const double label_y = kTitleHeight + kLabelRowHeight * static_cast<double>(i % kLabelRows + 1) - 3;
        svg.line(x, label_y + 3, x, axis_y, phase ? kPhaseColour : kEventColour, 1, phase ? "4 3" : "");
        svg.text(x + 2, label_y, mark.label, 10, "start", phase ? kPhaseColour : kEventColour);
    }

    // Legend.
    double legend_x = kLeft;
    const double legend_y = axis_y + kAxisHeight - 4;
    const auto legend = [&](const std::string& name, const std::string& colour, bool as_line, bool dashed) {
        if (as_line) {
            svg.line(legend_x, legend_y - 8, legend_x, legend_y + 2, colour, 2, dashed ? "4 3" : "");
        } else {
            svg.rect(legend_x, legend_y - 8, 10, 10, colour);
        }
        svg.text(legend_x + 14, legend_y + 1, name, 10);
        legend_x += 24 + 6.0 * static_cast<double>(name.size());
    };
    for (const RowKind& row : rows) legend(row.name, row.colour, false, false);
    legend("phase", kPhaseColour, true, true);
    legend("event", kEventColour, true, false);

    return std::move(svg).finish();
}

}  // namespace nf::lab
