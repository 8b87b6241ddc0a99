// GET /api/analytics/*: the reports over known messages written straight into PostgreSQL,
// against the real server.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

namespace botflow::test {
namespace {

using nlohmann::json;

constexpr const char* kOwnerEmail = "owner@shop.example";
constexpr const char* kOwnerPassword = "correct horse battery";

class AnalyticsTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto env = server_env(db_);
        env["ADMIN_EMAIL"] = kOwnerEmail;
        env["ADMIN_PASSWORD"] = kOwnerPassword;
        env["JOB_WORKERS"] = "0";  // nothing answers the messages written below
        ASSERT_TRUE(server_.start(env)) << server_.log();
        owner_ = login(server_.port(), kOwnerEmail, kOwnerPassword);
        seed();
    }

    // Three customers (the business's time zone is UTC: no hours are set):
    //  A, three days ago at 10:00: a question the AI answered after 2 s, citing a document;
    //  B, three days ago at 15:00: a question the AI could not answer (the fallback message) and
    //     an agent answered after 60 s;
    //  C, today: a question the AI handed off (a knowledge gap) after 5 s; and a request for a
    //     person, which is no knowledge gap.
    void seed() {
        auto doc = call_api(server_.port(), owner_, "POST", "/api/documents/text",
                            {{"title", "Delivery"}, {"content", "We deliver Monday to Friday."}});
        ASSERT_EQ(doc.status, 201) << doc.body;
        document_ = json::parse(doc.body)["id"].get<std::string>();
        db_.exec(R"SQL(
INSERT INTO conversations (id, wa_id, phone, customer_name) VALUES
  ('00000000-0000-0000-0000-00000000000a', '111', '+111', 'Ana'),
  ('00000000-0000-0000-0000-00000000000b', '222', '+222', 'Ben'),
  ('00000000-0000-0000-0000-00000000000c', '333', '+333', 'Cleo');
INSERT INTO messages (id, conversation_id, direction, sender, type, content, status, created_at,
                      ai_mode, ai_model, prompt_tokens, completion_tokens, cost_usd) VALUES
  ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-00000000000a', 'inbound',
   'customer', 'text', 'Do you deliver?', 'received',
   date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '3 days' + interval '10 hours',
   NULL, NULL, NULL, NULL, NULL),
  ('00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-00000000000a', 'outbound',
   'ai', 'text', 'Yes, Monday to Friday.', 'read',
   date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '3 days' + interval '10 hours 2 seconds',
   'llm', 'openai/gpt-4o-mini', 100, 20, 0.001),
  ('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-00000000000b', 'inbound',
   'customer', 'text', 'Can I pay by card?', 'received',
   date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '3 days' + interval '15 hours',
   NULL, NULL, NULL, NULL, NULL),
  ('00000000-0000-0000-0000-0000000000b2', '00000000-0000-0000-0000-00000000000b', 'outbound',
   'agent', 'text', 'Yes, =cards welcome', 'delivered',
   date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '3 days' + interval '15 hours 60 seconds',
   NULL, NULL, NULL, NULL, NULL),
  ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-00000000000c', 'inbound',
   'customer', 'text', 'Where is my order #123?', 'received', now() - interval '10 seconds',
   NULL, NULL, NULL, NULL, NULL),
  ('00000000-0000-0000-0000-0000000000c2', '00000000-0000-0000-0000-00000000000c', 'outbound',
   'ai', 'text', 'A person will answer you shortly.', 'sent', now() - interval '5 seconds',
   'handoff', NULL, NULL, NULL, NULL),
  ('00000000-0000-0000-0000-0000000000c3', '00000000-0000-0000-0000-00000000000c', 'inbound',
   'customer', 'text', 'I want a human', 'received', now() - interval '4 seconds',
   NULL, NULL, NULL, NULL, NULL);
INSERT INTO ai_turns (conversation_id, through_seq, state, mode, handoff_reason) VALUES
  ('00000000-0000-0000-0000-00000000000c',
   (SELECT seq FROM messages WHERE id = '00000000-0000-0000-0000-0000000000c1'), 'queued',
   'handoff', 'The AI could not answer from the knowledge.'),
  ('00000000-0000-0000-0000-00000000000c',
   (SELECT seq FROM messages WHERE id = '00000000-0000-0000-0000-0000000000c3'), 'queued',
   'handoff', 'The customer asked for a person.'),
  ('00000000-0000-0000-0000-00000000000b',
   (SELECT seq FROM messages WHERE id = '00000000-0000-0000-0000-0000000000b1'), 'queued',
   'fallback', 'No model and no passage could answer.');
UPDATE ai_turns SET created_at = (SELECT created_at FROM messages
                                  WHERE id = '00000000-0000-0000-0000-0000000000b1')
WHERE mode = 'fallback';
)SQL");
        db_.exec(
            "INSERT INTO message_citations (message_id, rank, document_id, document_title, "
            "content) VALUES ('00000000-0000-0000-0000-0000000000a2', 1, '" +
            document_ + "', 'Delivery', 'We deliver Monday to Friday.')");
    }

    json get(const std::string& target, int want = 200) {
        auto r = call_api(server_.port(), owner_, "GET", target);
        EXPECT_EQ(r.status, want) << target << ": " << r.body;
        return r.body.empty() || r.status != want ? json() : json::parse(r.body, nullptr, false);
    }

    TestDatabase db_;
    ServerProcess server_;
    std::string owner_;
    std::string document_;
};

TEST_F(AnalyticsTest, OverviewSumsTheWeek) {
    auto o = get("/api/analytics/overview?period=7d");
    EXPECT_EQ(o["period"]["name"], "7d");
    EXPECT_EQ(o["period"]["time_zone"], "UTC");
    EXPECT_EQ(o["messages"],
              json({{"inbound", 4}, {"outbound", 3}, {"ai", 2}, {"agent", 1}, {"system", 0}}));
    // Conversation-days: A resolved by the AI, B answered by an agent, C handed off.
    EXPECT_EQ(o["conversations"], json({{"total", 3}, {"ai_resolved", 1}, {"handed_off", 2}}));
    EXPECT_NEAR(o["rates"]["ai_resolution"].get<double>(), 0.3333, 0.0001);
    EXPECT_NEAR(o["rates"]["handoff"].get<double>(), 0.6667, 0.0001);
    // First replies after 2 s, 5 s and 60 s: the median is C's, within a bucket's width.
    auto fr = o["first_response"];
    EXPECT_EQ(fr["samples"], 3);
    EXPECT_GE(fr["median_ms"].get<long>(), 4000);
    EXPECT_LE(fr["median_ms"].get<long>(), 6300);
    EXPECT_GE(fr["p90_ms"].get<long>(), 48000);
    EXPECT_LE(fr["p90_ms"].get<long>(), 75000);
    EXPECT_EQ(o["llm"],
              json({{"prompt_tokens", 100}, {"completion_tokens", 20}, {"cost_usd", 0.001}}));

    // Today alone holds only C.
    auto today = get("/api/analytics/overview?period=today");
    EXPECT_EQ(today["messages"]["inbound"], 2);
    EXPECT_EQ(today["conversations"]["total"], 1);
    EXPECT_EQ(today["period"]["from"], today["period"]["to"]);
}

TEST_F(AnalyticsTest, MessagesPerDayAndTheBusiestHours) {
    auto m = get("/api/analytics/messages?period=7d");
    ASSERT_EQ(m["days"].size(), 7u);
    auto three_days_ago = m["days"][3];
    EXPECT_EQ(three_days_ago["day"],
              db_.scalar("SELECT ((now() AT TIME ZONE 'UTC')::date - 3)::text"));
    EXPECT_EQ(three_days_ago["inbound"], 2);
    EXPECT_EQ(three_days_ago["ai"], 1);
    EXPECT_EQ(three_days_ago["agent"], 1);
    EXPECT_EQ(three_days_ago["prompt_tokens"], 100);
    EXPECT_EQ(m["days"][6]["inbound"], 2);  // today
    EXPECT_EQ(m["days"][5]["inbound"], 0);  // every day is there, zeros too
    ASSERT_EQ(m["hours"].size(), 7u);
    auto dow = std::stoi(
        db_.scalar("SELECT extract(isodow FROM (now() AT TIME ZONE 'UTC')::date - 3)::int"));
    EXPECT_EQ(m["hours"][dow - 1][10], 1);
    EXPECT_EQ(m["hours"][dow - 1][15], 1);
    EXPECT_EQ(m["hours"][dow - 1][11], 0);

    // The closed day is stored once; today and yesterday are not.
    EXPECT_EQ(db_.scalar("SELECT count(*) FROM analytics_days WHERE day = "
                         "(now() AT TIME ZONE 'UTC')::date - 3"),
              "1");
    EXPECT_EQ(db_.scalar("SELECT count(*) FROM analytics_days WHERE day >= "
                         "(now() AT TIME ZONE 'UTC')::date - 1"),
              "0");
}

TEST_F(AnalyticsTest, PerformanceNamesTheCitedDocumentsAndTheKnowledgeGaps) {
    auto p = get("/api/analytics/performance?period=30d");
    ASSERT_EQ(p["days"].size(), 30u);
    EXPECT_EQ(p["top_documents"],
              json::array({{{"document_id", document_}, {"title", "Delivery"}, {"citations", 1}}}));
    // Today's handoff (live) and three days ago's fallback (a stored day); not the request for
    // a person. Equally often: the latest first.
    ASSERT_EQ(p["knowledge_gaps"].size(), 2u) << p["knowledge_gaps"].dump();
    auto gap = p["knowledge_gaps"][0];
    EXPECT_EQ(gap["question"], "where is my order 123");
    EXPECT_EQ(gap["count"], 1);
    EXPECT_EQ(gap["reason"], "handoff");
    EXPECT_EQ(gap["conversation_id"], "00000000-0000-0000-0000-00000000000c");
    EXPECT_EQ(p["knowledge_gaps"][1]["question"], "can i pay by card");
    EXPECT_EQ(p["knowledge_gaps"][1]["reason"], "no_answer");
    EXPECT_EQ(db_.scalar("SELECT question FROM analytics_day_gaps"), "can i pay by card");
    // Asked again (from the stored days this time), the same.
    EXPECT_EQ(get("/api/analytics/performance?period=30d")["knowledge_gaps"], p["knowledge_gaps"]);
    auto day = p["days"][26];  // three days ago
    EXPECT_EQ(day["conversations"], 2);
    EXPECT_EQ(day["ai_resolved"], 1);
    EXPECT_EQ(day["handed_off"], 1);
    EXPECT_TRUE(p["days"][0]["first_response_median_ms"].is_null());
}

TEST_F(AnalyticsTest, ErasingACustomerTakesTheirMessagesOutOfStoredDays) {
    EXPECT_EQ(get("/api/analytics/overview?period=7d")["messages"]["inbound"], 4);
    auto erased = call_api(server_.port(), owner_, "DELETE",
                           "/api/conversations/00000000-0000-0000-0000-00000000000a?erase=true");
    ASSERT_EQ(erased.status, 200) << erased.body;
    auto o = get("/api/analytics/overview?period=7d");
    EXPECT_EQ(o["messages"]["inbound"], 3);
    EXPECT_EQ(o["llm"]["prompt_tokens"], 0);
}

TEST_F(AnalyticsTest, ExportIsACsvOfThePeriodsMessages) {
    auto r = call_api(server_.port(), owner_, "GET", "/api/analytics/export?period=7d");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("content-type"), "text/csv; charset=utf-8");
    EXPECT_NE(r.header("content-disposition").find("attachment; filename=\"botflow-messages-"),
              std::string::npos);
    EXPECT_EQ(r.body.rfind("time,conversation_id,customer,phone,direction,sender,", 0), 0u);
    EXPECT_NE(r.body.find("Ana"), std::string::npos);
    EXPECT_NE(r.body.find("Where is my order #123?"), std::string::npos);
    // A cell a spreadsheet would run as a formula is defused.
    EXPECT_EQ(r.body.find(",=cards"), std::string::npos);
    EXPECT_NE(r.body.find("cards welcome"), std::string::npos);
    auto today = call_api(server_.port(), owner_, "GET", "/api/analytics/export?period=today");
    EXPECT_EQ(today.body.find("Ana"), std::string::npos);
}

TEST_F(AnalyticsTest, BadPeriodsAndStrangersAreRefused) {
    for (const char* bad : {"week", "1d", "", "90d%27%20OR%201=1"}) {
        auto r = call_api(server_.port(), owner_, "GET",
                          std::string("/api/analytics/overview?period=") + bad);
        EXPECT_EQ(r.status, 422) << bad << ": " << r.body;
        EXPECT_EQ(r.header("content-type"), "application/problem+json");
        EXPECT_NE(r.body.find("\"period\""), std::string::npos) << r.body;
    }
    for (const char* path : {"/api/analytics/overview", "/api/analytics/messages",
                             "/api/analytics/performance", "/api/analytics/export"}) {
        EXPECT_EQ(request(server_.port(), "GET", path).status, 401) << path;
    }
}

}  // namespace
}  // namespace botflow::test
