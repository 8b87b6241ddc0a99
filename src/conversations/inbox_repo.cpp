#include "conversations/inbox_repo.hpp"

#include <pqxx/pqxx>

#include "botflow/events/outbox_repo.hpp"
#include "botflow/jobs/job_repo.hpp"
#include "botflow/store/db.hpp"
#include "botflow/store/prepared.hpp"
#include "botflow/whatsapp/text.hpp"
#include "conversations/inbox_rows.hpp"

namespace botflow::conversations {

using store::nullable;
using store::text_array;

void lock_ingestion_keys(pqxx::dbtransaction& tx, const std::vector<std::string>& keys,
                         int lock_wait_ms) {
    auto array = store::text_array(keys);
    store::exec_cached(tx,
                       "SELECT set_config('lock_timeout', $2, true) FROM ("
                       " SELECT count(pg_advisory_xact_lock(hashtextextended(k, 7))) AS n FROM ("
                       "  SELECT k FROM unnest($1::text[]) WITH ORDINALITY AS t(k, i) "
                       "  ORDER BY i) ordered) locked",
                       array, std::to_string(lock_wait_ms) + "ms");
}

// Not locked here: the customers' advisory locks keep every other delivery of theirs out, and
// insert_plain_messages' UPDATE locks each row it changes (FOR UPDATE cost a WAL record and a
// dirtied page per row). Planned each time, not prepared: a plan cached while the table was
// small (a new instance) scans the whole table until autovacuum's ANALYZE, and one plan per
// group is cheap.
KnownMap find_known_conversations(pqxx::dbtransaction& tx,
                                  const std::vector<std::optional<std::string>>& customers) {
    auto rows = tx.exec_params(
        "SELECT wa_id, id::text, phone IS NULL OR simulated, profile_name, customer_name "
        "FROM conversations WHERE wa_id = ANY($1::text[])",
        text_array(customers));
    KnownMap known;
    for (const auto& r : rows) {
        known[r[0].as<std::string>()] = {r[1].as<std::string>(), r[2].as<bool>(),
                                         r[3].as<std::string>(), r[4].as<std::string>()};
    }
    return known;
}

void insert_first_contacts(pqxx::dbtransaction& tx,
                           const std::vector<std::optional<std::string>>& new_wa,
                           const std::vector<std::optional<std::string>>& new_phone,
                           const std::vector<std::optional<std::string>>& new_name,
                           KnownMap& known) {
    if (new_wa.empty()) return;
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

std::set<std::string> insert_plain_messages(pqxx::dbtransaction& tx, const PlainMessages& t,
                                            int default_debounce_ms) {
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
        // Their message.created, in the outbox (events/outbox_repo.hpp) in the same statement,
        // as one batch row (up to $13 events each) rather than a row per message: the relay
        // wakes at COMMIT.
        "o AS (INSERT INTO outbox (type, data) "
        " SELECT $12, jsonb_agg(jsonb_build_object('conversation_id', m.conversation_id, "
        "  'message', jsonb_build_object('id', m.id, 'conversation_id', m.conversation_id, "
        "   'direction', 'inbound', 'sender', 'customer', 'type', i.type, 'content', i.content, "
        "   'status', 'received', 'whatsapp_message_id', m.whatsapp_message_id, "
        "   'created_at', m.created_at)) ORDER BY i.ord) "
        " FROM m JOIN input i ON i.wamid = m.whatsapp_message_id "
        " GROUP BY (i.ord - 1) / $13 ORDER BY min(i.ord) RETURNING 1), "
        "r AS (SELECT pg_notify($11, '') FROM (SELECT 1 FROM o LIMIT 1) one) "
        "SELECT whatsapp_message_id, id::text, conversation_id::text, "
        " (SELECT count(*) FROM n) + (SELECT count(*) FROM r), to_json(created_at) #>> '{}' "
        "FROM m",
        text_array(t.conversation), text_array(t.type), text_array(t.content),
        text_array(t.context), text_array(t.wamid), text_array(t.ts), text_array(t.metadata),
        text_array(t.short_text), static_cast<double>(default_debounce_ms), jobs::kChannel,
        events::kOutboxChannel,
        events::kBatchPrefix + std::string(events::name(events::Type::message_created)),
        static_cast<long long>(events::kRowCapacity));
    std::set<std::string> wamids;
    for (const auto& r : stored) wamids.insert(r[0].as<std::string>());
    return wamids;
}

std::vector<CustomerConversation> lock_customer_conversations(pqxx::dbtransaction& tx,
                                                              const CustomerIds& c) {
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
        nullable(c.wa_id), nullable(c.bsuid), c.phone, c.name, c.simulated ? "true" : "false");
    std::vector<CustomerConversation> out;
    for (const auto& row : found) {
        out.push_back({row[0].as<std::string>(), row[1].as<bool>(), row[2].as<bool>()});
    }
    return out;
}

void update_customer(pqxx::dbtransaction& tx, const std::string& id, const CustomerIds& c) {
    store::exec_cached(
        tx,
        "UPDATE conversations SET wa_id = COALESCE(wa_id, $2), "
        " bsuid = COALESCE(bsuid, $3), phone = COALESCE(phone, NULLIF($4, '')), "
        " profile_name = CASE WHEN $5 = '' THEN profile_name ELSE $5 END, "
        " customer_name = CASE WHEN customer_name = '' THEN $5 ELSE customer_name END, "
        // A real message makes a number tried in the simulator a real customer.
        " simulated = simulated AND $6::boolean "
        "WHERE id = $1::uuid",
        id, nullable(c.wa_id), nullable(c.bsuid), c.phone, c.name, c.simulated ? "true" : "false");
}

std::optional<std::string> insert_customer_conversation(pqxx::dbtransaction& tx,
                                                        const CustomerIds& c) {
    auto inserted = store::exec_cached(
        tx,
        "INSERT INTO conversations (wa_id, bsuid, phone, customer_name, profile_name, "
        " simulated) VALUES ($1, $2, NULLIF($3, ''), $4, $4, $5::boolean) "
        "ON CONFLICT DO NOTHING RETURNING id::text",
        nullable(c.wa_id), nullable(c.bsuid), c.phone, c.name, c.simulated ? "true" : "false");
    if (inserted.empty()) return std::nullopt;
    return inserted[0][0].as<std::string>();
}

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

std::optional<StoredMessage> insert_delivered_message(pqxx::dbtransaction& tx,
                                                      const std::string& conversation,
                                                      const whatsapp::InboundMessage& m,
                                                      int default_debounce_ms) {
    std::string ts = timestamp_text(m.timestamp);
    auto metadata = m.raw.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    auto r = store::exec_cached(
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
    if (r.empty()) return std::nullopt;
    StoredMessage stored{r[0][0].as<std::string>(), r[0][1].as<long>(), r[0][2].as<std::string>(),
                         std::nullopt};
    if (!r[0][3].is_null()) stored.payload = r[0][3].as<std::string>();
    return stored;
}

void notify_turn_workers(pqxx::dbtransaction& tx) {
    tx.exec_params("SELECT pg_notify($1, 'conversation_turn')", jobs::kChannel);
}

}  // namespace botflow::conversations
