// Normalising extracted text and cutting it into passages.
#include "botflow/knowledge/chunker.hpp"

#include <gtest/gtest.h>

namespace botflow::knowledge {
namespace {

TEST(Normalize, MakesValidUtf8AndTidyWhitespace) {
    EXPECT_EQ(normalize_text("a\r\nb\rc"), "a\nb\nc");
    EXPECT_EQ(normalize_text("  lots   of\t\tspace  "), "lots of space");
    EXPECT_EQ(normalize_text("one\n\n\n\n\ntwo"), "one\n\ntwo");
    EXPECT_EQ(normalize_text("bad \xff\xfe byte"), "bad \xEF\xBF\xBD\xEF\xBF\xBD byte");
    EXPECT_EQ(normalize_text("overlong \xC0\xAF"), "overlong \xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(normalize_text("nul\x01\x02 gone"), "nul gone");
    EXPECT_EQ(normalize_text("caf\xC3\xA9 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
    EXPECT_EQ(normalize_text("truncated \xE2\x82"), "truncated \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Chunks, FollowHeadingsAndKeepThem) {
    auto chunks = chunk_text(
        "Intro line.\n\n# Returns\n\nThirty days.\n\n## Refunds\n\nTo your card.\n\nShipping\n"
        "========\n\nTwo days.");
    ASSERT_EQ(chunks.size(), 4u);
    EXPECT_EQ(chunks[0].heading, "");
    EXPECT_EQ(chunks[0].content, "Intro line.");
    EXPECT_EQ(chunks[1].heading, "Returns");
    EXPECT_EQ(chunks[2].heading, "Refunds");
    EXPECT_EQ(chunks[2].content, "To your card.");
    EXPECT_EQ(chunks[3].heading, "Shipping");
    EXPECT_EQ(chunks[3].content, "Two days.");
}

TEST(Chunks, AreAboutEightHundredToTwelveHundredCharactersWithOverlap) {
    std::string text = "# Manual\n\n";
    for (int p = 0; p < 12; ++p) {
        for (int s = 0; s < 5; ++s) {
            text += "Paragraph " + std::to_string(p) + " sentence " + std::to_string(s) +
                    " explains one more detail of the machine. ";
        }
        text += "\n\n";
    }
    auto chunks = chunk_text(text);
    ASSERT_GE(chunks.size(), 3u);
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        EXPECT_LE(chunks[i].content.size(), 1200u) << i;
        if (i + 1 < chunks.size()) EXPECT_GE(chunks[i].content.size(), 700u) << i;
        EXPECT_EQ(chunks[i].heading, "Manual");
    }
    // The next chunk starts with the end of the previous one.
    auto end = chunks[0].content.substr(chunks[0].content.size() - 40);
    EXPECT_NE(chunks[1].content.find(end), std::string::npos);
}

TEST(Chunks, SplitAHugeParagraphAtSentences) {
    std::string text;
    for (int s = 0; s < 100; ++s) text += "Sentence number " + std::to_string(s) + " is here. ";
    auto chunks = chunk_text(normalize_text(text));
    ASSERT_GE(chunks.size(), 2u);
    for (const auto& c : chunks) {
        EXPECT_LE(c.content.size(), 1200u);
        EXPECT_EQ(c.content.back(), '.');
    }
    EXPECT_TRUE(chunk_text("").empty());
    EXPECT_TRUE(chunk_text("# Only a heading").empty());
}

}  // namespace
}  // namespace botflow::knowledge
