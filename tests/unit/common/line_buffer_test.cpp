#include "common/line_buffer.h"

#include <gtest/gtest.h>

#include <vector>

namespace nf {
namespace {

std::vector<std::string> drain(LineBuffer& buffer) {
    std::vector<std::string> lines;
    while (auto line = buffer.next()) lines.push_back(line->oversized ? "<oversized>" : line->text);
    return lines;
}

TEST(LineBuffer, SplitsLinesAcrossChunksAndStripsCr) {
    LineBuffer buffer(64);
    buffer.append("{\"a\"");
    EXPECT_TRUE(drain(buffer).empty());
    buffer.append(":1}\r\n{\"b\":2}\nrest");
    EXPECT_EQ(drain(buffer), (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
    buffer.append("\n");
    EXPECT_EQ(drain(buffer), (std::vector<std::string>{"rest"}));
}

TEST(LineBuffer, OversizedLineIsReportedOnceThenSkippedToItsNewline) {
    LineBuffer buffer(8);
    buffer.append("0123456789");   // over the limit before its newline arrives
    EXPECT_EQ(drain(buffer), (std::vector<std::string>{"<oversized>"}));
    buffer.append("still the same line");
    EXPECT_TRUE(drain(buffer).empty());
    buffer.append(" and its end\nok\n");
    EXPECT_EQ(drain(buffer), (std::vector<std::string>{"ok"}));
    buffer.append("12345678\n");
    EXPECT_EQ(drain(buffer), (std::vector<std::string>{"12345678"})) << "exactly the limit is fine";
    buffer.append("123456789\nnext\n");   // too long, but complete in one chunk
    EXPECT_EQ(drain(buffer), (std::vector<std::string>{"<oversized>", "next"}));
    EXPECT_EQ(buffer.oversized_total(), 2u);
}

TEST(LineBuffer, LinesMayBeTakenLater) {
    // A reader that stops early (its share is used up) finds the rest on its next call, in order.
    LineBuffer buffer(16);
    buffer.append("a\nb\nc\npartial");
    EXPECT_EQ(buffer.next()->text, "a");
    buffer.append("\nd\n");
    EXPECT_EQ(drain(buffer), (std::vector<std::string>{"b", "c", "partial", "d"}));
}

TEST(LineBuffer, ManySmallChunksOfOneLongLine) {
    // Byte by byte up to the limit: every byte is looked at once, and the line still comes out whole.
    LineBuffer buffer(100000);
    const std::string text(90000, 'x');
    for (char c : text) {
        buffer.append(std::string_view(&c, 1));
        ASSERT_FALSE(buffer.next());
    }
    buffer.append("\n");
    const auto line = buffer.next();
    ASSERT_TRUE(line);
    EXPECT_EQ(line->text, text);
}

}  // namespace
}  // namespace nf
