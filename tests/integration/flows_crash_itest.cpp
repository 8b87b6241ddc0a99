// A flow's steps across a SIGKILL at each stage of a step: while the step waits for its
// transaction, while an AI step's model is answering (between the step's two halves, after
// an earlier step of the same turn committed), and while the step's message is being sent.
// Each time the restarted server takes the step once: every message goes out once.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <string>
#include <thread>

#include "integration/flows_fixture.hpp"

namespace botflow::test {
namespace {

using namespace std::chrono_literals;

// "help": a message, the AI's answer, another message.
json ai_flow() {
    return {
        {"name", "Help"},
        {"nodes",
         {node("start", "trigger", {{"kind", "keyword"}, {"keywords", {"help"}}}),
          node("hold", "message", {{"message", {{"text", "One moment, please."}}}}),
          node("ai", "ai_response"),
          node("after", "message", {{"message", {{"text", "Did that help?"}}}}),
          node("done", "end")}},
        {"edges",
         {edge("start", "hold"), edge("hold", "ai"), edge("ai", "after"), edge("after", "done")}}};
}

class FlowsCrashTest : public FlowsTest {
protected:
    FlowsCrashTest() { extra_["JOB_LEASE_SECONDS"] = "3"; }
    void kill_and_restart() {
        server_->signal(SIGKILL);
        server_->wait(5s);
        start();
    }
    // Every text the fake Graph API accepted stays as it is for another lease.
    void settled() { std::this_thread::sleep_for(4s); }
    // A WhatsApp customer writes (the simulator sends nothing to Meta).
    std::string says(const std::string& text) {
        return customer_writes(text, "wamid.k" + std::to_string(++wamids_));
    }
    int wamids_ = 0;
};

TEST_F(FlowsCrashTest, AStepWaitingForItsTransactionIsTakenOnceAfterAKill) {
    published(order_flow());
    auto conversation = says("order");
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    // Hold the run's row: the answer's step cannot take it, and waits.
    pqxx::connection conn(db_.url());
    pqxx::work hold(conn);
    hold.exec("SELECT id FROM flow_runs WHERE conversation_id = '" + conversation + "' FOR UPDATE");
    says("A-17");
    ASSERT_TRUE(eventually([&] {
        return count("SELECT count(*) FROM pg_locks WHERE NOT granted") > 0;
    })) << server_->log();
    server_->signal(SIGKILL);
    server_->wait(5s);
    hold.abort();
    start();
    ASSERT_TRUE(texts_are(conversation, 2)) << server_->log();
    settled();
    EXPECT_EQ(flow_texts(conversation),
              (std::vector<std::string>{"Your order number?", "Order A-17: on its way"}));
    EXPECT_EQ(sent_texts(),
              (std::vector<std::string>{"Your order number?", "Order A-17: on its way"}));
    EXPECT_TRUE(run_is(conversation, "completed"));
    EXPECT_EQ(count("SELECT count(*) FROM flow_steps WHERE node_id = 'ask' AND outcome = "
                    "'valid'"),
              1);
}

TEST_F(FlowsCrashTest, AKillWhileTheModelAnswersAnAiStepAnswersOnce) {
    llm_.rules(
        {{{"first_token_delay_ms", 30000}}, {{"reply", "Turn it off and on."}, {"times", -1}}});
    published(ai_flow());
    auto conversation = says("help");
    ASSERT_TRUE(eventually([&] { return chat_requests().size() == 1; })) << server_->log();
    // The first step of the turn committed before the kill.
    EXPECT_EQ(flow_texts(conversation), std::vector<std::string>{"One moment, please."});
    kill_and_restart();
    ASSERT_TRUE(texts_are(conversation, 2)) << server_->log();
    settled();
    EXPECT_EQ(sent_texts(), (std::vector<std::string>{"One moment, please.", "Turn it off and on.",
                                                      "Did that help?"}));
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE sender = 'ai'"), 1);
    EXPECT_TRUE(run_is(conversation, "completed"));
}

TEST_F(FlowsCrashTest, AKillWhileAStepsMessageIsSentDeliversItOnce) {
    graph_.rules({{{"match", "messages"}, {"delay_ms", 30000}}});
    published(order_flow());
    auto conversation = says("order");
    ASSERT_TRUE(eventually([&] {
        for (const auto& r : graph_.requests()) {
            if (r["body"].is_object() && r["body"].contains("text")) return true;
        }
        return false;
    })) << server_->log();
    kill_and_restart();
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; }, 30s)) << server_->log();
    says("B-2");
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 2; }, 30s)) << server_->log();
    settled();
    EXPECT_EQ(sent_texts(),
              (std::vector<std::string>{"Your order number?", "Order B-2: on its way"}));
    EXPECT_EQ(flow_texts(conversation).size(), 2u);
}

}  // namespace
}  // namespace botflow::test
