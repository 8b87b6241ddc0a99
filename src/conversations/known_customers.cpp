// Storing the group's plain messages set-based (store_known_customers): the webhook's hot
// path, a fixed number of statements whatever the number of messages.
#include <algorithm>
#include <map>
#include <pqxx/pqxx>
#include <set>

#include "botflow/conversations/inbox.hpp"
#include "botflow/events/outbox_repo.hpp"
#include "botflow/jobs/job_repo.hpp"
#include "botflow/store/db.hpp"
#include "botflow/store/prepared.hpp"
#include "botflow/whatsapp/text.hpp"
#include "conversations/inbox_rows.hpp"

namespace botflow::conversations {

using whatsapp::InboundMessage;
using whatsapp::WebhookBatch;

namespace {

using store::text_array;

struct Candidate {
    const InboundMessage* m;
    StoreResult* result;
};

// A customer's conversation, with what it holds about them.
struct Known {
    std::string id;
    bool stale;
    std::string profile_name, customer_name;
};
using KnownMap = std::map<std::string, Known>;  // by wa_id

// A customer is taken whole or not at all: when any of their messages in the group needs
// the general path (media, an echo, a business-scoped id, the simulator), all of theirs
// take it, in delivery order, so their thread order, names and preview end as one by one.
bool plain(const WebhookBatch& batch, const InboundMessage& m) {
    return !batch.simulated && !m.echo && !m.media_id && m.payload.is_null() &&
           !m.customer_wa_id.empty() && m.customer_bsuid.empty() && !m.wamid.empty();
}

// The group's plain messages from customers none of whose messages needs the general path;
// `general` gets the customers whose messages do.
std::vector<Candidate> plain_candidates(const std::vector<const WebhookBatch*>& batches,
                                        const std::vector<StoreResult*>& results,
                                        std::set<std::string>& general) {
    for (const auto* batch : batches) {
        for (const auto& m : batch->messages) {
            if (!plain(*batch, m) && !m.customer_wa_id.empty()) general.insert(m.customer_wa_id);
        }
    }
    std::vector<Candidate> candidates;
    for (std::size_t b = 0; b < batches.size(); ++b) {
        for (const auto& m : batches[b]->messages) {
            if (!plain(*batches[b], m) || general.count(m.customer_wa_id)) continue;
            candidates.push_back({&m, results[b]});
        }
    }
    return candidates;
}

// Their conversations, with what they hold about the customer. Not locked here: the
// customers' advisory locks keep every other delivery of theirs out, and the UPDATE below
// locks each row it changes (FOR UPDATE cost a WAL record and a dirtied page per row).
// Planned each time, not prepared: a plan cached while the table was small (a new
// instance) scans the whole table until autovacuum's ANALYZE, and one plan per group is
// cheap.
KnownMap known_conversations(pqxx::dbtransaction& tx, const std::vector<Candidate>& candidates) {
    std::vector<std::optional<std::string>> customers;
    for (const auto& c : candidates) customers.emplace_back(c.m->customer_wa_id);
    std::sort(customers.begin(), customers.end());
    customers.erase(std::unique(customers.begin(), customers.end()), customers.end());
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

// Anything to record about a customer (a number, a new name) sends all of their messages
// to the general path too. A first contact is taken when all of their messages carry the
// same name, which their new conversation then holds: returned with that name.
std::map<std::string, std::string> first_contacts(const std::vector<Candidate>& candidates,
                                                  const KnownMap& known,
                                                  std::set<std::string>& general) {
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
    return first_names;
}

// First contacts: their conversations, in one statement too. A conflict (the number is
// another conversation's phone) leaves that customer to the general path.
void create_conversations(pqxx::dbtransaction& tx,
                          const std::map<std::string, std::string>& first_names,
                          const std::set<std::string>& general, KnownMap& known) {
    std::vector<std::optional<std::string>> new_wa, new_phone, new_name;
    for (const auto& [wa, name] : first_names) {
        if (general.count(wa)) continue;
        new_wa.emplace_back(wa);
        new_phone.emplace_back("+" + wa);
        new_name.emplace_back(name);
    }
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
}

// The messages taken, one array per column (each a statement parameter), and the ones found to
// be re-deliveries within the group.
struct Taken {
    std::vector<Candidate> taken;
    std::vector<const InboundMessage*> done;
    std::vector<std::optional<std::string>> conversation, type, content, context, wamid, ts,
        metadata, short_text;
};

Taken take(const std::vector<Candidate>& candidates, const KnownMap& known,
           const std::set<std::string>& general) {
    Taken t;
    std::set<std::string> wamids;
    for (const auto& c : candidates) {
        const auto& m = *c.m;
        auto k = known.find(m.customer_wa_id);
        if (general.count(m.customer_wa_id) || k == known.end()) continue;
        if (!wamids.insert(m.wamid).second) {
            // The same wamid twice in one group: Meta re-delivered it.
            ++c.result->duplicates;
            t.done.push_back(c.m);
            continue;
        }
        t.taken.push_back(c);
        t.conversation.emplace_back(k->second.id);
        t.type.emplace_back(m.type);
        t.content.emplace_back(m.content);
        t.context.emplace_back(m.context_id);
        t.wamid.emplace_back(m.wamid);
        t.ts.emplace_back(timestamp_text(m.timestamp));
        t.metadata.emplace_back(
            m.raw.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        t.short_text.emplace_back(whatsapp::message_preview(m.content));
    }
    return t;
}

// The messages, their conversations' counters (once per conversation) and the turns' jobs,
// in one statement.
pqxx::result insert_messages(pqxx::dbtransaction& tx, const Taken& t, int default_debounce_ms) {
    return store::exec_cached(
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
        text_array(t.conversation), text_array(t.type), text_array(t.content),
        text_array(t.context), text_array(t.wamid), text_array(t.ts), text_array(t.metadata),
        text_array(t.short_text), static_cast<double>(default_debounce_ms), jobs::kChannel,
        events::kOutboxChannel, std::string(events::name(events::Type::message_created)));
}

// Counts each message taken as stored (its message.created is in the outbox already) or as a
// re-delivery.
void count_stored(const pqxx::result& stored, Taken& t) {
    std::set<std::string> stored_wamids;
    for (const auto& r : stored) stored_wamids.insert(r[0].as<std::string>());
    for (const auto& c : t.taken) {
        t.done.push_back(c.m);
        if (!stored_wamids.count(c.m->wamid)) {
            ++c.result->duplicates;
            continue;
        }
        ++c.result->stored;
    }
}

}  // namespace

std::vector<const InboundMessage*> store_known_customers(
    pqxx::dbtransaction& tx, const std::vector<const WebhookBatch*>& batches,
    const std::vector<StoreResult*>& results, int default_debounce_ms) {
    std::set<std::string> general;
    auto candidates = plain_candidates(batches, results, general);
    if (candidates.empty()) return {};
    auto known = known_conversations(tx, candidates);
    auto first_names = first_contacts(candidates, known, general);
    create_conversations(tx, first_names, general, known);
    auto t = take(candidates, known, general);
    if (t.taken.empty()) {
        std::sort(t.done.begin(), t.done.end());
        return t.done;
    }
    auto stored = insert_messages(tx, t, default_debounce_ms);
    count_stored(stored, t);
    std::sort(t.done.begin(), t.done.end());
    return t.done;
}

}  // namespace botflow::conversations
