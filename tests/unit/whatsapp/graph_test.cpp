// Splitting long replies, and what Graph API errors mean.
#include "botflow/whatsapp/graph.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "botflow/whatsapp/sender.hpp"

namespace botflow::whatsapp {
namespace {

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(BOTFLOW_SOURCE_DIR) + "/tests/fixtures/whatsapp/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::size_t utf16_units(const std::string& s) {
    std::size_t units = 0;
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
        units += len == 4 ? 2 : 1;
        i += len;
    }
    return units;
}

bool valid_utf8(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80         ? 1
                          : (c >> 5) == 6  ? 2
                          : (c >> 4) == 14 ? 3
                          : (c >> 3) == 30 ? 4
                                           : 0;
        if (len == 0 || i + len > s.size()) return false;
        for (std::size_t k = 1; k < len; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        }
        i += len;
    }
    return true;
}

TEST(SplitText, ShortTextIsOnePieceTrimmed) {
    EXPECT_EQ(split_text("  hello \n"), std::vector<std::string>{"hello"});
    EXPECT_TRUE(split_text("   \n\t ").empty());
    EXPECT_EQ(split_text(std::string(4096, 'a')).size(), 1u);
}

TEST(SplitText, PrefersParagraphsThenSentencesThenWords) {
    std::string a(3000, 'a'), b(3000, 'b');
    auto pieces = split_text(a + "\n\n" + b);
    ASSERT_EQ(pieces.size(), 2u);
    EXPECT_EQ(pieces[0], a);
    EXPECT_EQ(pieces[1], b);

    std::string s1 = std::string(2500, 'x') + ".", s2 = " " + std::string(2500, 'y') + ".";
    pieces = split_text(s1 + s2);
    ASSERT_EQ(pieces.size(), 2u);
    EXPECT_EQ(pieces[0], s1);

    std::string words;
    while (words.size() < 9000) words += "word ";
    pieces = split_text(words);
    ASSERT_EQ(pieces.size(), 3u);
    for (const auto& p : pieces) {
        EXPECT_LE(p.size(), 4096u);
        EXPECT_EQ(p.substr(p.size() - 4), "word");  // never cut inside a word
    }
}

TEST(SplitText, CountsLikeWhatsAppAndNeverCutsACharacter) {
    // Emoji are two UTF-16 units each: 3000 of them need two messages.
    std::string emoji;
    for (int i = 0; i < 3000; ++i) emoji += "\xF0\x9F\x98\x80";
    auto pieces = split_text(emoji);
    ASSERT_EQ(pieces.size(), 2u);
    std::string joined;
    for (const auto& p : pieces) {
        EXPECT_LE(utf16_units(p), 4096u);
        EXPECT_TRUE(valid_utf8(p));
        joined += p;
    }
    EXPECT_EQ(joined, emoji);

    std::string accents;
    for (int i = 0; i < 5000; ++i) accents += "\xC3\xA9";  // é, no spaces at all
    pieces = split_text(accents, 1000);
    ASSERT_EQ(pieces.size(), 5u);
    for (const auto& p : pieces) EXPECT_TRUE(valid_utf8(p));
}

TEST(SplitText, CjkSentencesEndAtTheirFullStop) {
    std::string sentence = "\xE4\xBD\xA0\xE5\xA5\xBD\xE3\x80\x82";  // 你好。
    std::string text;
    for (int i = 0; i < 600; ++i) text += sentence;  // 1800 characters
    auto pieces = split_text(text, 1000);
    ASSERT_EQ(pieces.size(), 2u);
    EXPECT_EQ(pieces[0].substr(pieces[0].size() - 3), "\xE3\x80\x82");
}

TEST(GraphErrors, MetaCodesDecideWhetherToRetry) {
    auto rate = classify_error(400, fixture("send-error-rate-limit.json"));
    EXPECT_EQ(rate.code, 130429);
    EXPECT_TRUE(rate.transient);

    auto token = classify_error(401, fixture("send-error-190-token-expired.json"));
    EXPECT_EQ(token.code, 190);
    EXPECT_FALSE(token.transient);
    EXPECT_NE(token.reason.find("Settings > WhatsApp"), std::string::npos);

    for (long code : {131056L, 131000L, 1L, 2L, 4L, 80007L, 131016L, 131057L, 133004L}) {
        auto body = R"({"error":{"code":)" + std::to_string(code) + R"(,"message":"x"}})";
        EXPECT_TRUE(classify_error(400, body).transient) << code;
    }
    for (long code : {131047L, 131026L, 100L, 131008L, 131009L, 131048L, 131050L, 368L}) {
        auto body = R"({"error":{"code":)" + std::to_string(code) + R"(,"message":"x"}})";
        EXPECT_FALSE(classify_error(500, body).transient) << code;  // the code wins over 5xx
    }
}

TEST(GraphErrors, WithoutACodeTheHttpStatusDecides) {
    EXPECT_TRUE(classify_error(502, "<html>Bad gateway</html>").transient);
    EXPECT_TRUE(classify_error(429, "").transient);
    EXPECT_FALSE(classify_error(404, "not found").transient);
    auto e = classify_error(503, "", std::string("7"));
    ASSERT_TRUE(e.retry_after.has_value());
    EXPECT_EQ(*e.retry_after, std::chrono::seconds(7));
    EXPECT_FALSE(classify_error(503, "", std::string("soon")).retry_after.has_value());
}

TEST(GraphErrors, ReasonsAreWrittenForTheOwner) {
    auto window = classify_error(
        400, R"({"error":{"code":131047,"message":"(#131047) Re-engagement message"}})");
    EXPECT_NE(window.reason.find("24 hours"), std::string::npos);
    EXPECT_NE(describe_error(131026, "").find("could not deliver"), std::string::npos);
    EXPECT_NE(describe_error(100, "text.body too long").find("text.body too long"),
              std::string::npos);
    EXPECT_NE(describe_error(999999, "").find("999999"), std::string::npos);
    EXPECT_EQ(window_closed_reason(std::chrono::hours(26))
                  .rfind("The customer last wrote 26 hours "
                         "ago; WhatsApp only allows "
                         "template messages now",
                         0),
              0u);
    EXPECT_NE(window_closed_reason(std::chrono::hours(24 * 9)).find("9 days ago"),
              std::string::npos);
}

TEST(MediaLimits, FollowWhatsAppsTable) {
    EXPECT_EQ(media_limit("image"), 5u * 1024 * 1024);
    EXPECT_EQ(media_limit("audio"), 16u * 1024 * 1024);
    EXPECT_EQ(media_limit("video"), 16u * 1024 * 1024);
    EXPECT_EQ(media_limit("sticker"), 500u * 1024);
    EXPECT_EQ(media_limit("document"), 100u * 1024 * 1024);
}

}  // namespace
}  // namespace botflow::whatsapp
