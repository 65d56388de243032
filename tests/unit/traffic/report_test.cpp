#include "lab/traffic/report.h"

#include <gtest/gtest.h>

#include <sstream>

#include "synthetic.h"

namespace nf::lab {
namespace {

using test::kMs;
using test::kStart;

Analysis sample_analysis() {
    auto c2v = test::delivered_stream(Direction::ClientToVm, 1000);
    auto v2c = test::delivered_stream(Direction::VmToClient, 1000, 250'000);
    test::lose(c2v, 500, 800);
    for (std::size_t seq = 0; seq < 1000; ++seq) c2v.receives[seq].path = seq < 500 ? 1 : 2;
    return analyze({{c2v, v2c}, {"", "vf", "pv"}, {{kStart, "steady", MarkKind::Phase}, {kStart + 500 * kMs, "unplug", MarkKind::Phase}}});
}

std::vector<std::string> report_lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

TEST(Report, TableHasARowPerPhaseAndDirectionPlusTotals) {
    const auto rows = report_lines(format_table(sample_analysis()));
    ASSERT_EQ(rows.size(), 1u + 2 * 2 + 2);
    EXPECT_EQ(rows[0].rfind("phase", 0), 0u);
    EXPECT_EQ(rows[1].rfind("steady", 0), 0u);
    EXPECT_EQ(rows[5].rfind("total", 0), 0u);
    EXPECT_NE(rows[3].find("300.0"), std::string::npos);  // the unplug phase's 300 ms gap
    EXPECT_NE(rows[3].find("pv:200"), std::string::npos);
}

TEST(Report, NumberColumnsAreRightAlignedUnderTheirHeader) {
    const auto rows = report_lines(format_table(sample_analysis()));
    const std::size_t end = rows[0].find("delivered") + std::string("delivered").size();
    for (std::size_t r = 1; r < rows.size(); ++r) {
        ASSERT_GT(rows[r].size(), end) << rows[r];
        EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(rows[r][end - 1]))) << rows[r];
        EXPECT_EQ(rows[r][end], ' ') << rows[r];
    }
}

TEST(Report, JsonCarriesTheSameNumbers) {
    const nlohmann::json json = to_json(sample_analysis());
    ASSERT_EQ(json["phases"].size(), 2u);
    const auto& unplug_c2v = json["phases"][1]["directions"][0];
    EXPECT_EQ(unplug_c2v["direction"], "client-to-vm");
    EXPECT_EQ(unplug_c2v["lost"], 300);
    EXPECT_EQ(unplug_c2v["longest_gap"]["duration_ns"], 300 * kMs);
    EXPECT_EQ(unplug_c2v["longest_gap"]["start_ns"], 500 * kMs);  // relative to the origin
    EXPECT_EQ(unplug_c2v["delivered_by_path"]["pv"], 200);
    EXPECT_EQ(json["phases"][0]["directions"][1]["latency_ns"]["p50"], 250'000);
    EXPECT_EQ(json["total"]["directions"][0]["sent"], 1000);
    EXPECT_TRUE(json["phases"][1]["end_ns"].is_null());
}

}  // namespace
}  // namespace nf::lab
