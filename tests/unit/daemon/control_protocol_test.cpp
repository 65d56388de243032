#include <gtest/gtest.h>

#include "common/error.h"
#include "daemon/control_protocol.h"

namespace nf::daemon {
namespace {

std::string request_error(std::string_view line) {
    try {
        parse_request(line);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(ControlProtocol, ParsesTheThreeRequests) {
    EXPECT_TRUE(std::holds_alternative<StatusRequest>(parse_request(R"({"cmd":"status"})")));
    EXPECT_TRUE(std::holds_alternative<EventsRequest>(parse_request(R"({"cmd":"events"})")));
    const auto set = parse_request(R"({"cmd":"set","key":"active","value":"standby"})");
    ASSERT_TRUE(std::holds_alternative<SetActiveRequest>(set));
    EXPECT_EQ(std::get<SetActiveRequest>(set).value, ActiveChoice::standby);
}

TEST(ControlProtocol, RejectsWithAReason) {
    EXPECT_EQ(request_error("status"), "request is not valid JSON");
    EXPECT_EQ(request_error("[]"), "request must be a JSON object");
    EXPECT_EQ(request_error(R"({"verb":"status"})"), "request has no \"cmd\" string");
    EXPECT_EQ(request_error(R"({"cmd":"reboot"})"), "unknown cmd 'reboot' (known: status, events, set)");
    EXPECT_EQ(request_error(R"({"cmd":"set","key":"mtu","value":"9000"})"), "set: unknown key 'mtu' (known: active)");
    EXPECT_EQ(request_error(R"({"cmd":"set","key":"active","value":"both"})"),
              "set active: 'both' is not one of primary, standby, auto");
    EXPECT_EQ(request_error(R"({"cmd":"set","key":"active"})"), "set active: missing \"value\" string");
}

TEST(ControlProtocol, RepliesAreOneLine) {
    EXPECT_EQ(to_line(ok_reply({{"active", "auto"}})), "{\"active\":\"auto\",\"ok\":true}\n");
    EXPECT_EQ(to_line(error_reply("no")), "{\"error\":\"no\",\"ok\":false}\n");
}

TEST(LineBuffer, SplitsLinesAcrossChunks) {
    LineBuffer b(100);
    b.append("{\"a\":1}\n{\"b\"");
    EXPECT_EQ(b.next()->text, "{\"a\":1}");
    EXPECT_FALSE(b.next());
    b.append(":2}\r\n");
    EXPECT_EQ(b.next()->text, "{\"b\":2}");
    EXPECT_FALSE(b.next());
}

TEST(LineBuffer, OversizedLineIsReportedOnceAndSkipped) {
    LineBuffer b(8);
    b.append("0123456789");   // over the limit before its newline arrives
    const auto first = b.next();
    ASSERT_TRUE(first);
    EXPECT_TRUE(first->oversized);
    b.append("more of the same line\nok\n");
    const auto second = b.next();
    ASSERT_TRUE(second);
    EXPECT_FALSE(second->oversized);
    EXPECT_EQ(second->text, "ok");
    b.append("123456789\n");   // too long, but complete in one chunk
    EXPECT_TRUE(b.next()->oversized);
    EXPECT_FALSE(b.next());
}

}  // namespace
}  // namespace nf::daemon
