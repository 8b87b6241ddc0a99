// The customer turn's dispatcher: responders registered by any module (here, by this test)
// take turns in their slots' order, with the real job queue and PostgreSQL; and turn jobs
// queued by an earlier version (`ai_reply`) are still answered after an upgrade.
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "botflow/conversations/dispatcher.hpp"
#include "botflow/jobs/runner.hpp"
#include "botflow/store/db.hpp"
#include "support/fake_graph.hpp"
#include "support/fake_llm.hpp"
#include "support/process.hpp"
#include "support/runner.hpp"
#include "support/server_fixture.hpp"
#include "support/test_env.hpp"
#include "support/wait.hpp"
#include "support/whatsapp.hpp"

namespace botflow::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// The dispatcher and the runner in this process; the responders are this test's own.
class DispatcherTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto migrated = run_botflow({"migrate"}, {{"DATABASE_URL", db_.url()}});
        ASSERT_EQ(migrated.exit_code, 0) << migrated.output;
        conversation_ = db_.scalar(
            "INSERT INTO conversations (wa_id, customer_name) VALUES ('34600111222', 'Ana') "
            "RETURNING id");
    }
    // A responder that records the turns it was asked about and answers `outcome`.
    void respond(const std::string& name, conversations::Slot slot,
                 conversations::Outcome outcome) {
        dispatcher_.add({.name = name,
                         .slot = slot,
                         .respond = [this, name, outcome](const conversations::Turn& turn)
                             -> asio::awaitable<conversations::Outcome> {
                             std::lock_guard lock(mutex_);
                             asked_.push_back(name + ":" + turn.conversation_id);
                             co_return outcome;
                         }});
    }
    void TearDown() override { harness_.stop(); }
    void start() {
        jobs::RunnerOptions options;
        options.lanes = {{conversations::kTurnLane, 4}};
        harness_.start(options, [this](jobs::JobRunner& r) { dispatcher_.register_jobs(r); });
    }
    void enqueue_turn(const std::string& kind, const std::string& key) {
        pqxx::connection c(db_.url());
        pqxx::work tx(c);
        jobs::EnqueueOptions o;
        o.idempotency_key = key;
        o.conversation_id = conversation_;
        jobs::enqueue(tx, kind, {{"conversation_id", conversation_}}, o);
        tx.commit();
    }
    long done_turns() {
        return std::stol(
            db_.scalar("SELECT count(*) FROM jobs WHERE kind IN ('conversation_turn', 'ai_reply') "
                       "AND state = 'done'"));
    }
    std::vector<std::string> asked() {
        std::lock_guard lock(mutex_);
        return asked_;
    }

    TestDatabase db_;
    RunnerHarness harness_{db_.url()};
    conversations::Dispatcher dispatcher_{harness_.pool()};
    std::string conversation_;
    std::mutex mutex_;
    std::vector<std::string> asked_;
};

TEST_F(DispatcherTest, RespondersAreAskedInSlotOrderUntilOneTakesTheTurn) {
    // Registered out of order, as independent modules would: the slots decide.
    respond("ai", conversations::Slot::ai, conversations::Outcome::taken);
    respond("test-flow", conversations::Slot::flow_run, conversations::Outcome::taken);
    respond("away", conversations::Slot::business_hours, conversations::Outcome::passed);
    respond("opt-out", conversations::Slot::opt_out, conversations::Outcome::passed);
    ASSERT_EQ(dispatcher_.responders().size(), 4u);
    EXPECT_EQ(dispatcher_.responders()[0].name, "opt-out");
    EXPECT_EQ(dispatcher_.responders()[3].name, "ai");
    start();
    enqueue_turn(conversations::kTurnKind, "turn:1");
    ASSERT_TRUE(eventually([&] { return done_turns() == 1; }));
    EXPECT_EQ(asked(),
              (std::vector<std::string>{"opt-out:" + conversation_, "test-flow:" + conversation_}));
}

TEST_F(DispatcherTest, ATurnNobodyTakesAsksEveryResponderOnce) {
    respond("away", conversations::Slot::business_hours, conversations::Outcome::passed);
    respond("last", conversations::Slot::ai, conversations::Outcome::passed);
    start();
    enqueue_turn(conversations::kTurnKind, "turn:1");
    ASSERT_TRUE(eventually([&] { return done_turns() == 1; }));
    EXPECT_EQ(asked(),
              (std::vector<std::string>{"away:" + conversation_, "last:" + conversation_}));
}

TEST_F(DispatcherTest, ABurstOfTurnsIsAnsweredOnceByTheNewest) {
    respond("test", conversations::Slot::flow_trigger, conversations::Outcome::taken);
    // Queued before the workers start, as a burst within the debounce would be.
    enqueue_turn(conversations::kTurnKind, "turn:1");
    enqueue_turn(conversations::kLegacyTurnKind, "ai_reply:2");
    enqueue_turn(conversations::kTurnKind, "turn:3");
    start();
    ASSERT_TRUE(eventually([&] { return done_turns() == 3; }));
    EXPECT_EQ(asked(), std::vector<std::string>{"test:" + conversation_});
}

TEST_F(DispatcherTest, ATurnWithoutAConversationFailsForGood) {
    respond("test", conversations::Slot::ai, conversations::Outcome::taken);
    start();
    pqxx::connection c(db_.url());
    pqxx::work tx(c);
    jobs::enqueue(tx, conversations::kTurnKind, json::object());
    tx.commit();
    ASSERT_TRUE(eventually([&] {
        return db_.scalar("SELECT state FROM jobs WHERE kind = 'conversation_turn'") == "dead";
    }));
    EXPECT_TRUE(asked().empty());
}

// The real server: a turn queued as `ai_reply` by the version before the dispatcher (the
// kind, key and payload it wrote) is answered once by this one.
TEST(LegacyTurns, AnAiReplyJobQueuedBeforeTheUpgradeIsAnsweredOnce) {
    TestDatabase db;
    FakeGraph graph{kGraphToken};
    FakeLlm llm{kLlmKey};
    llm.rules({{{"reply", "Answered after the upgrade."}, {"times", -1}}});
    auto env = server_env(db);
    add_whatsapp(env, graph);
    add_llm(env, llm);
    auto quiet = env;
    quiet["JOB_WORKERS"] = "0";  // stores the message, answers nothing
    {
        ServerProcess server;
        ASSERT_TRUE(server.start(quiet)) << server.log();
        customer_writes(server.port(), db, kCustomer, "wamid.legacy1", "Are you open?");
    }
    // The row exactly as the earlier version's ingestion wrote it.
    db.exec(
        "UPDATE jobs SET kind = 'ai_reply', idempotency_key = 'ai_reply:wamid.legacy1' "
        "WHERE kind = 'conversation_turn'");
    ASSERT_EQ(db.scalar("SELECT count(*) FROM jobs WHERE kind = 'ai_reply' AND state = 'queued'"),
              "1");
    ServerProcess server;
    ASSERT_TRUE(server.start(env)) << server.log();
    auto sent = [&] { return sent_texts(graph); };
    ASSERT_TRUE(eventually([&] { return sent().size() == 1; }, 20s)) << server.log();
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(sent(), std::vector<std::string>{"Answered after the upgrade."});
    EXPECT_EQ(db.scalar("SELECT state FROM jobs WHERE kind = 'ai_reply'"), "done");
}

}  // namespace
}  // namespace botflow::test
