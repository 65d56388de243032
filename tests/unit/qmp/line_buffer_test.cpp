#include "qmp/line_buffer.h"

#include <gtest/gtest.h>

namespace nf::qmp {
namespace {

TEST(LineBuffer, SplitsAcrossFeedsAndStripsCr) {
    LineBuffer buffer(64);
    EXPECT_TRUE(buffer.feed("{\"a\"").lines.empty());
    const auto fed = buffer.feed(":1}\r\n{\"b\":2}\nrest");
    EXPECT_EQ(fed.lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
    EXPECT_EQ(buffer.feed("\n").lines, (std::vector<std::string>{"rest"}));
}

TEST(LineBuffer, OversizedLineReportedOnceThenSkippedToNewline) {
    LineBuffer buffer(8);
    const auto first = buffer.feed("0123456789");
    EXPECT_EQ(first.oversized, 1u);
    EXPECT_TRUE(first.lines.empty());
    const auto second = buffer.feed("still the same line\nok\n");
    EXPECT_EQ(second.oversized, 0u);
    EXPECT_EQ(second.lines, (std::vector<std::string>{"ok"}));
    EXPECT_EQ(buffer.feed("12345678\n").lines, (std::vector<std::string>{"12345678"})) << "exactly the limit is fine";
    EXPECT_EQ(buffer.feed("123456789\n").oversized, 1u);
    EXPECT_EQ(buffer.oversized_total(), 2u);
}

}  // namespace
}  // namespace nf::qmp
