#include "botflow/conversations/inbox.hpp"

#include <algorithm>
#include <ctime>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "botflow/core/error.hpp"
#include "botflow/events/outbox.hpp"
#include "botflow/jobs/queue.hpp"
#include "botflow/store/db.hpp"
#include "botflow/store/prepared.hpp"
#include "botflow/whatsapp/statuses.hpp"
#include "botflow/whatsapp/text.hpp"

namespace botflow::conversations {

using whatsapp::InboundMessage;
using whatsapp::WebhookBatch;

namespace {

using store::nullable;
using store::text_array;

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
                for (const auto& row : found) {
                    if (!row[2].as<bool>()) {
                        throw Error(Errc::conflict,
                                    "This number belongs to a real customer's conversation; use "
                                    "another number in the simulator.");
                    }
                }
            }
            auto id = found[0][0].as<std::string>();
            for (std::size_t i = 1; i < found.size(); ++i) {
                auto other = found[i][0].as<std::string>();
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
                auto text = [&](int i) -> const char* {
                    return o[i].is_null() ? nullptr : o[i].c_str();
                };
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
                                   id, o[3].as<long>(), text(4), text(5), text(0), text(1), text(2),
                                   text(6), o[7].as<std::string>());
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

// The live feed's message.created for a message just stored; `created_at` as the API shows
// it (PostgreSQL's JSON form of the stored value).
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

std::string timestamp_text(std::int64_t unix_seconds) {
    // Meta's time when given; else the moment we heard of it.
    return unix_seconds > 0 ? std::to_string(unix_seconds) : std::string();
}

}  // namespace

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
    auto array = text_array(keys);
    store::exec_cached(tx,
                       "SELECT set_config('lock_timeout', $2, true) FROM ("
                       " SELECT count(pg_advisory_xact_lock(hashtextextended(k, 7))) AS n FROM ("
                       "  SELECT k FROM unnest($1::text[]) WITH ORDINALITY AS t(k, i) "
                       "  ORDER BY i) ordered) locked",
                       array, std::to_string(lock_wait_ms) + "ms");
}

std::vector<const InboundMessage*> store_known_customers(
    pqxx::dbtransaction& tx, const std::vector<const WebhookBatch*>& batches,
    const std::vector<StoreResult*>& results, int default_debounce_ms) {
    struct Candidate {
        const InboundMessage* m;
        StoreResult* result;
    };
    // A customer is taken whole or not at all: when any of their messages in the group needs
    // the general path (media, an echo, a business-scoped id, the simulator), all of theirs
    // take it, in delivery order, so their thread order, names and preview end as one by one.
    auto plain = [](const WebhookBatch& batch, const InboundMessage& m) {
        return !batch.simulated && !m.echo && !m.media_id && m.payload.is_null() &&
               !m.customer_wa_id.empty() && m.customer_bsuid.empty() && !m.wamid.empty();
    };
    std::set<std::string> general;
    for (const auto* batch : batches) {
        for (const auto& m : batch->messages) {
            if (!plain(*batch, m) && !m.customer_wa_id.empty()) general.insert(m.customer_wa_id);
        }
    }
    std::vector<Candidate> candidates;
    std::vector<std::optional<std::string>> customers;
    for (std::size_t b = 0; b < batches.size(); ++b) {
        for (const auto& m : batches[b]->messages) {
            if (!plain(*batches[b], m) || general.count(m.customer_wa_id)) continue;
            candidates.push_back({&m, results[b]});
            customers.emplace_back(m.customer_wa_id);
        }
    }
    if (candidates.empty()) return {};
    std::sort(customers.begin(), customers.end());
    customers.erase(std::unique(customers.begin(), customers.end()), customers.end());
    // Their conversations, with what they hold about the customer. Not locked here: the
    // customers' advisory locks keep every other delivery of theirs out, and the UPDATE below
    // locks each row it changes (FOR UPDATE cost a WAL record and a dirtied page per row).
    // Planned each time, not prepared: a plan cached while the table was small (a new
    // instance) scans the whole table until autovacuum's ANALYZE, and one plan per group is
    // cheap.
    auto rows = tx.exec_params(
        "SELECT wa_id, id::text, phone IS NULL OR simulated, profile_name, customer_name "
        "FROM conversations WHERE wa_id = ANY($1::text[])",
        text_array(customers));
    struct Known {
        std::string id;
        bool stale;
        std::string profile_name, customer_name;
    };
    std::map<std::string, Known> known;
    for (const auto& r : rows) {
        known[r[0].as<std::string>()] = {r[1].as<std::string>(), r[2].as<bool>(),
                                         r[3].as<std::string>(), r[4].as<std::string>()};
    }
    // Anything to record about a customer (a number, a new name) sends all of their messages
    // to the general path too. A first contact is taken when all of their messages carry the
    // same name, which their new conversation then holds.
    std::map<std::string, std::string> first_names;  // first contacts: the name they all carry
    for (const auto& c : candidates) {
        const auto& m = *c.m;
        const auto& wa = m.customer_wa_id;
        if (general.count(wa)) continue;
        auto k = known.find(wa);
        if (k != known.end()) {
            bool changes =
                k->second.stale ||
                (!m.customer_name.empty() &&
                 (m.customer_name != k->second.profile_name || k->second.customer_name.empty()));
            if (changes) general.insert(wa);
            continue;
        }
        auto [name, fresh] = first_names.emplace(wa, m.customer_name);
        if (!fresh && name->second != m.customer_name) general.insert(wa);
    }
    std::vector<std::optional<std::string>> new_wa, new_phone, new_name;
    for (const auto& [wa, name] : first_names) {
        if (general.count(wa)) continue;
        new_wa.emplace_back(wa);
        new_phone.emplace_back("+" + wa);
        new_name.emplace_back(name);
    }
    // First contacts: their conversations, in one statement too. A conflict (the number is
    // another conversation's phone) leaves that customer to the general path.
    if (!new_wa.empty()) {
        auto created = store::exec_cached(
            tx,
            "INSERT INTO conversations (wa_id, phone, customer_name, profile_name, simulated) "
            "SELECT wa_id, phone, name, name, false "
            "FROM unnest($1::text[], $2::text[], $3::text[]) AS t(wa_id, phone, name) "
            "ON CONFLICT DO NOTHING RETURNING wa_id, id::text, profile_name",
            text_array(new_wa), text_array(new_phone), text_array(new_name));
        for (const auto& r : created) {
            auto name = r[2].as<std::string>();
            known[r[0].as<std::string>()] = {r[1].as<std::string>(), false, name, name};
        }
    }
    std::vector<Candidate> taken;
    std::vector<const InboundMessage*> done;
    std::set<std::string> wamids;
    std::vector<std::optional<std::string>> conversation, type, content, context, wamid, ts,
        metadata, short_text;
    for (const auto& c : candidates) {
        const auto& m = *c.m;
        auto k = known.find(m.customer_wa_id);
        if (general.count(m.customer_wa_id) || k == known.end()) continue;
        if (!wamids.insert(m.wamid).second) {
            // The same wamid twice in one group: Meta re-delivered it.
            ++c.result->duplicates;
            done.push_back(c.m);
            continue;
        }
        taken.push_back(c);
        conversation.emplace_back(k->second.id);
        type.emplace_back(m.type);
        content.emplace_back(m.content);
        context.emplace_back(m.context_id);
        wamid.emplace_back(m.wamid);
        ts.emplace_back(timestamp_text(m.timestamp));
        metadata.emplace_back(m.raw.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        short_text.emplace_back(whatsapp::message_preview(m.content));
    }
    if (taken.empty()) {
        std::sort(done.begin(), done.end());
        return done;
    }
    // The messages, their conversations' counters (once per conversation) and the turns' jobs,
    // in one statement.
    auto stored = store::exec_cached(
        tx,
        "WITH input AS ("
        " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], "
        "  $6::text[], $7::text[], $8::text[]) WITH ORDINALITY "
        "  AS t(conversation_id, type, content, context_id, wamid, ts, metadata, preview, ord)), "
        "m AS ("
        " INSERT INTO messages (conversation_id, direction, sender, type, content, "
        "  context_message_id, whatsapp_message_id, status, metadata, created_at) "
        " SELECT conversation_id, 'inbound', 'customer', type, content, context_id, wamid, "
        "  'received', metadata::jsonb, COALESCE(to_timestamp(NULLIF(ts, '')::bigint), now()) "
        " FROM input ORDER BY ord "
        " ON CONFLICT (whatsapp_message_id) WHERE whatsapp_message_id IS NOT NULL DO NOTHING "
        " RETURNING id, conversation_id, whatsapp_message_id, created_at), "
        "per AS ("
        " SELECT m.conversation_id, count(*) AS n, max(m.created_at) AS last_at, "
        "  (array_agg(i.preview ORDER BY m.created_at DESC, i.ord DESC))[1] AS preview "
        " FROM m JOIN input i ON i.wamid = m.whatsapp_message_id GROUP BY m.conversation_id), "
        "u AS (UPDATE conversations c SET "
        " last_message_preview = CASE WHEN per.last_at >= COALESCE(c.last_message_at, "
        "   '-infinity') THEN per.preview ELSE c.last_message_preview END, "
        " last_message_at = GREATEST(c.last_message_at, per.last_at), "
        " last_customer_message_at = GREATEST(c.last_customer_message_at, per.last_at), "
        " unread_count = c.unread_count + per.n, "
        " status = CASE WHEN c.status IN ('closed', 'archived') THEN 'active' ELSE c.status END, "
        " updated_at = now() "
        " FROM per WHERE c.id = per.conversation_id), "
        "j AS (INSERT INTO jobs (kind, payload, run_at, max_attempts, idempotency_key, "
        "  conversation_id) "
        " SELECT 'conversation_turn', jsonb_build_object('conversation_id', "
        "  conversation_id::text), now() + make_interval(secs => turn_debounce_ms($9) / 1000), "
        "  4, 'conversation_turn:' || whatsapp_message_id, conversation_id FROM m "
        " ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING "
        " RETURNING id), "
        // Workers wake once per transaction, at COMMIT; in this statement, to save a round
        // trip (PostgreSQL folds identical notifications of one transaction).
        "n AS (SELECT pg_notify($10, 'conversation_turn') FROM (SELECT 1 FROM j LIMIT 1) one), "
        // Their message.created, in the outbox (events/outbox.hpp) in the same statement:
        // the relay wakes at COMMIT.
        "o AS (INSERT INTO outbox (type, conversation_id, data) "
        " SELECT $12, m.conversation_id, jsonb_build_object('conversation_id', m.conversation_id, "
        "  'message', jsonb_build_object('id', m.id, 'conversation_id', m.conversation_id, "
        "   'direction', 'inbound', 'sender', 'customer', 'type', i.type, 'content', i.content, "
        "   'status', 'received', 'whatsapp_message_id', m.whatsapp_message_id, "
        "   'created_at', m.created_at)) "
        " FROM m JOIN input i ON i.wamid = m.whatsapp_message_id ORDER BY i.ord RETURNING 1), "
        "r AS (SELECT pg_notify($11, '') FROM (SELECT 1 FROM o LIMIT 1) one) "
        "SELECT whatsapp_message_id, id::text, conversation_id::text, "
        " (SELECT count(*) FROM n) + (SELECT count(*) FROM r), to_json(created_at) #>> '{}' "
        "FROM m",
        text_array(conversation), text_array(type), text_array(content), text_array(context),
        text_array(wamid), text_array(ts), text_array(metadata), text_array(short_text),
        static_cast<double>(default_debounce_ms), jobs::kChannel, events::kOutboxChannel,
        std::string(events::name(events::Type::message_created)));
    std::set<std::string> stored_wamids;
    for (const auto& r : stored) stored_wamids.insert(r[0].as<std::string>());
    for (const auto& c : taken) {
        done.push_back(c.m);
        if (!stored_wamids.count(c.m->wamid)) {
            ++c.result->duplicates;
            continue;
        }
        ++c.result->stored;  // its message.created is in the outbox already
    }
    std::sort(done.begin(), done.end());
    return done;
}

void store_batch(pqxx::dbtransaction& tx, const WebhookBatch& batch, StoreResult& result,
                 bool keys_locked, int default_debounce_ms,
                 const std::vector<const InboundMessage*>& done) {
    if (!keys_locked) lock_keys(tx, {&batch}, kLockWaitMs);
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
    long turn_jobs = 0;
    for (const auto* mp : ordered) {
        const auto& m = *mp;
        std::string conversation = conversation_for(tx, m, batch.simulated);
        std::string ts = timestamp_text(m.timestamp);
        auto metadata = m.raw.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        // The message and its conversation's counters in one statement (one round trip); the
        // conversation changes only when the message is new (not a re-delivery).
        auto inserted = store::exec_cached(
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
            m.content, nullable(m.media_id), nullable(m.media_mime_type),
            nullable(m.media_filename), nullable(m.media_sha256), nullable(m.context_id), m.wamid,
            m.echo ? "sent" : "received", ts, metadata, whatsapp::message_preview(m.content),
            static_cast<double>(default_debounce_ms),
            m.payload.is_null() ? std::nullopt
                                : std::optional(m.payload.dump(
                                      -1, ' ', false, nlohmann::json::error_handler_t::replace)));
        if (inserted.empty()) {
            ++result.duplicates;
            continue;
        }
        ++result.stored;
        auto event = created_event(conversation, inserted[0][0].as<std::string>(),
                                   inserted[0][2].as<std::string>(), m);
        if (!inserted[0][3].is_null()) {
            event.data["message"]["payload"] =
                nlohmann::json::parse(inserted[0][3].as<std::string>());
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
        turn_jobs += inserted[0][1].as<long>();
    }
    // Workers wake once per transaction, at COMMIT.
    if (turn_jobs > 0) {
        tx.exec_params("SELECT pg_notify($1, 'conversation_turn')", jobs::kChannel);
    }
    auto [applied, pending] = whatsapp::apply_statuses(tx, batch.statuses, result.events);
    result.statuses += applied;
    result.pending += pending;
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
