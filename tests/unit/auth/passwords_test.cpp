#include "botflow/auth/passwords.hpp"

#include <gtest/gtest.h>

#include "botflow/core/error.hpp"

namespace botflow::auth {
namespace {

class Passwords : public ::testing::Test {
protected:
    static void SetUpTestSuite() { init_crypto(); }
};

TEST_F(Passwords, HashesWithArgon2idAndVerifies) {
    auto hash = hash_password("correct horse battery");
    EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u);
    EXPECT_TRUE(verify_password("correct horse battery", hash));
    EXPECT_FALSE(verify_password("correct horse batterx", hash));
    EXPECT_NE(hash, hash_password("correct horse battery"));  // salted
}

TEST_F(Passwords, MalformedHashesNeverVerify) {
    EXPECT_FALSE(verify_password("anything", ""));
    EXPECT_FALSE(verify_password("anything", "$argon2id$garbage"));
}

TEST_F(Passwords, LengthRules) {
    EXPECT_NO_THROW(check_password_rules(std::string(10, 'a')));
    EXPECT_NO_THROW(check_password_rules(std::string(1024, 'a')));
    for (auto bad : {std::string(9, 'a'), std::string(1025, 'a'), std::string()}) {
        try {
            check_password_rules(bad);
            ADD_FAILURE() << bad.size();
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::unprocessable);
            ASSERT_EQ(e.fields().size(), 1u);
            EXPECT_EQ(e.fields()[0].field, "password");
        }
    }
}

TEST_F(Passwords, RandomTokensAreUrlSafeAndDistinct) {
    auto a = random_token(32), b = random_token(32);
    EXPECT_EQ(a.size(), 43u);
    EXPECT_NE(a, b);
    EXPECT_EQ(
        a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos);
}

}  // namespace
}  // namespace botflow::auth
