#include "botflow/events/catalog.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace botflow::events {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(EventCatalog, EveryTypeHasItsOwnNameThatParsesBack) {
    std::set<std::string> names;
    for (auto type : kTypes) {
        std::string n(name(type));
        EXPECT_TRUE(names.insert(n).second) << n << " twice";
        EXPECT_EQ(parse_type(n), type) << n;
        EXPECT_FALSE(fields(type).empty()) << n;
        EXPECT_FALSE(when(type).empty()) << n;
    }
    EXPECT_EQ(parse_type("message.deleted"), std::nullopt);
    EXPECT_EQ(parse_type(""), std::nullopt);
}

TEST(EventCatalog, OnlyTypingAndStreamingSkipTheOutbox) {
    for (auto type : kTypes) {
        bool live_only =
            type == Type::ai_typing || type == Type::ai_delta || type == Type::agent_typing;
        EXPECT_EQ(durable(type), !live_only) << name(type);
    }
}

TEST(EventCatalog, PayloadsCarryTheirConversation) {
    auto e = message_updated("c1", "m1", "failed", std::string("expired"));
    EXPECT_EQ(e.type, Type::message_updated);
    EXPECT_EQ(e.conversation_id, "c1");
    EXPECT_EQ(e.data["error_reason"], "expired");
    EXPECT_TRUE(message_updated("", "m1", "sent", std::nullopt).data["error_reason"].is_null());
    EXPECT_EQ(conversation_updated({{"id", "c2"}, {"unread_count", 0}}).conversation_id, "c2");
    EXPECT_TRUE(ai_delta("c3", "Hel", false).conversation_only);
    EXPECT_FALSE(ai_typing("c3", true).conversation_only);
    EXPECT_EQ(agent_typing("c4", "u1", 7).from_connection, 7u);
    EXPECT_EQ(job_failed(5, "whatsapp_send", std::nullopt, "boom").data["conversation_id"],
              nullptr);
}

TEST(EventWire, RoundTripsBetweenReplicas) {
    auto e = message_created("c1", {{"id", "m1"}, {"content", "Hi"}});
    e.id = 42;
    e.ts = 1763820000000;
    auto back = from_wire(to_wire(e, "replica-a"));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->second, "replica-a");
    EXPECT_EQ(back->first.type, Type::message_created);
    EXPECT_EQ(back->first.id, 42);
    EXPECT_EQ(back->first.ts, 1763820000000);
    EXPECT_EQ(back->first.conversation_id, "c1");
    EXPECT_EQ(back->first.data["message"]["content"], "Hi");
    EXPECT_EQ(back->first.from_connection, 0u);
}

TEST(EventWire, ATypingColleagueStaysLiveOnlyAndAStreamStaysScoped) {
    auto typing = from_wire(to_wire(agent_typing("c1", "u1", 3), "a"));
    ASSERT_TRUE(typing);
    EXPECT_NE(typing->first.from_connection, 0u);  // no socket there has it: all, no replay
    auto delta = from_wire(to_wire(ai_delta("c1", "Hel", false), "a"));
    ASSERT_TRUE(delta);
    EXPECT_TRUE(delta->first.conversation_only);
}

TEST(EventWire, AnythingElseOnTheChannelIsIgnored) {
    for (const char* text :
         {"", "not json", "[]", "{}", R"({"type": 3})", R"({"type": "message.deleted"})",
          R"({"type": "message.created", "conversation_only": "yes", "live_only": 1})"}) {
        auto parsed = from_wire(text);
        if (std::string(text).find("conversation_only") != std::string::npos) {
            ASSERT_TRUE(parsed) << text;  // odd flags are ignored, the event is not
            EXPECT_FALSE(parsed->first.conversation_only);
            EXPECT_EQ(parsed->first.from_connection, 0u);
        } else {
            EXPECT_FALSE(parsed) << text;
        }
    }
}

// docs/events.md is the catalog in words: a row per type, with the type's fields, and no type
// the catalog does not have.
TEST(EventCatalog, TheDocumentListsExactlyTheCatalog) {
    auto doc = read_file(std::string(BOTFLOW_SOURCE_DIR) + "/docs/events.md");
    ASSERT_FALSE(doc.empty());
    std::set<std::string> documented;
    std::regex row(R"(\n\| `([a-z_]+\.[a-z_]+)` \| ([^|]*)\|)");
    for (auto it = std::sregex_iterator(doc.begin(), doc.end(), row); it != std::sregex_iterator();
         ++it) {
        auto type = (*it)[1].str();
        documented.insert(type);
        auto parsed = parse_type(type);
        ASSERT_TRUE(parsed) << type << " is documented but not in the catalog";
        EXPECT_NE((*it)[2].str().find("`" + std::string(fields(*parsed)) + "`"), std::string::npos)
            << type << " should be documented with " << fields(*parsed);
    }
    for (auto type : kTypes) {
        EXPECT_TRUE(documented.count(std::string(name(type)))) << name(type) << " undocumented";
    }
}

}  // namespace
}  // namespace botflow::events
