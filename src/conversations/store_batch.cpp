// Storing one delivery message by message (store_batch): the general path, for every message
// the set-based store_known_customers did not take.
#include <algorithm>
#include <pqxx/pqxx>
#include <tuple>

#include "botflow/conversations/inbox.hpp"
#include "botflow/core/error.hpp"
#include "botflow/jobs/job_repo.hpp"
#include "botflow/store/db.hpp"
#include "botflow/store/prepared.hpp"
#include "botflow/whatsapp/statuses.hpp"
#include "botflow/whatsapp/text.hpp"
#include "conversations/inbox_rows.hpp"

namespace botflow::conversations {

using whatsapp::InboundMessage;
using whatsapp::WebhookBatch;

namespace {

using store::nullable;

// Throws the simulator's conflict when any row of `found` (id, changes, simulated) is a real
// customer's conversation.
void refuse_real_customer(const pqxx::result& found) {
    for (const auto& row : found) {
        if (!row[2].as<bool>()) {
            throw Error(Errc::conflict,
                        "This number belongs to a real customer's conversation; use "
                        "another number in the simulator.");
        }
    }
}

// Folds the conversation `other` into `id`: its messages, jobs, counters, identities, tags
// and notes.
void fold_conversation(pqxx::dbtransaction& tx, const std::string& id, const std::string& other) {
    store::exec_cached(tx,
                       "UPDATE messages SET conversation_id = $1::uuid "
                       "WHERE conversation_id = $2::uuid",
                       id, other);
    store::exec_cached(tx,
                       "UPDATE jobs SET conversation_id = $1::uuid "
                       "WHERE conversation_id = $2::uuid",
                       id, other);
    // Delete the newer row first (its identities are unique), then fold it in.
    auto gone = store::exec_cached(
        tx,
        "DELETE FROM conversations WHERE id = $1::uuid RETURNING wa_id, bsuid, "
        "phone, unread_count, last_message_at::text, last_customer_message_at::text, "
        "array_to_json(tags)::text, notes",
        other);
    const auto& o = gone[0];
    auto text = [&](int i) -> const char* { return o[i].is_null() ? nullptr : o[i].c_str(); };
    store::exec_cached(tx,
                       "UPDATE conversations SET unread_count = unread_count + $2, "
                       " last_message_at = GREATEST(last_message_at, $3::timestamptz), "
                       " last_customer_message_at = GREATEST(last_customer_message_at, "
                       "   $4::timestamptz), "
                       " wa_id = COALESCE(wa_id, $5), bsuid = COALESCE(bsuid, $6), "
                       " phone = COALESCE(phone, $7), "
                       " tags = ARRAY(SELECT DISTINCT unnest(tags || ARRAY(SELECT "
                       "   json_array_elements_text($8::json)))), "
                       " notes = trim(notes || E'\\n' || $9) WHERE id = $1::uuid",
                       id, o[3].as<long>(), text(4), text(5), text(0), text(1), text(2), text(6),
                       o[7].as<std::string>());
}

// The conversation of a customer, created on first contact. Either identity may be missing;
// one that was missing before is filled in now. When a message names both a number and a
// business-scoped user id that were so far two conversations, they become one (the older),
// since they are the same person.
std::string conversation_for(pqxx::dbtransaction& tx, const InboundMessage& m, bool simulated) {
    const char* wa = m.customer_wa_id.empty() ? nullptr : m.customer_wa_id.c_str();
    const char* bsuid = m.customer_bsuid.empty() ? nullptr : m.customer_bsuid.c_str();
    std::string phone = m.customer_wa_id.empty() ? std::string() : "+" + m.customer_wa_id;
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto found = store::exec_cached(
            tx,
            // Two index lookups (an OR over both columns would scan the table).
            // The last column says whether this message changes anything the row holds about
            // the customer, so the common case (a known customer writing again) costs no UPDATE.
            "SELECT id::text, (($1::text IS NOT NULL AND wa_id IS NULL) "
            " OR ($2::text IS NOT NULL AND bsuid IS NULL) OR ($3 <> '' AND phone IS NULL) "
            " OR ($4 <> '' AND ($4 <> profile_name OR customer_name = '')) "
            " OR (simulated AND NOT $5::boolean)), simulated "
            "FROM conversations WHERE id IN ("
            " SELECT id FROM conversations WHERE wa_id = $1::text"
            " UNION ALL SELECT id FROM conversations WHERE bsuid = $2::text) "
            "ORDER BY created_at, id FOR UPDATE",
            wa, bsuid, phone, m.customer_name, simulated ? "true" : "false");
        if (!found.empty()) {
            if (simulated) {
                // Checked under the customer's advisory lock: the simulator never writes into
                // a real customer's conversation, however the two race.
                refuse_real_customer(found);
            }
            auto id = found[0][0].as<std::string>();
            for (std::size_t i = 1; i < found.size(); ++i) {
                fold_conversation(tx, id, found[i][0].as<std::string>());
            }
            if (found.size() == 1 && !found[0][1].as<bool>()) return id;
            store::exec_cached(
                tx,
                "UPDATE conversations SET wa_id = COALESCE(wa_id, $2), "
                " bsuid = COALESCE(bsuid, $3), phone = COALESCE(phone, NULLIF($4, '')), "
                " profile_name = CASE WHEN $5 = '' THEN profile_name ELSE $5 END, "
                " customer_name = CASE WHEN customer_name = '' THEN $5 ELSE customer_name END, "
                // A real message makes a number tried in the simulator a real customer.
                " simulated = simulated AND $6::boolean "
                "WHERE id = $1::uuid",
                id, wa, bsuid, phone, m.customer_name, simulated ? "true" : "false");
            return id;
        }
        // No arbiter index named: a concurrent first message from the same customer makes
        // this a no-op, and the SELECT above finds that row on the second pass.
        auto inserted = store::exec_cached(
            tx,
            "INSERT INTO conversations (wa_id, bsuid, phone, customer_name, profile_name, "
            " simulated) VALUES ($1, $2, NULLIF($3, ''), $4, $4, $5::boolean) "
            "ON CONFLICT DO NOTHING RETURNING id::text",
            wa, bsuid, phone, m.customer_name, simulated ? "true" : "false");
        if (!inserted.empty()) return inserted[0][0].as<std::string>();
    }
    throw Error(Errc::conflict, "Could not file the message under a conversation.",
                "conversation upsert raced twice");
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

// The message and its conversation's counters in one statement (one round trip); the
// conversation changes only when the message is new (not a re-delivery).
pqxx::result insert_message(pqxx::dbtransaction& tx, const std::string& conversation,
                            const InboundMessage& m, int default_debounce_ms) {
    std::string ts = timestamp_text(m.timestamp);
    auto metadata = m.raw.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return store::exec_cached(
        tx,
        "WITH m AS ("
        " INSERT INTO messages (conversation_id, direction, sender, type, content, media_id, "
        "  media_mime_type, media_filename, media_sha256, context_message_id, "
        "  whatsapp_message_id, status, sent_at, metadata, created_at, payload) "
        " VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
        "  CASE WHEN $2 = 'outbound' THEN COALESCE(to_timestamp(NULLIF($13, '')::bigint), "
        "   now()) END, "
        "  $14::jsonb, COALESCE(to_timestamp(NULLIF($13, '')::bigint), now()), "
        // A tap names the message it answers: ours, by id.
        "  $17::jsonb || COALESCE((SELECT jsonb_build_object('in_reply_to', r.id) "
        "   FROM messages r WHERE r.whatsapp_message_id = $10), '{}'::jsonb)) "
        " ON CONFLICT (whatsapp_message_id) WHERE whatsapp_message_id IS NOT NULL DO NOTHING "
        " RETURNING id, created_at, payload), "
        "u AS (UPDATE conversations SET "
        // An echo: the owner answered from the WhatsApp Business app. A person is
        // talking, so the AI pauses here exactly as after a dashboard reply.
        " ai_enabled = ai_enabled AND $2 = 'inbound', "
        " last_message_preview = CASE WHEN COALESCE(to_timestamp(NULLIF($13, '')::bigint), "
        "   now()) >= COALESCE(last_message_at, '-infinity') THEN $15 "
        "   ELSE last_message_preview END, "
        " last_message_at = GREATEST(last_message_at, "
        "   COALESCE(to_timestamp(NULLIF($13, '')::bigint), now())), "
        " last_customer_message_at = CASE WHEN $2 = 'inbound' THEN "
        "   GREATEST(last_customer_message_at, "
        "   COALESCE(to_timestamp(NULLIF($13, '')::bigint), now())) "
        "   ELSE last_customer_message_at END, "
        " unread_count = unread_count + CASE WHEN $2 = 'inbound' THEN 1 ELSE 0 END, "
        " status = CASE WHEN $2 = 'inbound' AND status IN ('closed', 'archived') "
        "   THEN 'active' ELSE status END, "
        " updated_at = now() "
        " WHERE id = $1::uuid AND EXISTS (SELECT 1 FROM m)), "
        // The customer's turn follows as a durable job, due after the debounce so that
        // messages typed in quick succession are one turn. The turn's responders decide
        // who answers it when it runs.
        "j AS (INSERT INTO jobs (kind, payload, run_at, max_attempts, idempotency_key, "
        "  conversation_id) "
        " SELECT 'conversation_turn', jsonb_build_object('conversation_id', $1::text), "
        "  now() + make_interval(secs => turn_debounce_ms($16) / 1000), 4, "
        "  'conversation_turn:' || $11, $1::uuid FROM m WHERE $2 = 'inbound' "
        " ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING "
        " RETURNING id) "
        "SELECT id::text, (SELECT count(*) FROM j), to_json(created_at) #>> '{}', "
        " payload::text FROM m",
        conversation, m.echo ? "outbound" : "inbound", m.echo ? "agent" : "customer", m.type,
        m.content, nullable(m.media_id), nullable(m.media_mime_type), nullable(m.media_filename),
        nullable(m.media_sha256), nullable(m.context_id), m.wamid, m.echo ? "sent" : "received", ts,
        metadata, whatsapp::message_preview(m.content), static_cast<double>(default_debounce_ms),
        m.payload.is_null() ? std::nullopt
                            : std::optional(m.payload.dump(
                                  -1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

// What a new message brings besides its row: its live-feed event, the fetch of its media, and
// for an echo the statuses that arrived before it. Returns the turn jobs its insert enqueued.
long record_new(pqxx::dbtransaction& tx, const std::string& conversation, const InboundMessage& m,
                const pqxx::result& inserted, StoreResult& result) {
    ++result.stored;
    auto event = created_event(conversation, inserted[0][0].as<std::string>(),
                               inserted[0][2].as<std::string>(), m);
    if (!inserted[0][3].is_null()) {
        event.data["message"]["payload"] = nlohmann::json::parse(inserted[0][3].as<std::string>());
    }
    result.events.push_back(std::move(event));
    if (m.media_id) {
        // Media ids from webhooks live 7 days and their download links 5 minutes: fetch
        // the bytes now, as a durable job.
        jobs::EnqueueOptions o;
        o.max_attempts = 6;
        o.idempotency_key = "media_fetch:" + m.wamid;
        o.conversation_id = conversation;
        jobs::enqueue(tx, "media_fetch", {{"message_id", inserted[0][0].as<std::string>()}}, o);
    }
    if (m.echo) result.statuses += whatsapp::apply_pending_statuses(tx, m.wamid);
    return inserted[0][1].as<long>();
}

}  // namespace

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
        auto inserted = insert_message(tx, conversation, m, default_debounce_ms);
        if (inserted.empty()) {
            ++result.duplicates;
            continue;
        }
        turn_jobs += record_new(tx, conversation, m, inserted, result);
    }
    // Workers wake once per transaction, at COMMIT.
    if (turn_jobs > 0) {
        tx.exec_params("SELECT pg_notify($1, 'conversation_turn')", jobs::kChannel);
    }
    auto [applied, pending] = whatsapp::apply_statuses(tx, batch.statuses, result.events);
    result.statuses += applied;
    result.pending += pending;
}

}  // namespace botflow::conversations
