#include "lab/timeline/timeline.h"

#include <gtest/gtest.h>

#include <vector>

#include "lab/timeline/svg_writer.h"
#include "synthetic.h"

namespace nf::lab {
namespace {

using test::kMs;
using test::kStart;

TrafficRun sample_run() {
    auto c2v = test::delivered_stream(Direction::ClientToVm, 1000);
    auto v2c = test::delivered_stream(Direction::VmToClient, 1000);
    test::lose(c2v, 400, 700);
    test::refuse(v2c, 400, 450, 101);
    c2v.receives[900].copies = 2;
    for (std::size_t seq = 0; seq < 1000; ++seq) c2v.receives[seq].path = seq < 400 ? 1 : 2;
    return {{c2v, v2c},
            {"", "vf", "pv"},
            {{kStart, "steady", MarkKind::Phase},
             {kStart + 400 * kMs, "UNPLUG_PRIMARY <dev=\"net1\"> & 'co'", MarkKind::Event}}};
}

// Well-formedness, enough for what the writer produces: every tag closes in order, no stray '<' or
// '&' in text, attribute values quoted.
::testing::AssertionResult well_formed(const std::string& xml) {
    std::vector<std::string> open;
    for (std::size_t i = 0; i < xml.size();) {
        if (xml[i] == '&') {
            const std::size_t semi = xml.find(';', i);
            const std::string entity = xml.substr(i, semi == std::string::npos ? 8 : semi - i + 1);
            if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;" && entity != "&apos;")
                return ::testing::AssertionFailure() << "bad entity at " << i << ": " << entity;
            i = semi + 1;
            continue;
        }
        if (xml[i] != '<') {
            if (xml[i] == '>') return ::testing::AssertionFailure() << "stray '>' at " << i;
            ++i;
            continue;
        }
        if (xml.compare(i, 4, "<!--") == 0) {
            const std::size_t end = xml.find("-->", i + 4);
            if (end == std::string::npos || xml.substr(i + 4, end - i - 4).find("--") != std::string::npos)
                return ::testing::AssertionFailure() << "bad comment at " << i;
            i = end + 3;
            continue;
        }
        // Inside a tag: find its end, skipping quoted attribute values (which may hold '>' escaped only).
        std::size_t j = i + 1;
        bool quoted = false;
        for (; j < xml.size() && (quoted || xml[j] != '>'); ++j) {
            if (xml[j] == '"') quoted = !quoted;
            if (quoted && (xml[j] == '<')) return ::testing::AssertionFailure() << "'<' in attribute at " << j;
        }
        if (j == xml.size()) return ::testing::AssertionFailure() << "unterminated tag at " << i;
        const std::string tag = xml.substr(i + 1, j - i - 1);
        i = j + 1;
        if (tag.front() == '?') continue;
        if (tag.front() == '/') {
            if (open.empty() || open.back() != tag.substr(1))
                return ::testing::AssertionFailure() << "mismatched </" << tag.substr(1) << ">";
            open.pop_back();
        } else if (tag.back() != '/') {
            open.push_back(tag.substr(0, tag.find(' ')));
        }
    }
    if (!open.empty()) return ::testing::AssertionFailure() << "unclosed <" << open.back() << ">";
    return ::testing::AssertionSuccess();
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

TEST(Timeline, SameRunGivesTheSameBytes) {
    EXPECT_EQ(render_timeline(sample_run()), render_timeline(sample_run()));
}

TEST(Timeline, IsWellFormedSvg) {
    const std::string svg = render_timeline(sample_run());
    EXPECT_TRUE(well_formed(svg));
    EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
    EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
    EXPECT_TRUE(well_formed(render_timeline({})));
}

TEST(Timeline, EscapesMarkLabels) {
    const std::string svg = render_timeline(sample_run());
    EXPECT_NE(svg.find("UNPLUG_PRIMARY &lt;dev=&quot;net1&quot;&gt; &amp; &apos;co&apos;"), std::string::npos);
    EXPECT_EQ(svg.find("<dev="), std::string::npos);
}

TEST(Timeline, HasLanesRowsMarksLegendAndAxis) {
    const std::string svg = render_timeline(sample_run());
    EXPECT_NE(svg.find(">client-to-vm</text>"), std::string::npos);
    EXPECT_NE(svg.find(">vm-to-client</text>"), std::string::npos);
    for (const char* row : {">via vf</text>", ">via pv</text>", ">lost</text>", ">duplicated</text>", ">not sent</text>"})
        EXPECT_EQ(count(svg, row), 3u) << row;  // a row name in each lane and once in the legend
    EXPECT_EQ(count(svg, "stroke-dasharray=\"4 3\""), 2u);  // the phase mark and its legend entry
    EXPECT_NE(svg.find(">time (ms)</text>"), std::string::npos);
    EXPECT_NE(svg.find(">900</text>"), std::string::npos);  // an axis tick label: the run spans 999 ms
}

TEST(Timeline, ALossRunIsOneMergedRectangle) {
    const std::string svg = render_timeline(sample_run());
    EXPECT_EQ(count(svg, "fill=\"#c62828\""), 2u);  // one run of lost ticks + the legend swatch
}

TEST(SvgWriter, NumbersHaveFixedPrecision) {
    EXPECT_EQ(svg_number(12), "12");
    EXPECT_EQ(svg_number(12.5), "12.5");
    EXPECT_EQ(svg_number(1.0 / 3), "0.33");
    EXPECT_EQ(svg_number(-0.001), "0");
    EXPECT_EQ(xml_escape("a<b>&\"'\x01"), "a&lt;b&gt;&amp;&quot;&apos;?");
}

TEST(SvgWriter, CommentsCannotBeBrokenOutOf) {
    SvgWriter svg(10, 10);
    svg.comment("x --> <y/>");
    const std::string out = std::move(svg).finish();
    EXPECT_TRUE(well_formed(out));
    EXPECT_EQ(out.find("<y/>"), std::string::npos);
}

}  // namespace
}  // namespace nf::lab
