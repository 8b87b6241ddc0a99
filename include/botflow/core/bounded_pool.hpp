// A thread pool for blocking work that takes only so much at once: past `queue_limit` pieces of
// work waiting for a thread, run() refuses at once with a 503 and Retry-After, instead of letting
// work (and the memory it holds) pile up behind a burst until every caller times out.
#pragma once
#include <atomic>
#include <string>
#include <utility>

#include "botflow/core/blocking.hpp"
#include "botflow/core/error.hpp"

namespace botflow {

class BoundedPool {
public:
    /// `busy` is what a refused caller is told ("The server is busy: try again in a moment.").
    BoundedPool(std::size_t threads, int queue_limit, std::string busy)
        : pool_(threads), limit_(queue_limit), busy_(std::move(busy)) {}
    BoundedPool(const BoundedPool&) = delete;
    BoundedPool& operator=(const BoundedPool&) = delete;

    /// Runs f() on a pool thread as run_blocking() does; throws Errc::unavailable (with
    /// Retry-After: 1) without running it when `queue_limit` pieces of work already wait.
    template <class F>
    auto run(F f) -> decltype(run_blocking(std::declval<asio::thread_pool&>(), std::move(f))) {
        if (waiting_.fetch_add(1, std::memory_order_acq_rel) >= limit_) {
            waiting_.fetch_sub(1, std::memory_order_acq_rel);
            throw Error(Errc::unavailable, busy_).with_header("Retry-After", "1");
        }
        auto started = [this, f = std::move(f)]() mutable {
            waiting_.fetch_sub(1, std::memory_order_acq_rel);
            return f();
        };
        co_return co_await run_blocking(pool_, std::move(started));
    }

    /// Work waiting for a thread now.
    int waiting() const noexcept { return waiting_.load(std::memory_order_relaxed); }
    void stop() { pool_.stop(); }
    void join() { pool_.join(); }

private:
    asio::thread_pool pool_;
    int limit_;
    std::string busy_;
    std::atomic<int> waiting_{0};
};

}  // namespace botflow
