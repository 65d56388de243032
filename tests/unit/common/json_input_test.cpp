// parse_json_input: total over any bytes, bounded nesting, errors that name where they happened.
#include <gtest/gtest.h>

#include "common/json_input.h"

namespace nf {
namespace {

TEST(JsonInput, NumberOverflowIsAnErrorNamingTheField) {
    const auto r = parse_json_input(R"({"announce":{"count":1e999}})");
    ASSERT_FALSE(r.value);
    EXPECT_EQ(r.error, "number overflow parsing '1e999'");
    EXPECT_EQ(r.path, "announce.count");
}

TEST(JsonInput, PathNamesArrayElements) {
    const auto r = parse_json_input(R"({"vms":[{"name":"a"},{"name":-1e400}]})");
    ASSERT_FALSE(r.value);
    EXPECT_EQ(r.path, "vms[1].name");
}

TEST(JsonInput, NestingPastTheLimitIsRefused) {
    const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
    EXPECT_TRUE(parse_json_input(ok).value);
    const std::string deep = std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
    const auto r = parse_json_input(deep);
    ASSERT_FALSE(r.value);
    EXPECT_EQ(r.error, "JSON nested deeper than 32 levels");
    // A bomb that never closes is refused at the limit, not read to its end.
    EXPECT_FALSE(parse_json_input(std::string(1'000'000, '{') ).value);
    EXPECT_FALSE(parse_json_input(std::string(1'000'000, '[')).value);
}

TEST(JsonInput, BadBytesAreErrors) {
    for (const std::string& text : {std::string("{\"a\":\"\xff\"}"), std::string("{\"a\":1}\0x", 9), std::string(""),
                                   std::string("\0", 1), std::string("{\"a\":\"\xed\xa0\x80\"}"), std::string("nul"),
                                   std::string("{\"a\":\"\\ud800\"}"), std::string("1 2")}) {
        const auto r = parse_json_input(text);
        EXPECT_FALSE(r.value) << text;
        EXPECT_FALSE(r.error.empty()) << text;
        EXPECT_EQ(r.error.find("[json.exception"), std::string::npos) << r.error;
    }
}

TEST(JsonInput, HugeIntegersStayExactOrBecomeDoubles) {
    EXPECT_TRUE(parse_json_input("18446744073709551615").value->is_number_unsigned());
    EXPECT_TRUE(parse_json_input("18446744073709551616").value->is_number_float());
    EXPECT_TRUE(parse_json_input("-9223372036854775809").value->is_number_float());
}

TEST(JsonInput, DumpReplacesInvalidUtf8) {
    const nlohmann::json j = {{"name", std::string("eth\xff")}};
    EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);
    EXPECT_EQ(dump_json(j), "{\"name\":\"eth\xEF\xBF\xBD\"}");
}

}  // namespace
}  // namespace nf
