// Storing one delivery message by message (store_batch): the general path, for every message
// the set-based store_known_customers did not take.
#include <algorithm>
#include <tuple>

#include "botflow/conversations/inbox.hpp"
#include "botflow/core/error.hpp"
#include "botflow/jobs/job_repo.hpp"
#include "botflow/whatsapp/statuses.hpp"
#include "conversations/inbox_repo.hpp"
#include "conversations/inbox_rows.hpp"

namespace botflow::conversations {

using whatsapp::InboundMessage;
using whatsapp::WebhookBatch;

namespace {

// Throws the simulator's conflict when any of the customer's conversations is a real
// customer's.
void refuse_real_customer(const std::vector<CustomerConversation>& found) {
    for (const auto& c : found) {
        if (!c.simulated) {
            throw Error(Errc::conflict,
                        "This number belongs to a real customer's conversation; use "
                        "another number in the simulator.");
        }
    }
}

// The delivery's messages that store_known_customers did not take (`done`, sorted), in the
// order their conversations are locked.
std::vector<const InboundMessage*> in_lock_order(const WebhookBatch& batch,
                                                 const std::vector<const InboundMessage*>& done) {
    // Conversations are locked in one global order too, so two transactions never wait on
    // each other in a cycle.
    std::vector<const InboundMessage*> ordered;
    for (const auto& m : batch.messages) {
        if (!std::binary_search(done.begin(), done.end(), &m)) ordered.push_back(&m);
    }
    std::stable_sort(ordered.begin(), ordered.end(), [](const auto* a, const auto* b) {
        return std::tie(a->customer_wa_id, a->customer_bsuid) <
               std::tie(b->customer_wa_id, b->customer_bsuid);
    });
    return ordered;
}

// What a new message brings besides its row: its live-feed event, the fetch of its media, and
// for an echo the statuses that arrived before it. Returns the turn jobs its insert enqueued.
long record_new(pqxx::dbtransaction& tx, const std::string& conversation, const InboundMessage& m,
                const StoredMessage& inserted, StoreResult& result) {
    ++result.stored;
    auto event = created_event(conversation, inserted.id, inserted.created_at, m);
    if (inserted.payload) {
        event.data["message"]["payload"] = nlohmann::json::parse(*inserted.payload);
    }
    result.events.push_back(std::move(event));
    if (m.media_id) {
        // Media ids from webhooks live 7 days and their download links 5 minutes: fetch
        // the bytes now, as a durable job.
        jobs::EnqueueOptions o;
        o.max_attempts = 6;
        o.idempotency_key = "media_fetch:" + m.wamid;
        o.conversation_id = conversation;
        jobs::enqueue(tx, "media_fetch", {{"message_id", inserted.id}}, o);
    }
    if (m.echo) result.statuses += whatsapp::apply_pending_statuses(tx, m.wamid);
    return inserted.turn_jobs;
}

}  // namespace

// The conversation of a customer, created on first contact. Either identity may be missing;
// one that was missing before is filled in now. When a message names both a number and a
// business-scoped user id that were so far two conversations, they become one (the older),
// since they are the same person.
std::string conversation_for(pqxx::dbtransaction& tx, const InboundMessage& m, bool simulated) {
    CustomerIds customer;
    if (!m.customer_wa_id.empty()) customer.wa_id = m.customer_wa_id;
    if (!m.customer_bsuid.empty()) customer.bsuid = m.customer_bsuid;
    if (!m.customer_wa_id.empty()) customer.phone = "+" + m.customer_wa_id;
    customer.name = m.customer_name;
    customer.simulated = simulated;
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto found = lock_customer_conversations(tx, customer);
        if (!found.empty()) {
            if (simulated) {
                // Checked under the customer's advisory lock: the simulator never writes into
                // a real customer's conversation, however the two race.
                refuse_real_customer(found);
            }
            const auto& id = found[0].id;
            for (std::size_t i = 1; i < found.size(); ++i) fold_conversation(tx, id, found[i].id);
            if (found.size() == 1 && !found[0].changes) return id;
            update_customer(tx, id, customer);
            return id;
        }
        // No arbiter index named: a concurrent first message from the same customer makes
        // this a no-op, and the SELECT above finds that row on the second pass.
        if (auto inserted = insert_customer_conversation(tx, customer)) return *inserted;
    }
    throw Error(Errc::conflict, "Could not file the message under a conversation.",
                "conversation upsert raced twice");
}

std::string timestamp_text(std::int64_t unix_seconds) {
    // Meta's time when given; else the moment we heard of it.
    return unix_seconds > 0 ? std::to_string(unix_seconds) : std::string();
}

events::Event created_event(const std::string& conversation, const std::string& id,
                            const std::string& created_at, const InboundMessage& m) {
    return events::message_created(conversation, {{"id", id},
                                                  {"conversation_id", conversation},
                                                  {"direction", m.echo ? "outbound" : "inbound"},
                                                  {"sender", m.echo ? "agent" : "customer"},
                                                  {"type", m.type},
                                                  {"content", m.content},
                                                  {"status", m.echo ? "sent" : "received"},
                                                  {"whatsapp_message_id", m.wamid},
                                                  {"created_at", created_at}});
}

void store_batch(pqxx::dbtransaction& tx, const WebhookBatch& batch, StoreResult& result,
                 bool keys_locked, int default_debounce_ms,
                 const std::vector<const InboundMessage*>& done) {
    if (!keys_locked) lock_keys(tx, {&batch}, kLockWaitMs);
    long turn_jobs = 0;
    for (const auto* mp : in_lock_order(batch, done)) {
        const auto& m = *mp;
        std::string conversation = conversation_for(tx, m, batch.simulated);
        auto inserted = insert_delivered_message(tx, conversation, m, default_debounce_ms);
        if (!inserted) {
            ++result.duplicates;
            continue;
        }
        turn_jobs += record_new(tx, conversation, m, *inserted, result);
    }
    // Workers wake once per transaction, at COMMIT.
    if (turn_jobs > 0) notify_turn_workers(tx);
    auto [applied, pending] = whatsapp::apply_statuses(tx, batch.statuses, result.events);
    result.statuses += applied;
    result.pending += pending;
}

}  // namespace botflow::conversations
