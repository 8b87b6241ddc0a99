// What an api_call step keeps of its call: secrets masked in every form (and masking ends,
// whatever the secret), answers it cannot keep refused, and the addresses it may reach.
#include <gtest/gtest.h>

#include <string>

#include "flows/addresses.hpp"
#include "flows/steps.hpp"

namespace botflow::flows {
namespace {

TEST(FlowApiCall, MasksEverySecretAndEndsWhateverTheSecret) {
    EXPECT_EQ(mask_secrets("https://x.test/o?key=ab%2Bc&k2=ab+c", {"ab+c", "ab%2Bc"}),
              "https://x.test/o?key=[secret]&k2=[secret]");
    // A secret found inside the mask itself must not be replaced forever.
    EXPECT_EQ(mask_secrets("e and e", {"e"}), "[secret] and [secret]");
    auto masked = mask_secrets("secret: secret", {"secret", "e", "]"});
    EXPECT_EQ(masked.find("secret:"), std::string::npos);
    EXPECT_LT(masked.size(), 200u);
    EXPECT_EQ(mask_secrets("nothing here", {""}), "nothing here");
}

TEST(FlowApiCall, RefusesAnswersARunCannotKeep) {
    EXPECT_FALSE(unusable_answer(R"({"order": {"status": "shipped", "items": [[1, 2]]}})"));
    EXPECT_FALSE(unusable_answer("plain text, not JSON"));
    std::string deep(kMaxAnswerDepth + 1, '[');
    deep += std::string(kMaxAnswerDepth + 1, ']');
    EXPECT_NE(unusable_answer(deep).value_or("").find("nested too deeply"), std::string::npos);
    std::string fine(kMaxAnswerDepth, '[');
    fine += std::string(kMaxAnswerDepth, ']');
    EXPECT_FALSE(unusable_answer(fine));
    // Brackets inside strings do not count.
    EXPECT_FALSE(unusable_answer("{\"a\": \"" + deep + "\"}"));
    EXPECT_TRUE(unusable_answer(R"({"status": "a\u0000b"})"));
    EXPECT_TRUE(unusable_answer(std::string("bad \xff\xfe bytes")));
    EXPECT_TRUE(unusable_answer(std::string("nul \0 byte", 10)));
}

TEST(FlowApiCall, RefusesInternalAddressesInEveryDisguise) {
    for (const char* ip :
         {"127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.0.9", "::1", "fd00::1", "fe80::1",
          "::ffff:10.0.0.1", "::10.0.0.1", "64:ff9b::a00:1", "64:ff9b::169.254.169.254",
          "64:ff9b:1::1", "2002:a00:1::1", "2002:c0a8:1::1", "not an address"}) {
        EXPECT_TRUE(is_internal_address(ip)) << ip;
    }
    for (const char* ip : {"8.8.8.8", "2606:4700::1111", "64:ff9b::8.8.8.8", "2002:808:808::1"}) {
        EXPECT_FALSE(is_internal_address(ip)) << ip;
    }
    EXPECT_TRUE(address_allowed("127.0.0.1", {"127.0.0.1"}));
    EXPECT_FALSE(address_allowed("127.0.0.2", {"127.0.0.1"}));
}

}  // namespace
}  // namespace botflow::flows
