#include "botflow/auth/rate_limit.hpp"

#include <gtest/gtest.h>

#include "botflow/auth/auth.hpp"
#include "botflow/http/request.hpp"

namespace botflow::auth {
namespace {

TEST(RateLimit, AllowsUpToTheLimit) {
    EXPECT_TRUE(decide_rate(1, 10, 900000).allowed);
    EXPECT_TRUE(decide_rate(10, 10, 1).allowed);
}

TEST(RateLimit, RefusesPastTheLimitUntilTheWindowEnds) {
    auto d = decide_rate(11, 10, 899001);
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.retry_after_s, 900);  // rounded up: never tells a client to come back early
    EXPECT_EQ(decide_rate(11, 10, 1000).retry_after_s, 1);
    EXPECT_EQ(decide_rate(11, 10, 1001).retry_after_s, 2);
    EXPECT_EQ(decide_rate(50, 10, 0).retry_after_s, 1);
    EXPECT_EQ(decide_rate(50, 10, -1).retry_after_s, 1);
}

TEST(ClientAddress, UsesTheSocketUnlessProxiesAreTrusted) {
    http::Request req;
    req.remote_address = "10.0.0.5";
    req.headers.emplace_back("x-forwarded-for", "6.6.6.6, 203.0.113.7");
    EXPECT_EQ(http::client_address(req, 0), "10.0.0.5");
    EXPECT_EQ(http::client_address(req, 1), "203.0.113.7");
    EXPECT_EQ(http::client_address(req, 2), "6.6.6.6");
    EXPECT_EQ(http::client_address(req, 5), "6.6.6.6");
    // A proxy that adds its own header line after a forged one: every line counts, in order.
    http::Request two_lines;
    two_lines.remote_address = "10.0.0.5";
    two_lines.headers.emplace_back("x-forwarded-for", "6.6.6.6");
    two_lines.headers.emplace_back("x-forwarded-for", "203.0.113.7");
    EXPECT_EQ(http::client_address(two_lines, 1), "203.0.113.7");
    http::Request junk;
    junk.remote_address = "10.0.0.5";
    junk.headers.emplace_back("x-forwarded-for", "not-an-ip");
    EXPECT_EQ(http::client_address(junk, 1), "10.0.0.5");
    http::Request bare;
    bare.remote_address = "10.0.0.5";
    EXPECT_EQ(http::client_address(bare, 1), "10.0.0.5");
}

TEST(Cookies, FindsTheNamedCookie) {
    http::Request req;
    req.headers.emplace_back("cookie", "a=1; botflow_session=tok.en.x; b=2");
    EXPECT_EQ(http::cookie_value(req, "botflow_session"), "tok.en.x");
    EXPECT_EQ(http::cookie_value(req, "b"), "2");
    EXPECT_EQ(http::cookie_value(req, "missing"), "");
    EXPECT_EQ(http::cookie_value(req, "botflow"), "");
}

TEST(Origin, IsSchemeHostAndPort) {
    EXPECT_EQ(origin_of("https://bot.example.com/settings?x=1"), "https://bot.example.com");
    EXPECT_EQ(origin_of("HTTP://Bot.example.com:8080"), "http://Bot.example.com:8080");
    EXPECT_EQ(origin_of("not a url"), "");
}

}  // namespace
}  // namespace botflow::auth
