#include <gtest/gtest.h>

#include "common/error.h"
#include "failoverd_control/control_protocol.h"

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
    EXPECT_TRUE(std::holds_alternative<ResyncRequest>(parse_request(R"({"cmd":"resync"})")));
    const auto set = parse_request(R"({"cmd":"set","key":"active","value":"standby"})");
    ASSERT_TRUE(std::holds_alternative<SetActiveRequest>(set));
    EXPECT_EQ(std::get<SetActiveRequest>(set).value, ActiveChoice::standby);
}

TEST(ControlProtocol, RejectsWithAReason) {
    EXPECT_EQ(request_error("status").rfind("request is not valid JSON: ", 0), 0u);
    // Issue 9: overflow, deep nesting, bad UTF-8 and NUL bytes are reasons too, never an escaping exception.
    EXPECT_EQ(request_error(R"({"cmd":"status","n":1e999})"), "request is not valid JSON: number overflow parsing '1e999'");
    EXPECT_EQ(request_error(std::string(100, '[')), "request is not valid JSON: JSON nested deeper than 32 levels");
    EXPECT_EQ(request_error("{\"cmd\":\"\xff\"}").rfind("request is not valid JSON: ", 0), 0u);
    EXPECT_EQ(request_error(std::string("{\"cmd\":\"status\"}\0", 17)).rfind("request is not valid JSON: ", 0), 0u);
    EXPECT_EQ(to_line(error_reply("bad \xff")), "{\"error\":\"bad \xEF\xBF\xBD\",\"ok\":false}\n");
    EXPECT_EQ(request_error("[]"), "request must be a JSON object");
    EXPECT_EQ(request_error(R"({"verb":"status"})"), "request has no \"cmd\" string");
    EXPECT_EQ(request_error(R"({"cmd":"reboot"})"), "unknown cmd 'reboot' (known: status, events, set, resync)");
    EXPECT_EQ(request_error(R"({"cmd":"set","key":"mtu","value":"9000"})"), "set: unknown key 'mtu' (known: active)");
    EXPECT_EQ(request_error(R"({"cmd":"set","key":"active","value":"both"})"),
              "set active: 'both' is not one of primary, standby, auto");
    EXPECT_EQ(request_error(R"({"cmd":"set","key":"active"})"), "set active: missing \"value\" string");
}

TEST(ControlProtocol, RepliesAreOneLine) {
    EXPECT_EQ(to_line(ok_reply({{"active", "auto"}})), "{\"active\":\"auto\",\"ok\":true}\n");
    EXPECT_EQ(to_line(error_reply("no")), "{\"error\":\"no\",\"ok\":false}\n");
}

}  // namespace
}  // namespace nf::daemon
