#include "botflow/auth/jwt.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "botflow/auth/passwords.hpp"
#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"

namespace botflow::auth {
namespace {

const Secret kKey("0123456789abcdef0123456789abcdef");
constexpr std::int64_t kNow = 1'800'000'000;

Claims sample() { return Claims{"user-1", "sid-1", "owner", kNow - 10, kNow + 3600}; }

std::string why_refused(const std::string& token, std::int64_t now = kNow) {
    try {
        verify_jwt(token, kKey, now);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::unauthorized);
        return e.cause();
    }
    return "accepted";
}

std::string part(const std::string& token, int i) {
    std::size_t start = 0;
    for (int k = 0; k < i; ++k) start = token.find('.', start) + 1;
    auto end = token.find('.', start);
    return token.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST(Jwt, SignsAndVerifies) {
    auto token = sign_jwt(sample(), kKey);
    auto c = verify_jwt(token, kKey, kNow);
    EXPECT_EQ(c.sub, "user-1");
    EXPECT_EQ(c.sid, "sid-1");
    EXPECT_EQ(c.role, "owner");
    EXPECT_EQ(c.exp, kNow + 3600);
    std::string header;
    ASSERT_TRUE(base64url_decode(part(token, 0), header));
    EXPECT_EQ(nlohmann::json::parse(header)["alg"], "HS256");
}

TEST(Jwt, RefusesAlgNone) {
    auto token = sign_jwt(sample(), kKey);
    auto none = base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + part(token, 1) + ".";
    EXPECT_EQ(why_refused(none), "alg is not HS256");  // an empty signature is never reached
    auto none_with_sig =
        base64url_encode(R"({"alg":"none"})") + "." + part(token, 1) + "." + part(token, 2);
    EXPECT_EQ(why_refused(none_with_sig), "alg is not HS256");
}

TEST(Jwt, RefusesOtherAlgorithms) {
    auto token = sign_jwt(sample(), kKey);
    for (const char* alg : {"HS512", "RS256", "hs256", "ES256"}) {
        auto forged = base64url_encode(std::string(R"({"alg":")") + alg + R"("})") + "." +
                      part(token, 1) + "." + part(token, 2);
        EXPECT_EQ(why_refused(forged), "alg is not HS256") << alg;
    }
    auto no_alg =
        base64url_encode(R"({"typ":"JWT"})") + "." + part(token, 1) + "." + part(token, 2);
    EXPECT_EQ(why_refused(no_alg), "alg is not HS256");
}

TEST(Jwt, RefusesABadSignature) {
    auto token = sign_jwt(sample(), kKey);
    auto other = sign_jwt(sample(), Secret("another-key-another-key-another-key"));
    EXPECT_EQ(why_refused(part(token, 0) + "." + part(token, 1) + "." + part(other, 2)),
              "bad signature");
    EXPECT_EQ(why_refused(part(token, 0) + "." + part(token, 1) + "." + base64url_encode("x")),
              "bad signature");
}

TEST(Jwt, RefusesAChangedPayload) {
    auto token = sign_jwt(sample(), kKey);
    auto promoted = sample();
    promoted.role = "owner";
    promoted.sub = "someone-else";
    auto other_payload = part(sign_jwt(promoted, kKey), 1);
    EXPECT_EQ(why_refused(part(token, 0) + "." + other_payload + "." + part(token, 2)),
              "bad signature");
}

TEST(Jwt, RefusesExpiredTokens) {
    auto token = sign_jwt(sample(), kKey);
    EXPECT_EQ(why_refused(token, kNow + 3600), "expired");
    EXPECT_EQ(why_refused(token, kNow + 3599), "accepted");
}

TEST(Jwt, RefusesMalformedTokens) {
    auto token = sign_jwt(sample(), kKey);
    EXPECT_EQ(why_refused(""), "not three parts");
    EXPECT_EQ(why_refused("a.b"), "not three parts");
    EXPECT_EQ(why_refused(token + ".x"), "not three parts");
    EXPECT_EQ(why_refused("!!!." + part(token, 1) + "." + part(token, 2)), "bad base64url");
    EXPECT_EQ(why_refused(part(token, 0) + "=." + part(token, 1) + "." + part(token, 2)),
              "bad base64url");
}

TEST(Jwt, RefusesAnUnknownRoleEvenWhenSigned) {
    auto c = sample();
    c.role = "admin";
    EXPECT_EQ(why_refused(sign_jwt(c, kKey)), "unknown role");
}

}  // namespace
}  // namespace botflow::auth
