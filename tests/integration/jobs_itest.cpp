// The job queue and its workers against a real PostgreSQL, in this process: handlers here are
// test handlers, the queue, the claims, LISTEN/NOTIFY and the leases are the real ones.
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <thread>

#include "botflow/core/error.hpp"
#include "botflow/jobs/runner.hpp"
#include "botflow/store/db.hpp"
#include "support/process.hpp"
#include "support/runner.hpp"
#include "support/test_env.hpp"

namespace botflow::test {
namespace {

using namespace std::chrono_literals;

class JobsTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto migrated = run_botflow({"migrate"}, {{"DATABASE_URL", db_.url()}});
        ASSERT_EQ(migrated.exit_code, 0) << migrated.output;
    }
    void TearDown() override { harness_.stop(); }
    void start(jobs::RunnerOptions options) {
        runner_ = &harness_.start(options, [this](jobs::JobRunner& runner) {
            for (auto& [kind, handler] : handlers_) runner.add(kind, handler);
        });
    }
    std::int64_t enqueue(const std::string& kind, jobs::EnqueueOptions options = {}) {
        pqxx::connection c(db_.url());
        pqxx::work tx(c);
        auto id = jobs::enqueue(tx, kind, {{"n", 1}}, options);
        tx.commit();
        return id.value_or(0);
    }
    std::string state_of(std::int64_t id) {
        return db_.scalar("SELECT state || ':' || attempts FROM jobs WHERE id = " +
                          std::to_string(id));
    }
    bool wait_for_state(std::int64_t id, const std::string& want,
                        std::chrono::milliseconds timeout = 5s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (state_of(id) == want) return true;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }

    TestDatabase db_;
    RunnerHarness harness_{db_.url()};
    jobs::JobRunner* runner_ = nullptr;
    std::map<std::string, jobs::JobHandler> handlers_;
};

asio::awaitable<void> succeed(std::atomic<int>* calls) {
    ++*calls;
    co_return;
}

asio::awaitable<void> fail_until(std::atomic<int>* calls, int succeed_on, bool permanent) {
    int n = ++*calls;
    if (n < succeed_on) {
        throw Error(permanent ? Errc::unprocessable : Errc::upstream_failed, "not yet");
    }
    co_return;
}

TEST_F(JobsTest, AJobRunsOnceAndIsDone) {
    std::atomic<int> calls{0};
    handlers_["test.ok"] = [&](const jobs::Job&) { return succeed(&calls); };
    start({.workers = 2, .sweep = 200ms});
    auto id = enqueue("test.ok");
    ASSERT_TRUE(wait_for_state(id, "done:1")) << state_of(id);
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(calls.load(), 1);
}

TEST_F(JobsTest, NotifyWakesIdleWorkersWithoutWaitingForTheSweep) {
    std::atomic<int> calls{0};
    handlers_["test.ok"] = [&](const jobs::Job&) { return succeed(&calls); };
    start({.workers = 1, .sweep = 60s});
    std::this_thread::sleep_for(500ms);  // the worker is idle and LISTENing
    auto started = std::chrono::steady_clock::now();
    auto id = enqueue("test.ok");
    ASSERT_TRUE(wait_for_state(id, "done:1", 5s)) << state_of(id);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST_F(JobsTest, TransientFailuresRetryWithBackoffThenSucceed) {
    std::atomic<int> calls{0};
    handlers_["test.flaky"] = [&](const jobs::Job&) { return fail_until(&calls, 3, false); };
    start({.workers = 1, .sweep = 50ms, .base_backoff = 100ms, .max_backoff = 400ms});
    auto id = enqueue("test.flaky");
    ASSERT_TRUE(wait_for_state(id, "done:3")) << state_of(id);
    EXPECT_EQ(calls.load(), 3);
}

TEST_F(JobsTest, PermanentFailuresAndSpentAttemptsAreDead) {
    std::atomic<int> permanent_calls{0}, transient_calls{0};
    handlers_["test.permanent"] = [&](const jobs::Job&) {
        return fail_until(&permanent_calls, 100, true);
    };
    handlers_["test.always"] = [&](const jobs::Job&) {
        return fail_until(&transient_calls, 100, false);
    };
    start({.workers = 2, .sweep = 50ms, .base_backoff = 20ms, .max_backoff = 50ms});
    auto permanent = enqueue("test.permanent");
    auto spent = enqueue("test.always", {.max_attempts = 3});
    auto unknown = enqueue("test.nobody-handles-this");
    EXPECT_TRUE(wait_for_state(permanent, "dead:1")) << state_of(permanent);
    EXPECT_TRUE(wait_for_state(spent, "dead:3")) << state_of(spent);
    // A kind this server has no handler for belongs to a replica of another version (a
    // rolling deploy): it waits for that one, its attempts untouched, instead of dying.
    auto last_error = [&] {
        return db_.scalar("SELECT COALESCE(last_error, '') FROM jobs WHERE id = " +
                          std::to_string(unknown));
    };
    for (int i = 0; i < 100 && last_error().empty(); ++i) std::this_thread::sleep_for(50ms);
    EXPECT_EQ(last_error(), "no handler for job kind test.nobody-handles-this on this server");
    EXPECT_EQ(state_of(unknown), "queued:0");
    EXPECT_EQ(permanent_calls.load(), 1);
    EXPECT_EQ(transient_calls.load(), 3);
}

TEST_F(JobsTest, AJobWhoseWorkerDiedIsTakenAgainAfterItsLease) {
    std::atomic<int> calls{0};
    handlers_["test.ok"] = [&](const jobs::Job&) { return succeed(&calls); };
    // A worker of another (dead) process holds the job with a lease that has run out.
    db_.exec(
        "INSERT INTO jobs (kind, state, attempts, locked_by, locked_until) "
        "VALUES ('test.ok', 'running', 1, 'gone:1:0', now() - interval '1 minute')");
    start({.workers = 1, .sweep = 100ms, .reclaim_every = 1s});
    auto id = std::stoll(db_.scalar("SELECT id FROM jobs"));
    ASSERT_TRUE(wait_for_state(id, "done:2")) << state_of(id);
    EXPECT_EQ(calls.load(), 1);
}

// Holds its job until `go`: a job still running when another replica stops.
asio::awaitable<void> hold_until(std::atomic<int>* started, std::atomic<bool>* go) {
    ++*started;
    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor);
    while (!*go) {
        timer.expires_after(20ms);
        co_await timer.async_wait(asio::use_awaitable);
    }
}

TEST_F(JobsTest, AReplicaGivingBackItsJobsLeavesAnotherReplicasAlone) {
    // Two replicas with the same host name and the same process id (here, one process), as two
    // containers that each run the server as PID 1 under one name.
    std::atomic<int> started{0};
    std::atomic<bool> go{false};
    handlers_["test.hold"] = [&](const jobs::Job&) { return hold_until(&started, &go); };
    start({.workers = 1, .sweep = 100ms});
    auto id = enqueue("test.hold");
    ASSERT_TRUE(wait_for_state(id, "running:1")) << state_of(id);
    RunnerHarness other{db_.url()};
    auto& stopping = other.start({.workers = 0}, [](jobs::JobRunner&) {});
    EXPECT_EQ(stopping.release(), 0);
    EXPECT_EQ(state_of(id), "running:1");
    go = true;
    EXPECT_TRUE(wait_for_state(id, "done:1")) << state_of(id);
    EXPECT_EQ(started.load(), 1);
    other.stop();
}

TEST_F(JobsTest, FinishingTwiceOrWithoutTheLeaseIsHarmless) {
    auto id = enqueue("test.ok");
    pqxx::connection c(db_.url());
    {
        pqxx::work tx(c);
        auto claimed = jobs::claim(tx, "me", 60s);
        ASSERT_EQ(claimed.size(), 1u);
        auto me = claimed[0].worker;
        EXPECT_EQ(me, "me:" + std::to_string(id));
        EXPECT_FALSE(jobs::complete(tx, id, "someone-else"));
        EXPECT_TRUE(jobs::complete(tx, id, me));
        EXPECT_FALSE(jobs::complete(tx, id, me));
        EXPECT_FALSE(jobs::fail(tx, id, me, "late", false, 0ms));
        tx.commit();
    }
    EXPECT_EQ(state_of(id), "done:1");
}

TEST_F(JobsTest, AnIdempotencyKeyEnqueuesOnce) {
    jobs::EnqueueOptions o;
    o.idempotency_key = "reply:wamid.1";
    EXPECT_GT(enqueue("test.ok", o), 0);
    EXPECT_EQ(enqueue("test.ok", o), 0);
    EXPECT_EQ(db_.scalar("SELECT count(*) FROM jobs"), "1");
}

TEST_F(JobsTest, ConcurrentWorkersNeverTakeTheSameJob) {
    std::atomic<int> calls{0};
    handlers_["test.ok"] = [&](const jobs::Job&) { return succeed(&calls); };
    for (int i = 0; i < 40; ++i) enqueue("test.ok");
    start({.workers = 8, .sweep = 50ms});
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (db_.scalar("SELECT count(*) FROM jobs WHERE state = 'done'") != "40" &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(db_.scalar("SELECT count(*) FROM jobs WHERE state = 'done' AND attempts = 1"), "40");
    EXPECT_EQ(calls.load(), 40);
}

}  // namespace
}  // namespace botflow::test

#include <nlohmann/json.hpp>

#include "support/http_client.hpp"

namespace botflow::test {
namespace {

TEST(JobsApi, TheOwnerSeesDeadJobsAndRunsThemAgain) {
    TestDatabase db;
    ServerProcess server;
    auto env = server_env(db);
    env["ADMIN_EMAIL"] = "owner@shop.example";
    env["ADMIN_PASSWORD"] = "owner password";
    ASSERT_TRUE(server.start(env)) << server.log();
    auto port = server.port();
    auto auth = std::pair<std::string, std::string>(
        "Authorization", "Bearer " + login(port, "owner@shop.example", "owner password"));

    db.exec(
        "INSERT INTO jobs (kind, state, attempts, last_error, finished_at) "
        "VALUES ('jobs.prune', 'dead', 8, 'database was down', now())");
    auto id = db.scalar("SELECT id FROM jobs WHERE state = 'dead'");
    auto list = request(port, "GET", "/api/jobs?state=dead", {auth});
    ASSERT_EQ(list.status, 200) << list.body;
    auto items = nlohmann::json::parse(list.body)["items"];
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0]["last_error"], "database was down");

    auto retried = request(port, "POST", "/api/jobs/" + id + "/retry", {auth});
    ASSERT_EQ(retried.status, 200) << retried.body;
    // The server's own workers run it (jobs.prune is a real job kind).
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (db.scalar("SELECT state FROM jobs WHERE id = " + id) != "done" &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(db.scalar("SELECT state FROM jobs WHERE id = " + id), "done");
    EXPECT_EQ(request(port, "POST", "/api/jobs/" + id + "/retry", {auth}).status, 409);
    EXPECT_EQ(request(port, "POST", "/api/jobs/999999/retry", {auth}).status, 404);
    EXPECT_EQ(request(port, "POST", "/api/jobs/abc/retry", {auth}).status, 404);
    EXPECT_EQ(request(port, "GET", "/api/jobs?state=lost", {auth}).status, 422);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM audit_log WHERE action = 'job.retry'"), "1");
}

TEST(JobsApi, TheHourlyPruneDeletesOldJobsAndWhatTheModulesRegistered) {
    TestDatabase db;
    ServerProcess server;
    ASSERT_TRUE(server.start(server_env(db))) << server.log();
    db.exec(
        "INSERT INTO jobs (kind, state, attempts, finished_at) VALUES "
        "('x.old', 'done', 1, now() - interval '8 days'), "
        "('x.new', 'done', 1, now() - interval '1 day'), "
        "('x.dead', 'dead', 8, now() - interval '8 days')");
    // A status that never found its message (whatsapp's clean-up), old and new.
    db.exec(
        "INSERT INTO pending_statuses (whatsapp_message_id, status, at, received_at) VALUES "
        "('wamid.old', 'read', now(), now() - interval '8 days'), "
        "('wamid.new', 'read', now(), now() - interval '1 hour')");
    // The server scheduled its own at start, perhaps before the rows above: this one comes after.
    auto id = db.scalar("INSERT INTO jobs (kind) VALUES ('jobs.prune') RETURNING id");
    auto state = [&] { return db.scalar("SELECT state FROM jobs WHERE id = " + id); };
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (state() != "done" && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    ASSERT_EQ(state(), "done") << server.log();
    EXPECT_EQ(db.scalar("SELECT string_agg(kind, ',' ORDER BY kind) FROM jobs "
                        "WHERE kind LIKE 'x.%'"),
              "x.dead,x.new");
    EXPECT_EQ(db.scalar("SELECT string_agg(whatsapp_message_id, ',') FROM pending_statuses"),
              "wamid.new");
}

}  // namespace
}  // namespace botflow::test
