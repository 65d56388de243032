#include "common/mac_address.h"

#include <gtest/gtest.h>

namespace nf {

TEST(MacAddress, ParsesAndFormatsRoundTrip) {
    auto mac = MacAddress::parse("52:54:00:AB:cd:0f");
    ASSERT_TRUE(mac.has_value());
    EXPECT_EQ(mac->to_string(), "52:54:00:ab:cd:0f");
    EXPECT_FALSE(mac->is_zero());
    EXPECT_FALSE(mac->is_multicast());
}

TEST(MacAddress, RejectsMalformedText) {
    EXPECT_FALSE(MacAddress::parse("52:54:00:ab:cd").has_value());
    EXPECT_FALSE(MacAddress::parse("52-54-00-ab-cd-0f").has_value());
    EXPECT_FALSE(MacAddress::parse("52:54:00:ab:cd:0g").has_value());
    EXPECT_FALSE(MacAddress::parse("").has_value());
}

TEST(MacAddress, ZeroAndMulticast) {
    EXPECT_TRUE(MacAddress().is_zero());
    EXPECT_TRUE(MacAddress::parse("01:00:5e:00:00:01")->is_multicast());
}

}  // namespace nf
