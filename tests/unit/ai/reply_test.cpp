// The AI reply's pure rules: asking for a person, the handoff marker, the prompt's rules, the
// extractive answer, how long the business has been closed, and the answer modes' stored names.
#include "botflow/ai/reply.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ai/turn.hpp"
#include "botflow/ai/settings.hpp"
#include "botflow/knowledge/chunker.hpp"

namespace botflow::ai {
namespace {

using nlohmann::json;

// --- asks_for_person ---------------------------------------------------------------------

TEST(AsksForPerson, MatchesDefaultPhrasesInSeveralLanguages) {
    const auto& phrases = default_handoff_phrases();
    EXPECT_TRUE(asks_for_person("Can I talk to a person please?", phrases));
    EXPECT_TRUE(asks_for_person("QUIERO HABLAR CON UNA PERSONA", phrases));
    EXPECT_TRUE(asks_for_person("je veux parler à quelqu'un", phrases));
    EXPECT_TRUE(asks_for_person("Ich möchte mit einem Menschen reden", phrases));
    EXPECT_TRUE(asks_for_person("is there a human there?", phrases));
    EXPECT_TRUE(asks_for_person("a human", phrases));
}

TEST(AsksForPerson, IgnoresOrdinaryQuestions) {
    const auto& phrases = default_handoff_phrases();
    EXPECT_FALSE(asks_for_person("what's the price per person", phrases));
    EXPECT_FALSE(asks_for_person("How much is the tasting menu per person?", phrases));
    EXPECT_FALSE(asks_for_person("Do you ship to Spain?", phrases));
    EXPECT_FALSE(asks_for_person("", phrases));
}

TEST(AsksForPerson, MatchesWholeWordsOnly) {
    const auto& phrases = default_handoff_phrases();
    EXPECT_FALSE(asks_for_person("We support a humanitarian cause", phrases));
    EXPECT_FALSE(asks_for_person("I love humanity", phrases));

    std::vector<std::string> custom = {"a human"};
    EXPECT_FALSE(asks_for_person("a humanitarian project", custom));
    EXPECT_FALSE(asks_for_person("papa humane society", custom));
    EXPECT_TRUE(asks_for_person("I want a human!", custom));
    EXPECT_TRUE(asks_for_person("A HUMAN, now", custom));
}

TEST(AsksForPerson, UsesTheGivenPhrases) {
    std::vector<std::string> custom = {"Manager Please", ""};
    EXPECT_TRUE(asks_for_person("manager please!!", custom));
    EXPECT_FALSE(asks_for_person("Can I talk to a person please?", custom));
    EXPECT_FALSE(asks_for_person("anything at all", {}));
    EXPECT_FALSE(asks_for_person("anything at all", {""}));
}

// --- strip_marker, policy_rules ----------------------------------------------------------

TEST(StripMarker, TheMarkerAloneLeavesNothing) {
    bool found = false;
    EXPECT_EQ(strip_marker("[HANDOFF]", found), "");
    EXPECT_TRUE(found);
    found = false;
    EXPECT_EQ(strip_marker("  [HANDOFF]\n", found), "");
    EXPECT_TRUE(found);
}

TEST(StripMarker, KeepsTheTextAroundTheMarkerTrimmed) {
    bool found = false;
    EXPECT_EQ(strip_marker("Sorry, I don't know that.\n[HANDOFF]", found),
              "Sorry, I don't know that.");
    EXPECT_TRUE(found);
    found = false;
    EXPECT_EQ(strip_marker("[HANDOFF] One moment. [HANDOFF]", found), "One moment.");
    EXPECT_TRUE(found);
}

TEST(StripMarker, TextWithoutTheMarkerIsUnchanged) {
    bool found = true;
    EXPECT_EQ(strip_marker("We open at 9:00 on weekdays.", found), "We open at 9:00 on weekdays.");
    EXPECT_FALSE(found);
    EXPECT_EQ(strip_marker("", found), "");
    EXPECT_FALSE(found);
}

TEST(PolicyRules, NameTheMarkerAndTheBusiness) {
    auto strict = policy_rules("Acme Dental", true);
    EXPECT_NE(strict.find(std::string(kHandoffMarker)), std::string::npos);
    EXPECT_NE(strict.find("Acme Dental"), std::string::npos);
    EXPECT_NE(strict.find("What you know"), std::string::npos);

    auto loose = policy_rules("Acme Dental", false);
    EXPECT_NE(loose.find(std::string(kHandoffMarker)), std::string::npos);
    EXPECT_NE(loose.find("Acme Dental"), std::string::npos);
    EXPECT_EQ(loose.find("What you know"), std::string::npos);
    EXPECT_NE(strict, loose);

    EXPECT_NE(policy_rules("", true).find("this business"), std::string::npos);
}

// --- extractive_answer -------------------------------------------------------------------

knowledge::SearchHit hit(std::string content, std::string heading = "Delivery times") {
    knowledge::SearchHit h;
    h.chunk_id = 42;
    h.document_id = "doc-1";
    h.document_title = "Shipping policy";
    h.heading = std::move(heading);
    h.content = std::move(content);
    return h;
}

const std::string kPrefix = "Here is what our \"Shipping policy\" (Delivery times) says:\n\n";

TEST(ExtractiveAnswer, QuotesTheDocumentTitle) {
    auto answer = extractive_answer(hit("  We ship within two business days.\n"));
    EXPECT_EQ(answer, kPrefix + "We ship within two business days.");

    auto same_heading = extractive_answer(hit("Text.", "Shipping policy"));
    EXPECT_EQ(same_heading, "Here is what our \"Shipping policy\" says:\n\nText.");
    auto no_heading = extractive_answer(hit("Text.", ""));
    EXPECT_EQ(no_heading, "Here is what our \"Shipping policy\" says:\n\nText.");
}

TEST(ExtractiveAnswer, CutsALongPassageAtASentenceEnd) {
    std::string content;
    while (content.size() < 2500) {
        content += "Orders placed before noon ship the same day from our warehouse. ";
    }
    auto answer = extractive_answer(hit(content), 700);
    ASSERT_EQ(answer.rfind(kPrefix, 0), 0u);
    auto body = answer.substr(kPrefix.size());
    EXPECT_LE(body.size(), 700u);
    EXPECT_GT(body.size(), 350u);
    EXPECT_EQ(body.back(), '.');
    EXPECT_EQ(content.rfind(body, 0), 0u);  // a prefix of the passage, nothing added
    EXPECT_LE(answer.size(), kPrefix.size() + 700);
}

TEST(ExtractiveAnswer, NeverCutsAUtf8Character) {
    for (std::string ch : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"}) {
        std::string content;
        while (content.size() < 3000) content += ch;
        for (std::size_t max : {699u, 700u, 701u, 702u, 703u}) {
            auto answer = extractive_answer(hit(content), max);
            EXPECT_TRUE(knowledge::valid_utf8(answer)) << ch << " " << max;
            EXPECT_LE(answer.size(), kPrefix.size() + max + 3) << ch << " " << max;
            EXPECT_GT(answer.size(), kPrefix.size() + max / 2) << ch << " " << max;
        }
    }
    std::string mixed;
    while (mixed.size() < 3000) mixed += "Preço ótimo, entrega em 2 dias úteis — até às 18h ";
    for (std::size_t max = 600; max < 620; ++max) {
        EXPECT_TRUE(knowledge::valid_utf8(extractive_answer(hit(mixed), max))) << max;
    }
}

// --- minutes_closed ----------------------------------------------------------------------

json interval(const char* open, const char* close) { return {{"open", open}, {"close", close}}; }

// Monday to Friday 09:00-17:00, Saturday 10:00-14:00, Sunday closed.
json week() {
    json days = json::object();
    for (const char* d : {"mon", "tue", "wed", "thu", "fri"}) {
        days[d] = json::array({interval("09:00", "17:00")});
    }
    days["sat"] = json::array({interval("10:00", "14:00")});
    days["sun"] = json::array();
    return {{"time_zone", "Europe/Madrid"}, {"days", days}};
}

constexpr int kMonday = 1, kTuesday = 2, kWednesday = 3, kSaturday = 6, kSunday = 7;
const std::optional<int> kOpen = std::nullopt;  // open now, or no hours at all

TEST(MinutesClosed, OpenNowIsNothing) {
    EXPECT_EQ(minutes_closed(week(), kMonday, 10 * 60), kOpen);
    EXPECT_EQ(minutes_closed(week(), kMonday, 9 * 60), kOpen);  // opening minute
    EXPECT_EQ(minutes_closed(week(), kSaturday, 13 * 60 + 59), kOpen);
}

TEST(MinutesClosed, NoHoursIsNothing) {
    EXPECT_EQ(minutes_closed(json(), kMonday, 600), kOpen);
    EXPECT_EQ(minutes_closed(json::object(), kMonday, 600), kOpen);
    json empty = {{"time_zone", "Europe/Madrid"}, {"days", json::object()}};
    EXPECT_EQ(minutes_closed(empty, kMonday, 600), kOpen);
    for (const char* d : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}) {
        empty["days"][d] = json::array();
    }
    EXPECT_EQ(minutes_closed(empty, kMonday, 600), kOpen);
}

TEST(MinutesClosed, CountsFromTodaysClosing) {
    EXPECT_EQ(minutes_closed(week(), kMonday, 18 * 60), std::optional<int>(60));
    EXPECT_EQ(minutes_closed(week(), kMonday, 17 * 60), std::optional<int>(0));
}

TEST(MinutesClosed, CountsFromYesterdaysClosingBeforeOpening) {
    EXPECT_EQ(minutes_closed(week(), kTuesday, 8 * 60), std::optional<int>(15 * 60));
}

TEST(MinutesClosed, SkipsDaysClosedAllDay) {
    // Sunday noon: closed since Saturday 14:00.
    EXPECT_EQ(minutes_closed(week(), kSunday, 12 * 60), std::optional<int>(22 * 60));
    // Monday 08:00: still closed since Saturday 14:00.
    EXPECT_EQ(minutes_closed(week(), kMonday, 8 * 60), std::optional<int>(42 * 60));

    json once = {{"time_zone", "UTC"}, {"days", json::object()}};
    once["days"]["wed"] = json::array({interval("09:00", "17:00")});
    EXPECT_EQ(minutes_closed(once, kWednesday, 8 * 60), std::optional<int>(7 * 24 * 60 - 9 * 60));
}

TEST(MinutesClosed, ALunchBreakIsClosed) {
    auto hours = week();
    hours["days"]["mon"] = json::array({interval("09:00", "13:00"), interval("14:00", "18:00")});
    EXPECT_EQ(minutes_closed(hours, kMonday, 13 * 60 + 30), std::optional<int>(30));
    EXPECT_EQ(minutes_closed(hours, kMonday, 14 * 60), kOpen);
    EXPECT_EQ(minutes_closed(hours, kMonday, 18 * 60 + 30), std::optional<int>(30));
}

TEST(MinutesClosed, ClosingAtMidnightCountsFromMidnight) {
    auto hours = week();
    hours["days"]["mon"] = json::array({interval("18:00", "24:00")});
    EXPECT_EQ(minutes_closed(hours, kMonday, 23 * 60 + 59), kOpen);
    EXPECT_EQ(minutes_closed(hours, kTuesday, 30), std::optional<int>(30));
}

TEST(HidePartialMarker, CutsATrailingBeginningOfTheMarkerOnly) {
    EXPECT_EQ(hide_partial_marker("Let me check [HAND"), "Let me check ");
    EXPECT_EQ(hide_partial_marker("Let me check [hand"), "Let me check ");
    EXPECT_EQ(hide_partial_marker("Prices [in euros]"), "Prices [in euros]");
    EXPECT_EQ(hide_partial_marker("["), "");
    EXPECT_EQ(hide_partial_marker("no marker"), "no marker");
}

// --- answer modes ------------------------------------------------------------------------

TEST(AnswerMode, KeepsTheNamesStoredInAiTurnsAndMessages) {
    // migrations/0007_ai_replies.sql: ai_turns.mode and messages.ai_mode hold these.
    const std::vector<std::pair<Mode, std::string>> stored = {{Mode::llm, "llm"},
                                                              {Mode::extractive, "extractive"},
                                                              {Mode::handoff, "handoff"},
                                                              {Mode::fallback, "fallback"},
                                                              {Mode::away, "away"}};
    for (const auto& [mode, name] : stored) {
        EXPECT_EQ(mode_name(mode), name);
        EXPECT_EQ(parse_mode(name), mode) << name;
    }
    EXPECT_EQ(parse_mode("LLM"), std::nullopt);
    EXPECT_EQ(parse_mode(""), std::nullopt);
}

TEST(AnswerMode, OnlyKnowledgeAnswersCiteAndOnlyHandoffsHandOver) {
    EXPECT_TRUE(cites_passages(Mode::llm));
    EXPECT_TRUE(cites_passages(Mode::extractive));
    EXPECT_FALSE(cites_passages(Mode::handoff));
    EXPECT_FALSE(cites_passages(Mode::fallback));
    EXPECT_FALSE(cites_passages(Mode::away));
    EXPECT_TRUE(hands_over(Mode::handoff));
    EXPECT_TRUE(hands_over(Mode::fallback));
    EXPECT_FALSE(hands_over(Mode::llm));
    EXPECT_FALSE(hands_over(Mode::extractive));
    EXPECT_FALSE(hands_over(Mode::away));
}

}  // namespace
}  // namespace botflow::ai
