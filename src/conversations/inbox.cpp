// Group commit of webhook deliveries: the deliveries that arrive while a transaction is in
// flight share the next one, and their customers' and wamids' locks are taken first, in one
// global order (lock_keys).
#include "botflow/conversations/inbox.hpp"

#include <algorithm>

#include "botflow/core/error.hpp"
#include "botflow/events/outbox_repo.hpp"
#include "botflow/store/db.hpp"
#include "conversations/inbox_repo.hpp"

namespace botflow::conversations {

using whatsapp::WebhookBatch;

// After a group gave up on a lock (busy), its deliveries are tried alone; the one that met the
// held row has waited a full kLockWaitMs already, so alone it waits only this long.
constexpr int kRetryLockWaitMs = 100;

// Takes, in one global order and before any row is touched, a transaction lock for every
// customer identity and every echoed or status wamid the deliveries name. Two transactions
// then never wait on each other in a cycle, however their deliveries are grouped, and an echo
// and a status for the same wamid (two replicas) cannot each miss the other.
void lock_keys(pqxx::dbtransaction& tx, const std::vector<const WebhookBatch*>& batches,
               int lock_wait_ms) {
    std::vector<std::string> keys;
    for (const auto* batch : batches) {
        for (const auto& m : batch->messages) {
            if (!m.customer_wa_id.empty()) keys.push_back("wa:" + m.customer_wa_id);
            if (!m.customer_bsuid.empty()) keys.push_back("bs:" + m.customer_bsuid);
            if (m.echo) keys.push_back("id:" + m.wamid);
        }
        for (const auto& s : batch->statuses) keys.push_back("id:" + s.wamid);
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    if (keys.empty()) return;
    // One round trip for all of them, taken in the array's order. These are waited for without
    // a bound: only ingestion and the sender take them, each for milliseconds. Once the count
    // has taken them all, the same statement bounds every later lock wait of the transaction
    // (set_config(..., true) lasts until COMMIT or ROLLBACK): the rows it touches next are held
    // only by people (an erase of a long history, a session in psql), and a customer whose
    // conversation is held gets a 503 that Meta retries instead of stalling everyone's
    // deliveries behind theirs.
    lock_ingestion_keys(tx, keys, lock_wait_ms);
}

// One delivery waiting for its commit. `finish` runs once, from whichever thread committed
// it; a coroutine that starts waiting afterwards resumes at once (no lost wake-up).
struct Inbox::Waiter {
    const WebhookBatch* batch = nullptr;
    StoreResult result;
    std::exception_ptr error;

    std::mutex mutex;
    bool done = false;             // under mutex
    std::function<void()> resume;  // under mutex: the waiting coroutine, once it waits

    void finish() {
        std::function<void()> r;
        {
            std::lock_guard lock(mutex);
            done = true;
            r = std::move(resume);
        }
        if (r) r();
    }

    asio::awaitable<void> wait() {
        auto init = [this](auto handler) {
            auto executor = asio::get_associated_executor(handler);
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            auto post_it = [executor, shared] { asio::post(executor, [shared] { (*shared)(); }); };
            std::unique_lock lock(mutex);
            if (done) {
                lock.unlock();
                post_it();
            } else {
                resume = post_it;
            }
        };
        co_await asio::async_initiate<const asio::use_awaitable_t<>, void()>(std::move(init),
                                                                             asio::use_awaitable);
    }
};

namespace {

// Deliveries per shared transaction: enough to share the fsync and the round trips, few
// enough that one round stays short for everyone in it.
constexpr std::size_t kMaxGroup = 64;

}  // namespace

// Each drainer commits its own group; fewer drainers make bigger groups, whose set-based
// statements cost PostgreSQL less per message. Measured on 2 cores (bench/README.md): one
// drainer stored 5,297 msg/s at 16 connections, two 3,457, four 2,773. Not derived from the
// core count: a container may see its host's cores, and PostgreSQL may run elsewhere.
Inbox::Inbox(store::Db& db, int default_debounce_ms, int transactions)
    : db_(db),
      default_debounce_ms_(default_debounce_ms),
      transactions_(std::max(1, transactions)) {}
Inbox::~Inbox() = default;

asio::awaitable<StoreResult> Inbox::store(WebhookBatch batch) {
    auto executor = co_await asio::this_coro::executor;
    auto me = std::make_shared<Waiter>();
    me->batch = &batch;
    bool start_drainer = false;
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(me);
        if (drainers_ < transactions_) {
            ++drainers_;
            start_drainer = true;
        }
    }
    // Drainers are not tied to a request: no request waits on other people's traffic beyond
    // the group it is committed in.
    if (start_drainer) asio::co_spawn(executor, drain(), asio::detached);
    co_await me->wait();
    if (me->error) std::rethrow_exception(me->error);
    co_return me->result;
}

asio::awaitable<void> Inbox::drain() {
    for (;;) {
        std::vector<std::shared_ptr<Waiter>> group;
        {
            std::lock_guard lock(mutex_);
            if (queue_.empty()) {
                --drainers_;
                co_return;
            }
            auto n = std::min(queue_.size(), kMaxGroup);
            group.assign(queue_.begin(), queue_.begin() + static_cast<long>(n));
            queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(n));
        }
        co_await flush(group);
    }
}

asio::awaitable<void> Inbox::flush(std::vector<std::shared_ptr<Waiter>>& group) {
    std::exception_ptr shared_failure;
    try {
        auto all = [&group, debounce = default_debounce_ms_](pqxx::dbtransaction& tx) {
            std::vector<const WebhookBatch*> batches;
            std::vector<StoreResult*> results;
            for (auto& w : group) {
                w->result = {};
                batches.push_back(w->batch);
                results.push_back(&w->result);
            }
            lock_keys(tx, batches, kLockWaitMs);
            auto done = store_known_customers(tx, batches, results, debounce);
            std::vector<events::Event> all_events;
            for (auto& w : group) {
                store_batch(tx, *w->batch, w->result, true, debounce, done);
                all_events.insert(all_events.end(), w->result.events.begin(),
                                  w->result.events.end());
            }
            events::stage(tx, all_events);  // one statement for the whole group
        };
        co_await db_.run(std::move(all));
    } catch (...) {
        shared_failure = std::current_exception();
    }
    if (shared_failure) {
        bool unavailable = false, busy = false;
        try {
            std::rethrow_exception(shared_failure);
        } catch (const Error& e) {
            // Down: everyone gets the 503 now. Busy (a lock held too long): only some
            // deliveries conflict, so each is tried alone below.
            busy = store::is_busy(e);
            unavailable = e.code() == Errc::unavailable && !busy;
        } catch (...) {
        }
        const int lock_wait = busy ? kRetryLockWaitMs : kLockWaitMs;
        for (auto& w : group) {
            if (unavailable || group.size() == 1) {
                w->error = shared_failure;
                continue;
            }
            // Alone, so one bad delivery cannot fail the others.
            try {
                auto one = [w, lock_wait,
                            debounce = default_debounce_ms_](pqxx::dbtransaction& tx) {
                    w->result = {};
                    lock_keys(tx, {w->batch}, lock_wait);
                    store_batch(tx, *w->batch, w->result, true, debounce);
                    events::stage(tx, w->result.events);
                };
                co_await db_.run(std::move(one));
            } catch (...) {
                w->error = std::current_exception();
            }
        }
    }
    for (auto& w : group) w->finish();
}

}  // namespace botflow::conversations
