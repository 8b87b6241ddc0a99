// PostgreSQL access: a fixed set of libpqxx connections, used only from the db thread pool.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "botflow/core/asio.hpp"
#include "botflow/core/blocking.hpp"
#include "botflow/core/secret.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow {
class Error;
}  // namespace botflow

namespace botflow::store {

struct PooledConnection;  // a pqxx::connection, defined in db.cpp

struct PoolStats {
    int size = 0;
    int in_use = 0;
    int waiting = 0;
};

/// A nullable text parameter for exec_params: libpqxx 6 sends a null pointer as SQL NULL.
inline const char* nullable(const std::optional<std::string>& v) {
    return v ? v->c_str() : nullptr;
}

/// A PostgreSQL array literal of texts, for a `$n::text[]` parameter ({"a","b \"c\""}); nullopt
/// is NULL.
std::string text_array(const std::vector<std::optional<std::string>>& items);
std::string text_array(const std::vector<std::string>& items);
/// A PostgreSQL array literal of integers, for a `$n::bigint[]` parameter ({1,2,3}).
std::string int_array(const std::vector<long long>& items);

/// Adds libpq options every connection needs (connect_timeout, keepalives, application_name)
/// to a postgres:// URL or key=value string, keeping any the caller set.
std::string with_connection_defaults(const std::string& url);

/// True for the Errc::unavailable errors that mean this transaction conflicted with another
/// (a lock wait beyond lock_timeout, a deadlock that kept coming back), not that PostgreSQL is
/// unreachable: trying the work again, or part of it, can succeed at once.
bool is_busy(const Error& e);

class Db {
public:
    /// Does not connect; connections open lazily and are replaced when broken. With a
    /// `queue_limit`, run() refuses work past that many transactions waiting for a connection
    /// (Errc::unavailable with Retry-After: 1) rather than queueing without end; 0: no limit.
    Db(Secret url, int pool_size, int queue_limit = 0);
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    /// Runs f(tx) in one transaction on a pool thread and commits; resumes on the caller's
    /// executor. Throws Errc::unavailable when PostgreSQL cannot be reached (fast: a failed
    /// connect makes the next callers fail at once for a short while instead of each waiting),
    /// conflict for a unique violation, unprocessable for a foreign key or check violation or
    /// a value PostgreSQL cannot take (22xxx), and rethrows botflow::Error thrown by f. A
    /// deadlock or serialization failure re-runs f (up to 3 times in all), then throws
    /// unavailable (busy, see is_busy), as does a lock wait beyond lock_timeout: f must be safe
    /// to run again.
    template <class F>
    auto run(F f) -> asio::awaitable<std::invoke_result_t<F&, pqxx::dbtransaction&>> {
        using R = std::invoke_result_t<F&, pqxx::dbtransaction&>;
        // execute() moves it to in_use_
        if (waiting_.fetch_add(1, std::memory_order_acq_rel) >= queue_limit_ && queue_limit_ > 0) {
            waiting_.fetch_sub(1, std::memory_order_acq_rel);
            throw busy();
        }
        if constexpr (std::is_void_v<R>) {
            std::function<void(pqxx::dbtransaction&)> work = std::move(f);
            auto task = [this, work = std::move(work)]() { execute(work); };
            co_await run_blocking(pool_, std::move(task));
        } else {
            static_assert(std::is_default_constructible_v<R>, "return std::optional<T> instead");
            auto task = [this, f = std::move(f)]() mutable {
                R result{};
                std::function<void(pqxx::dbtransaction&)> work = [&](pqxx::dbtransaction& tx) {
                    result = f(tx);
                };
                execute(work);
                return result;
            };
            co_return co_await run_blocking(pool_, std::move(task));
        }
    }

    /// Runs `SELECT 1`. Throws Errc::unavailable when PostgreSQL does not answer.
    asio::awaitable<void> ping();

    /// Opens the pool's connections now (blocking), so the first burst of requests does not
    /// open them all at once. Returns how many opened; failures are left to open lazily.
    int warm_up();

    PoolStats stats() const noexcept;
    /// Stops the pool threads after the queued work ran. Blocks.
    void shutdown();

private:
    void execute(const std::function<void(pqxx::dbtransaction&)>& work);
    Error busy() const;

    std::string url_;
    int size_;
    int queue_limit_;
    asio::thread_pool pool_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<PooledConnection>> idle_;  // under mutex_
    std::chrono::steady_clock::time_point down_until_{};   // under mutex_: fail fast until then
    std::string down_reason_;                              // under mutex_
    std::atomic<int> in_use_{0};
    std::atomic<int> waiting_{0};
};

}  // namespace botflow::store
