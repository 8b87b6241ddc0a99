// Storing webhook deliveries: one PostgreSQL transaction per group of concurrent deliveries
// (group commit), idempotent on the wamid, statuses applied monotonically.
#pragma once
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "botflow/core/asio.hpp"
#include "botflow/events/catalog.hpp"
#include "botflow/whatsapp/webhook.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::store {
class Db;
}

namespace botflow::conversations {

struct StoreResult {
    int stored = 0;      // new messages
    int duplicates = 0;  // messages already stored (Meta re-delivered)
    int statuses = 0;    // statuses applied to a message
    int pending = 0;     // statuses kept for a message not stored yet
    /// message.created / message.updated of what was stored; Inbox::store writes them to the
    /// outbox in the same transaction (store_batch leaves that to its caller).
    std::vector<events::Event> events;
};

/// The longest an ingestion transaction waits for a row lock once lock_keys() has run:
/// ingestion holds its locks for milliseconds, so a longer wait means someone else holds a
/// customer's conversation.
inline constexpr int kLockWaitMs = 1000;

/// Locks (transaction-scoped, in one global order) every customer and wamid the deliveries
/// name, then bounds the transaction's later lock waits to `lock_wait_ms` (PostgreSQL's
/// lock_timeout: beyond it the statement fails with 55P03, a busy 503). Call before storing
/// several deliveries in one transaction.
void lock_keys(pqxx::dbtransaction& tx, const std::vector<const whatsapp::WebhookBatch*>& batches,
               int lock_wait_ms = kLockWaitMs);

/// Stores, in at most three statements whatever their number (the lookup, the first contacts'
/// conversations, the messages with their counters, jobs and message.created events in the
/// outbox), the deliveries' messages that need
/// nothing but an insert: from a customer whose conversation exists and holds what the message says
/// of them, without media, not an echo, not from the simulator. Each stored message counts in the
/// result of its delivery (`results[i]` for `batches[i]`). Returns the messages it took
/// (stored, or found to be re-deliveries) for store_batch to skip. Call after lock_keys().
std::vector<const whatsapp::InboundMessage*> store_known_customers(
    pqxx::dbtransaction& tx, const std::vector<const whatsapp::WebhookBatch*>& batches,
    const std::vector<StoreResult*>& results, int default_debounce_ms = 1000);

/// Stores one delivery in the caller's transaction, and enqueues a `conversation_turn` job for
/// each new customer message, due after the turn's debounce (turn_debounce_ms() in SQL:
/// Settings > AI, else `default_debounce_ms`). `keys_locked`: lock_keys() already ran for it in
/// this transaction. `done`: messages store_known_customers() took already (sorted).
void store_batch(pqxx::dbtransaction& tx, const whatsapp::WebhookBatch& batch, StoreResult& result,
                 bool keys_locked = false, int default_debounce_ms = 1000,
                 const std::vector<const whatsapp::InboundMessage*>& done = {});

class Inbox {
public:
    /// `transactions`: group-commit transactions in flight at once (INGEST_TRANSACTIONS).
    Inbox(store::Db& db, int default_debounce_ms, int transactions = 1);
    ~Inbox();

    /// Stores `batch` together with the deliveries that arrive while a transaction is in
    /// flight (group commit, `transactions` of them at once); resumes (on
    /// the caller's executor) only after COMMIT. Throws Errc::unavailable when PostgreSQL is down.
    /// A delivery that makes the shared transaction fail is retried alone, so it cannot fail its
    /// neighbours.
    asio::awaitable<StoreResult> store(whatsapp::WebhookBatch batch);

    struct Waiter;

private:
    // Takes groups off the queue and commits them until it is empty.
    asio::awaitable<void> drain();
    asio::awaitable<void> flush(std::vector<std::shared_ptr<Waiter>>& group);

    store::Db& db_;
    int default_debounce_ms_;
    int transactions_;
    std::mutex mutex_;
    std::vector<std::shared_ptr<Waiter>> queue_;  // under mutex_
    int drainers_ = 0;                            // under mutex_: groups being committed
};

}  // namespace botflow::conversations
