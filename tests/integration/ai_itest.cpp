// AI replies end to end: the real server, PostgreSQL and Redis, the fake LLM and the fake
// Graph API in tests/fakes/. A customer's webhook becomes an answer sent to WhatsApp.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "support/server_fixture.hpp"
#include "support/wait.hpp"
#include "support/whatsapp.hpp"

namespace botflow::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kFact = "On Saturdays the shop opens at 09:30 and closes at 14:00.";

class AiTest : public ServerTest {
protected:
    AiTest() { extra_["JOB_LEASE_SECONDS"] = "3"; }
    // SIGKILL, then a fresh process on the same database.
    void crash_and_restart() {
        server_->signal(SIGKILL);
        server_->wait(5s);
        start();
    }
    void add_knowledge(const std::string& title, const std::string& content) {
        auto r = call("POST", "/api/documents/text", {{"title", title}, {"content", content}});
        ASSERT_EQ(r.status, 201) << r.body;
    }
};

TEST_F(AiTest, AnswerIsGroundedInTheUploadedDocumentAndSent) {
    start();
    add_knowledge("Opening hours", kFact);
    llm_.rules({{{"reply", "We open at 09:30 on Saturdays."}, {"times", -1}}});
    auto id = customer_writes("What time do you open on Saturday?", "wamid.ai1");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; })) << server_->log();
    EXPECT_EQ(sent_texts()[0], "We open at 09:30 on Saturdays.");

    auto requests = chat_requests();
    ASSERT_EQ(requests.size(), 1u);
    const auto& body = requests[0]["body"];
    EXPECT_EQ(body["model"], "fake/primary");
    EXPECT_EQ(body["stream"], true);
    EXPECT_TRUE(body.contains("max_tokens"));
    EXPECT_FALSE(body.contains("models"));  // not OpenRouter: the portable core only
    EXPECT_EQ(requests[0]["headers"]["authorization"], std::string("Bearer ") + kLlmKey);
    auto system = body["messages"][0]["content"].get<std::string>();
    EXPECT_NE(system.find(kFact), std::string::npos) << system;
    EXPECT_NE(system.find("[HANDOFF]"), std::string::npos);
    EXPECT_EQ(body["messages"][1]["content"], "What time do you open on Saturday?");

    // The answer's figures and citations, and the read receipt with the typing indicator.
    ASSERT_TRUE(eventually(
        [&] { return scalar("SELECT status FROM messages WHERE sender = 'ai'") == "sent"; }));
    EXPECT_EQ(scalar("SELECT ai_mode || ' ' || ai_model FROM messages WHERE sender = 'ai'"),
              "llm fake/primary");
    EXPECT_GT(count("SELECT prompt_tokens FROM messages WHERE sender = 'ai'"), 10);
    EXPECT_GT(count("SELECT completion_tokens FROM messages WHERE sender = 'ai'"), 0);
    EXPECT_EQ(scalar("SELECT cost_usd > 0 FROM messages WHERE sender = 'ai'"), "t");
    EXPECT_EQ(scalar("SELECT first_token_ms IS NOT NULL AND processing_ms IS NOT NULL "
                     "FROM messages WHERE sender = 'ai'"),
              "t");
    EXPECT_EQ(scalar("SELECT document_title FROM message_citations ORDER BY rank LIMIT 1"),
              "Opening hours");
    EXPECT_EQ(scalar("SELECT state FROM ai_turns WHERE conversation_id = '" + id + "'"), "queued");
    // The owner sees why the AI said it: the message and its sources through the API.
    auto messages = json::parse(call("GET", "/api/conversations/" + id + "/messages").body);
    json answer;
    for (const auto& m : messages["items"]) {
        if (m["sender"] == "ai") answer = m;
    }
    ASSERT_TRUE(answer.is_object()) << messages.dump();
    EXPECT_EQ(answer["ai"]["mode"], "llm");
    EXPECT_EQ(answer["ai"]["model"], "fake/primary");
    auto sources = call("GET", answer["ai"]["sources_url"].get<std::string>());
    ASSERT_EQ(sources.status, 200) << sources.body;
    auto items = json::parse(sources.body)["items"];
    ASSERT_GE(items.size(), 1u);
    EXPECT_EQ(items[0]["content"], kFact);
    EXPECT_EQ(items[0]["current"], true);
    EXPECT_EQ(call("GET", "/api/messages/00000000-0000-0000-0000-000000000000/sources").status,
              404);
    bool read_receipt = false;
    for (const auto& r : graph_.requests()) {
        if (r["body"].is_object() && r["body"].value("status", "") == "read" &&
            r["body"].value("message_id", "") == "wamid.ai1") {
            read_receipt = r["body"].contains("typing_indicator");
        }
    }
    EXPECT_TRUE(read_receipt);
}

TEST_F(AiTest, MessagesWithinTheDebounceGetOneAnswer) {
    extra_["AI_DEBOUNCE_MS"] = "1500";
    start();
    llm_.rules({{{"reply_from_prompt", true}, {"times", -1}}});
    customer_writes("Hi", "wamid.d1");
    customer_writes("I ordered a blue jacket", "wamid.d2");
    customer_writes("can I change the size?", "wamid.d3");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; })) << server_->log();
    std::this_thread::sleep_for(1500ms);
    EXPECT_EQ(sent_texts().size(), 1u);
    auto requests = chat_requests();
    ASSERT_EQ(requests.size(), 1u);
    auto user = requests[0]["body"]["messages"][1]["content"].get<std::string>();
    EXPECT_EQ(user, "Hi\nI ordered a blue jacket\ncan I change the size?");
}

TEST_F(AiTest, AiSwitchedOffOrTakenOverStaysQuiet) {
    start();
    auto id = customer_writes("first question", "wamid.o1");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; })) << server_->log();

    // Switched off in the dashboard: nothing more from the AI.
    ASSERT_EQ(call("PATCH", "/api/conversations/" + id, {{"ai_enabled", false}}).status, 200);
    customer_writes("second question", "wamid.o2");
    // An agent takes over another conversation by replying.
    auto other = customer_writes("hello", "wamid.o3", "34600999888");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 2; }));
    ASSERT_EQ(
        call("POST", "/api/conversations/" + other + "/messages", {{"text", "Agent here"}}).status,
        202);
    customer_writes("thanks agent", "wamid.o4", "34600999888");
    ASSERT_TRUE(eventually([&] {
        return count(
                   "SELECT count(*) FROM jobs WHERE kind = 'conversation_turn' AND state = "
                   "'done'") == 4;
    }));
    EXPECT_EQ(chat_requests().size(), 2u);
    // The agent's reply is sent by a job of its own, which may finish after the AI's.
    ASSERT_TRUE(eventually([&] { return sent_texts().size() >= 3; }));
    auto texts = sent_texts();
    ASSERT_EQ(texts.size(), 3u);
    EXPECT_EQ(texts[2], "Agent here");
}

TEST_F(AiTest, AReactionAsksNothing) {
    start();
    auto r = deliver(server_->port(), fixture("inbound-reaction.json").dump());
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(eventually([&] {
        return count(
                   "SELECT count(*) FROM jobs WHERE kind = 'conversation_turn' AND state = "
                   "'done'") == 1;
    })) << server_->log();
    EXPECT_TRUE(chat_requests().empty());
    EXPECT_TRUE(sent_texts().empty());
}

TEST_F(AiTest, CustomerAskingForAPersonIsHandedOff) {
    start();
    auto id = customer_writes("I want to talk to a person please", "wamid.h1");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; })) << server_->log();
    EXPECT_NE(sent_texts()[0].find("person from our team"), std::string::npos);
    EXPECT_TRUE(chat_requests().empty());
    EXPECT_EQ(
        scalar("SELECT status || ' ' || ai_enabled FROM conversations WHERE id = '" + id + "'"),
        "handed_off false");
    EXPECT_EQ(scalar("SELECT handoff_reason FROM conversations"),
              "The customer asked for a person.");
    EXPECT_EQ(scalar("SELECT sender || ' ' || ai_mode FROM messages WHERE direction = 'outbound'"),
              "system handoff");
    // The next message is for the person: the AI does not answer.
    customer_writes("hello?", "wamid.h2");
    ASSERT_TRUE(eventually([&] {
        return count(
                   "SELECT count(*) FROM jobs WHERE kind = 'conversation_turn' AND state = "
                   "'done'") == 2;
    }));
    EXPECT_EQ(sent_texts().size(), 1u);
    // Switching the AI back on hands the conversation back to it.
    auto r = call("PUT", "/api/conversations/" + id + "/ai-toggle", {{"enabled", true}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["status"], "active");
    llm_.rules({{{"reply", "Back to help."}}});
    customer_writes("what are your hours?", "wamid.h3");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 2; })) << server_->log();
    EXPECT_EQ(sent_texts()[1], "Back to help.");
}

TEST_F(AiTest, ModelMarkerHandsOffAndIsNeverSent) {
    start();
    llm_.rules({{{"reply", "[HANDOFF]"}, {"times", -1}}});
    auto id = customer_writes("Do you repair vintage watches?", "wamid.m1");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; })) << server_->log();
    EXPECT_EQ(sent_texts()[0].find("HANDOFF"), std::string::npos);
    EXPECT_NE(sent_texts()[0].find("person from our team"), std::string::npos);
    EXPECT_EQ(scalar("SELECT status FROM conversations WHERE id = '" + id + "'"), "handed_off");
}

TEST_F(AiTest, EveryModelFailingSendsTheFallbackOnceAndHandsOff) {
    extra_["LLM_FALLBACK_MODELS"] = "fake/second";
    start();
    llm_.rules({{{"status", 502}, {"times", -1}}});
    auto id = customer_writes("Where is my order?", "wamid.f1");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; })) << server_->log();
    std::this_thread::sleep_for(1s);
    ASSERT_EQ(sent_texts().size(), 1u);
    EXPECT_NE(sent_texts()[0].find("can't answer that right now"), std::string::npos);
    EXPECT_EQ(scalar("SELECT status FROM conversations WHERE id = '" + id + "'"), "handed_off");
    EXPECT_EQ(scalar("SELECT ai_mode FROM messages WHERE direction = 'outbound'"), "fallback");
    // Both models were tried, each with its retries, the primary first.
    auto requests = chat_requests();
    ASSERT_EQ(requests.size(), 6u);
    EXPECT_EQ(requests[0]["body"]["model"], "fake/primary");
    EXPECT_EQ(requests[5]["body"]["model"], "fake/second");
}

TEST_F(AiTest, FallbackModelsAreTriedInOrder) {
    extra_["LLM_FALLBACK_MODELS"] = "fake/second, fake/third";
    start();
    llm_.rules({{{"model", "fake/primary"}, {"status", 404}, {"times", -1}},
                {{"model", "fake/second"},
                 {"status", 403},
                 {"body", {{"error", {{"code", 403}, {"message", "Flagged"}}}}},
                 {"times", -1}},
                {{"model", "fake/third"}, {"reply", "Third speaking."}, {"times", -1}}});
    customer_writes("Hello there", "wamid.fo1");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; })) << server_->log();
    EXPECT_EQ(sent_texts()[0], "Third speaking.");
    auto requests = chat_requests();
    ASSERT_EQ(requests.size(), 3u);
    EXPECT_EQ(requests[0]["body"]["model"], "fake/primary");
    EXPECT_EQ(requests[1]["body"]["model"], "fake/second");
    EXPECT_EQ(requests[2]["body"]["model"], "fake/third");
    EXPECT_EQ(scalar("SELECT ai_model FROM messages WHERE sender = 'ai'"), "fake/third");
}

TEST_F(AiTest, OpenRouterGetsItsModelsListAttributionAndUser) {
    extra_["LLM_API_STYLE"] = "openrouter";
    extra_["LLM_FALLBACK_MODELS"] = "fake/second";
    start();
    ASSERT_EQ(call("PUT", "/api/settings/business", {{"name", "Blue Shop"}}).status, 200);
    // OpenRouter falls back itself: the primary fails, the second answers, one HTTP call.
    llm_.rules({{{"model", "fake/primary"}, {"status", 502}, {"times", -1}},
                {{"model", "fake/second"}, {"reply", "From the second."}, {"times", -1}}});
    customer_writes("Hello", "wamid.or1");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; })) << server_->log();
    auto requests = chat_requests();
    ASSERT_EQ(requests.size(), 1u);
    const auto& r = requests[0];
    EXPECT_EQ(r["body"]["models"], json::array({"fake/primary", "fake/second"}));
    EXPECT_EQ(r["body"]["user"].get<std::string>().size(), 32u);
    EXPECT_EQ(r["headers"]["http-referer"], "https://shop.example");
    EXPECT_EQ(r["headers"]["x-openrouter-title"], "Blue Shop");
    EXPECT_EQ(scalar("SELECT ai_model FROM messages WHERE sender = 'ai'"), "fake/second");
}

TEST_F(AiTest, RateLimitIsRetriedAfterRetryAfter) {
    start();
    llm_.rules(
        {{{"status", 429}, {"retry_after", 1}}, {{"reply", "Now it works."}, {"times", -1}}});
    auto started = std::chrono::steady_clock::now();
    customer_writes("Hello", "wamid.rl1");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; })) << server_->log();
    EXPECT_GE(std::chrono::steady_clock::now() - started, 1s);
    EXPECT_EQ(sent_texts()[0], "Now it works.");
    EXPECT_EQ(chat_requests().size(), 2u);
}

TEST_F(AiTest, NoFirstTokenInTimeIsRetried) {
    extra_["LLM_FIRST_TOKEN_TIMEOUT_MS"] = "1000";
    start();
    llm_.rules({{{"hang", true}}, {{"reply", "Sorry for the wait."}, {"times", -1}}});
    customer_writes("Hello", "wamid.t1");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; })) << server_->log();
    EXPECT_EQ(sent_texts()[0], "Sorry for the wait.");
    EXPECT_EQ(chat_requests().size(), 2u);
}

TEST_F(AiTest, MidStreamFailureIsRetriedAndOnlyTheFullAnswerSent) {
    start();
    llm_.rules({{{"reply", "one two three four five"}, {"fail_after_tokens", 2}},
                {{"reply", "A complete answer."}, {"times", -1}}});
    customer_writes("Hello", "wamid.ms1");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; })) << server_->log();
    EXPECT_EQ(sent_texts()[0], "A complete answer.");
}

TEST_F(AiTest, DoneEndsTheAnswerEvenIfTheConnectionStaysOpen) {
    start();
    llm_.rules({{{"reply", "Complete at DONE."}, {"linger_ms", 25000}}});
    auto started = std::chrono::steady_clock::now();
    customer_writes("Hello", "wamid.dn1");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; }, 10s)) << server_->log();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    EXPECT_EQ(sent_texts()[0], "Complete at DONE.");
    EXPECT_EQ(chat_requests().size(), 1u);
}

TEST_F(AiTest, KnowledgeAnswersWhenTheModelIsDown) {
    start();
    add_knowledge("Returns policy",
                  "Returns are accepted within 30 days of delivery. Items must be unused and in "
                  "their original packaging. Refunds reach your card within 5 working days.");
    llm_.rules({{{"status", 500}, {"times", -1}}});
    customer_writes("Are returns accepted within 30 days of delivery?", "wamid.x1");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; }, 30s)) << server_->log();
    EXPECT_NE(sent_texts()[0].find("\"Returns policy\""), std::string::npos) << sent_texts()[0];
    EXPECT_NE(sent_texts()[0].find("30 days"), std::string::npos);
    EXPECT_EQ(scalar("SELECT ai_mode FROM messages WHERE direction = 'outbound'"), "extractive");
    EXPECT_EQ(scalar("SELECT status FROM conversations"), "active");
}

TEST_F(AiTest, WithoutAnyLlmTheKnowledgeStillAnswers) {
    extra_["LLM_BASE_URL"] = "";
    extra_["LLM_API_KEY"] = "";
    start();
    add_knowledge("Delivery", "We deliver in Madrid within 24 hours. Delivery costs 4 euros.");
    customer_writes("How much does delivery cost in Madrid?", "wamid.n1");
    customer_writes("Do you sell gift cards?", "wamid.n2", "34600555444");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 2; })) << server_->log();
    EXPECT_TRUE(chat_requests().empty());
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE ai_mode = 'extractive'"), 1);
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE ai_mode = 'fallback'"), 1);
    EXPECT_EQ(scalar("SELECT status FROM conversations WHERE wa_id = '34600555444'"), "handed_off");
}

TEST_F(AiTest, AwayMessageGoesOncePerClosedPeriod) {
    start();
    // Open only two hours from now, every day: closed at this moment.
    auto hour = std::stoi(scalar("SELECT EXTRACT(hour FROM now() AT TIME ZONE 'UTC')::int"));
    char open[6], close[6];
    std::snprintf(open, sizeof open, "%02d:00", (hour + 2) % 24);
    std::snprintf(close, sizeof close, "%02d:30", (hour + 2) % 24);
    json days = json::object();
    for (const char* d : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}) {
        days[d] = json::array({{{"open", open}, {"close", close}}});
    }
    auto r = call("PUT", "/api/settings/business",
                  {{"name", "Night Shop"}, {"hours", {{"time_zone", "UTC"}, {"days", days}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    auto id = customer_writes("Are you there?", "wamid.a1");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 2; })) << server_->log();
    customer_writes("Hello again", "wamid.a2");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 3; })) << server_->log();
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE ai_mode = 'away'"), 1);
    EXPECT_NE(sent_texts()[0].find("closed"), std::string::npos);
    EXPECT_EQ(scalar("SELECT follow_up FROM conversations WHERE id = '" + id + "'"), "t");
}

TEST_F(AiTest, SettingsValidateStoreTheKeyEncryptedAndNeverShowIt) {
    extra_["LLM_API_KEY"] = "";
    start();
    auto got = call("GET", "/api/settings/ai");
    ASSERT_EQ(got.status, 200);
    auto s = json::parse(got.body);
    EXPECT_EQ(s["model"], "fake/primary");
    EXPECT_EQ(s["api_key"]["set"], false);
    EXPECT_EQ(s["debounce_ms"], 0);

    auto bad = call("PUT", "/api/settings/ai",
                    {{"temperature", 7},
                     {"max_tokens", "many"},
                     {"colour", "red"},
                     {"fallback_models", {"a", "b", "c", "d"}}});
    ASSERT_EQ(bad.status, 422);
    auto problem = json::parse(bad.body);
    std::set<std::string> fields;
    for (const auto& e : problem["errors"]) fields.insert(e["field"].get<std::string>());
    EXPECT_EQ(fields,
              (std::set<std::string>{"temperature", "max_tokens", "colour", "fallback_models"}));

    auto put = call("PUT", "/api/settings/ai",
                    {{"api_key", kLlmKey}, {"model", "fake/saved"}, {"temperature", 0.1}});
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(put.body.find(kLlmKey), std::string::npos);
    s = json::parse(call("GET", "/api/settings/ai").body);
    EXPECT_EQ(s["api_key"]["set"], true);
    EXPECT_EQ(s["api_key"]["source"], "settings");
    EXPECT_EQ(s["model"], "fake/saved");
    EXPECT_EQ(count("SELECT count(*) FROM settings WHERE key = 'ai.api_key' AND "
                    "position(convert_to('" +
                    std::string(kLlmKey) + "', 'UTF8') IN encrypted_value) = 0"),
              1);
    EXPECT_EQ(scalar("SELECT details->>'api_key' FROM audit_log WHERE action = 'settings.ai'"),
              "replaced");

    // The saved key is the one the pipeline uses.
    llm_.rules({{{"reply", "Saved key works."}, {"times", -1}}});
    customer_writes("Hello", "wamid.s1");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; })) << server_->log();
    EXPECT_EQ(sent_texts()[0], "Saved key works.");
    EXPECT_EQ(chat_requests()[0]["body"]["model"], "fake/saved");
}

TEST_F(AiTest, ConnectionTestReportsTheAnswerOrTheExactError) {
    start();
    llm_.rules({{{"reply", "Hello from the model."}}});
    auto ok = call("POST", "/api/settings/ai/test", json::object());
    ASSERT_EQ(ok.status, 200) << ok.body;
    auto j = json::parse(ok.body);
    EXPECT_EQ(j["ok"], true);
    EXPECT_EQ(j["answer"], "Hello from the model.");
    EXPECT_GE(j["latency_ms"].get<long>(), 0);

    llm_.rules({{{"status", 401}}});
    j = json::parse(call("POST", "/api/settings/ai/test", json::object()).body);
    EXPECT_EQ(j["ok"], false);
    EXPECT_EQ(j["upstream_status"], 401);
    EXPECT_NE(j["error"].get<std::string>().find("API key"), std::string::npos);

    llm_.rules({{{"status", 402}}});
    j = json::parse(call("POST", "/api/settings/ai/test", json::object()).body);
    EXPECT_EQ(j["upstream_status"], 402);
    EXPECT_NE(j["error"].get<std::string>().find("credits"), std::string::npos);
}

TEST_F(AiTest, PreviewShowsTheModelsAnswerToATemplate) {
    start();
    add_knowledge("Opening hours", kFact);
    llm_.rules({{{"reply", "09:30 on Saturdays."}}});
    auto list = json::parse(call("GET", "/api/prompts").body)["items"];
    auto id = list[0]["id"].get<std::string>();
    auto r = call("POST", "/api/prompts/" + id + "/preview",
                  {{"message", "When do you open on Saturday?"}, {"answer", true}});
    ASSERT_EQ(r.status, 200) << r.body;
    auto j = json::parse(r.body);
    EXPECT_NE(j["prompt"].get<std::string>().find(kFact), std::string::npos);
    EXPECT_EQ(j["answer"]["ok"], true);
    EXPECT_EQ(j["answer"]["answer"], "09:30 on Saturdays.");
    ASSERT_EQ(chat_requests().size(), 1u);
}

TEST_F(AiTest, AskingTheModelInAPreviewIsTheOwners) {
    start();
    auto agent = add_agent(server_->port(), token_, "agent@shop.example");
    ASSERT_FALSE(agent.empty());
    auto id = json::parse(call("GET", "/api/prompts").body)["items"][0]["id"].get<std::string>();
    auto target = "/api/prompts/" + id + "/preview";
    EXPECT_EQ(call_api(server_->port(), agent, "POST", target, {{"message", "Hi"}}).status, 200);
    EXPECT_EQ(
        call_api(server_->port(), agent, "POST", target, {{"message", "Hi"}, {"answer", true}})
            .status,
        403);
    EXPECT_TRUE(chat_requests().empty());
}

TEST_F(AiTest, AStoppingServerGivesItsAnswersBackToTheQueue) {
    extra_["SHUTDOWN_GRACE_SECONDS"] = "1";
    extra_["JOB_LEASE_SECONDS"] = "300";
    start();
    llm_.rules({{{"hang", true}}});
    customer_writes("Hello", "wamid.sd1");
    ASSERT_TRUE(eventually([&] { return chat_requests().size() == 1; })) << server_->log();
    server_->signal(SIGTERM);
    ASSERT_TRUE(server_->wait(15s).has_value()) << server_->log();
    // Not left running until its 300 s lease ends: queued again, the attempt not counted.
    EXPECT_EQ(scalar("SELECT state || ':' || attempts FROM jobs WHERE kind = 'conversation_turn'"),
              "queued:0");
    llm_.rules({{{"reply", "Answered after the deploy."}, {"times", -1}}});
    start();
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; })) << server_->log();
    EXPECT_EQ(sent_texts()[0], "Answered after the deploy.");
}

TEST_F(AiTest, StreamedTextIsPublishedAsEvents) {
    start();
    redisContext* redis = nullptr;
    {
        auto url = redis_url();  // redis://host:port
        auto hostport = url.substr(url.find("://") + 3);
        if (auto at = hostport.rfind('@'); at != std::string::npos) {
            hostport = hostport.substr(at + 1);
        }
        hostport = hostport.substr(0, hostport.find('/'));
        auto colon = hostport.rfind(':');
        redis =
            redisConnect(hostport.substr(0, colon).c_str(), std::stoi(hostport.substr(colon + 1)));
    }
    ASSERT_TRUE(redis && !redis->err);
    auto channel = db_.name() + ":events";
    auto* sub = static_cast<redisReply*>(redisCommand(redis, "SUBSCRIBE %s", channel.c_str()));
    freeReplyObject(sub);
    llm_.rules({{{"reply", "one two three four five six"}, {"token_delay_ms", 200}}});
    customer_writes("Hello", "wamid.ev1");
    std::vector<json> deltas;
    bool typing = false, done = false;
    struct timeval tv {
        5, 0
    };
    redisSetTimeout(redis, tv);
    while (!done) {
        void* raw = nullptr;
        if (redisGetReply(redis, &raw) != REDIS_OK) break;
        auto* reply = static_cast<redisReply*>(raw);
        auto event = json::parse(std::string(reply->element[2]->str, reply->element[2]->len));
        freeReplyObject(reply);
        if (event["type"] == "ai.typing" && event["data"]["typing"] == true) typing = true;
        if (event["type"] == "ai.delta") {
            deltas.push_back(event["data"]);
            done = event["data"]["done"] == true;
        }
    }
    redisFree(redis);
    EXPECT_TRUE(typing);
    ASSERT_TRUE(done) << server_->log();
    ASSERT_GE(deltas.size(), 3u);
    EXPECT_EQ(deltas.back()["text"], "one two three four five six");
    // Each partial text grows from the one before.
    for (std::size_t i = 1; i + 1 < deltas.size(); ++i) {
        auto before = deltas[i - 1]["text"].get<std::string>();
        EXPECT_EQ(deltas[i]["text"].get<std::string>().rfind(before, 0), 0u);
    }
}

// --- crashes: one answer, not zero and not two -------------------------------------------

TEST_F(AiTest, CrashWhileTheModelIsAnsweringStillAnswersOnce) {
    start();
    llm_.rules(
        {{{"first_token_delay_ms", 30000}}, {{"reply", "Answer after restart."}, {"times", -1}}});
    customer_writes("Hello", "wamid.c1");
    ASSERT_TRUE(eventually([&] { return chat_requests().size() == 1; })) << server_->log();
    crash_and_restart();
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; }, 30s)) << server_->log();
    std::this_thread::sleep_for(4s);  // past another lease: nothing more goes out
    EXPECT_EQ(sent_texts(), std::vector<std::string>{"Answer after restart."});
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE sender = 'ai'"), 1);
}

TEST_F(AiTest, CrashAfterTheModelAnsweredQueuesTheSavedAnswerOnce) {
    start();
    // The model takes a second to start: time to take the lock below once the job is past
    // everything before the model (taken earlier, under load, it could stop the job sooner).
    llm_.rules({{{"reply", "The saved answer."}, {"first_token_delay_ms", 1000}, {"times", -1}}});
    auto id = customer_writes("Hello", "wamid.c2");
    ASSERT_TRUE(eventually([&] { return chat_requests().size() == 1; })) << server_->log();
    // Hold the conversation row so that queuing the answer waits: the model answers and the
    // answer is saved, but the transaction that queues it cannot finish.
    pqxx::connection conn(db_.url());
    pqxx::work hold(conn);
    hold.exec("SELECT id FROM conversations WHERE id = '" + id + "' FOR NO KEY UPDATE");
    ASSERT_TRUE(eventually([&] {
        return scalar("SELECT state FROM ai_turns WHERE conversation_id = '" + id + "'") ==
               "generated";
    })) << server_->log();
    ASSERT_TRUE(eventually([&] {
        return count(
                   "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'tuple' "
                   "OR (NOT granted AND locktype = 'transactionid')") > 0;
    }));
    server_->signal(SIGKILL);
    server_->wait(5s);
    hold.abort();
    EXPECT_TRUE(sent_texts().empty());
    start();
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; }, 30s)) << server_->log();
    std::this_thread::sleep_for(4s);
    EXPECT_EQ(sent_texts(), std::vector<std::string>{"The saved answer."});
    EXPECT_EQ(chat_requests().size(), 1u);  // the model was not paid twice
}

TEST_F(AiTest, CrashDuringTheSendDeliversOnce) {
    start();
    llm_.rules({{{"reply", "Sent exactly once."}, {"times", -1}}});
    graph_.rules({{{"match", "messages"}, {"delay_ms", 30000}}});
    customer_writes("Hello", "wamid.c3");
    ASSERT_TRUE(eventually([&] {
        for (const auto& r : graph_.requests()) {
            if (r["body"].is_object() && r["body"].contains("text")) return true;
        }
        return false;
    })) << server_->log();
    crash_and_restart();
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; }, 30s)) << server_->log();
    std::this_thread::sleep_for(4s);
    EXPECT_EQ(sent_texts(), std::vector<std::string>{"Sent exactly once."});
    EXPECT_EQ(chat_requests().size(), 1u);
    EXPECT_EQ(scalar("SELECT status FROM messages WHERE sender = 'ai'"), "sent");
}

}  // namespace
}  // namespace botflow::test
