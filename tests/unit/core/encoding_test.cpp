#include "botflow/core/encoding.hpp"

#include <gtest/gtest.h>

namespace botflow {
namespace {

TEST(PercentDecode, RejectsTruncatedEscapes) {
    EXPECT_EQ(percent_decode("%4"), std::nullopt);
    EXPECT_EQ(percent_decode("abc%"), std::nullopt);
    EXPECT_EQ(percent_decode("%g1"), std::nullopt);
    EXPECT_EQ(percent_decode("a%20b"), "a b");
}

TEST(PercentEncode, KeepsOnlyUnreservedBytesAndRoundTrips) {
    EXPECT_EQ(percent_encode("Az09-._~"), "Az09-._~");
    EXPECT_EQ(percent_encode("p@ss:w/rd %\xc3\xa9"), "p%40ss%3Aw%2Frd%20%25%C3%A9");
    EXPECT_EQ(percent_decode(percent_encode("a:b@c/d?e#f")), "a:b@c/d?e#f");
}

TEST(Base64Url, RoundTripsBinary) {
    std::string bytes("\x00\xff\xfe\x10 binary", 11);
    std::string out;
    ASSERT_TRUE(base64url_decode(base64url_encode(bytes), out));
    EXPECT_EQ(out, bytes);
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(Uuid, OnlyTheCanonicalFormIsAUuid) {
    EXPECT_TRUE(is_uuid("0a1b2c3d-4e5f-6789-abcd-ef0123456789"));
    EXPECT_TRUE(is_uuid("0A1B2C3D-4E5F-6789-ABCD-EF0123456789"));
    EXPECT_FALSE(is_uuid("0a1b2c3d4e5f6789abcdef0123456789"));
    EXPECT_FALSE(is_uuid("0a1b2c3d-4e5f-6789-abcd-ef012345678g"));
    EXPECT_FALSE(is_uuid("' OR 1=1 --"));
    EXPECT_FALSE(is_uuid(""));
}

TEST(ConstantTimeEqual, ComparesWholeSecrets) {
    EXPECT_TRUE(constant_time_equal("secret", "secret"));
    EXPECT_FALSE(constant_time_equal("secret", "secreT"));
    EXPECT_FALSE(constant_time_equal("secret", "secret2"));
    EXPECT_FALSE(constant_time_equal("", "x"));
    EXPECT_TRUE(constant_time_equal("", ""));
}

}  // namespace
}  // namespace botflow
