// store::Db against a real PostgreSQL: what a conflict between transactions becomes.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <latch>
#include <pqxx/pqxx>
#include <thread>

#include "botflow/core/asio.hpp"
#include "botflow/core/error.hpp"
#include "botflow/store/db.hpp"
#include "support/test_env.hpp"

namespace botflow::test {
namespace {

using Work = std::function<void(pqxx::dbtransaction&)>;

asio::awaitable<void> run_work(store::Db& pool, Work work) { co_await pool.run(std::move(work)); }

class DbTest : public ::testing::Test {
protected:
    void SetUp() override {
        pqxx::connection c(db_.url());
        pqxx::work tx(c);
        tx.exec("CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)");
        tx.exec("INSERT INTO counters VALUES (1, 0), (2, 0)");
        tx.commit();
    }
    void TearDown() override { pool_.shutdown(); }

    // Runs each work function in its own Db::run at once; returns what each threw.
    std::vector<std::exception_ptr> run_all(const std::vector<Work>& works) {
        asio::io_context io;
        std::vector<std::exception_ptr> errors(works.size());
        for (std::size_t i = 0; i < works.size(); ++i) {
            asio::co_spawn(io, run_work(pool_, works[i]),
                           [&errors, i](std::exception_ptr e) { errors[i] = e; });
        }
        io.run();
        return errors;
    }

    TestDatabase db_;
    store::Db pool_{Secret(db_.url()), 2};
};

TEST_F(DbTest, ADeadlockIsRunAgainAndBothTransactionsCommit) {
    // Each holds one row, waits until the other holds the other, then asks for it: PostgreSQL
    // ends one of them with a deadlock, and Db runs that one again.
    std::latch both_hold_one(2);
    std::atomic<int> runs{0};
    std::atomic<bool> survivor_done{false};
    auto cross = [&](int first, int second) -> Work {
        return [&, first, second](pqxx::dbtransaction& tx) {
            bool initial = runs.fetch_add(1) < 2;
            // The run again waits for the survivor's work: had it taken its first row before
            // the survivor (still waiting for that row) did, the two would deadlock again.
            while (!initial && !survivor_done)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            tx.exec_params("UPDATE counters SET n = n + 1 WHERE id = $1", first);
            if (initial) both_hold_one.arrive_and_wait();
            tx.exec_params("UPDATE counters SET n = n + 1 WHERE id = $1", second);
            if (initial) survivor_done = true;
        };
    };
    auto errors = run_all({cross(1, 2), cross(2, 1)});
    for (const auto& e : errors) {
        if (!e) continue;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            ADD_FAILURE() << x.what();
        }
    }
    EXPECT_EQ(runs.load(), 3);
    EXPECT_EQ(db_.scalar("SELECT string_agg(n::text, ',' ORDER BY id) FROM counters"), "2,2");
}

TEST_F(DbTest, ALockHeldLongerThanTheWorkWaitsIsBusyNotDown) {
    pqxx::connection c(db_.url());
    pqxx::work hold(c);
    hold.exec("SELECT 1 FROM counters WHERE id = 1 FOR UPDATE");
    auto errors = run_all({[](pqxx::dbtransaction& tx) {
        tx.exec("SET LOCAL lock_timeout = '100ms'");
        tx.exec("UPDATE counters SET n = n + 1 WHERE id = 1");
    }});
    ASSERT_TRUE(errors[0]);
    try {
        std::rethrow_exception(errors[0]);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::unavailable);
        EXPECT_TRUE(store::is_busy(e)) << e.cause();
        EXPECT_EQ(e.detail(), "The database is busy; try again shortly.");
    }
    hold.abort();
    // The connection went back to the pool in working order, without the lock_timeout.
    errors = run_all({[](pqxx::dbtransaction& tx) {
        EXPECT_EQ(tx.exec("SHOW lock_timeout")[0][0].as<std::string>(), "0");
        tx.exec("UPDATE counters SET n = n + 1 WHERE id = 1");
    }});
    EXPECT_FALSE(errors[0]);
    EXPECT_EQ(db_.scalar("SELECT n FROM counters WHERE id = 1"), "1");
}

}  // namespace
}  // namespace botflow::test
