#include "botflow/events/outbox_repo.hpp"

#include <pqxx/pqxx>
#include <stdexcept>
#include <string>

#include "botflow/store/db.hpp"
#include "botflow/store/prepared.hpp"

namespace botflow::events {
namespace {

using nlohmann::json;

}  // namespace

void stage(pqxx::dbtransaction& tx, const std::vector<Event>& events) {
    if (events.empty()) return;
    std::vector<std::string> types, data;
    std::vector<std::optional<std::string>> conversations;
    for (const auto& e : events) {
        if (!durable(e.type)) {
            throw std::invalid_argument(std::string(name(e.type)) + " is not a durable event");
        }
        types.emplace_back(name(e.type));
        conversations.push_back(e.conversation_id);
        data.push_back(e.data.dump(-1, ' ', false, json::error_handler_t::replace));
    }
    // The relay wakes at COMMIT, once per transaction (PostgreSQL folds identical
    // notifications), in the same statement to save a round trip.
    store::exec_cached(tx,
                       "WITH i AS (INSERT INTO outbox (type, conversation_id, data) "
                       " SELECT t, c, d::jsonb FROM unnest($1::text[], $2::uuid[], $3::text[]) "
                       "  WITH ORDINALITY AS u(t, c, d, n) ORDER BY n RETURNING 1) "
                       "SELECT pg_notify($4, '') FROM (SELECT 1 FROM i LIMIT 1) one",
                       store::text_array(types), store::text_array(conversations),
                       store::text_array(data), kOutboxChannel);
}

void stage(pqxx::dbtransaction& tx, const Event& event) { stage(tx, std::vector<Event>{event}); }

Unpublished unpublished(pqxx::dbtransaction& tx, int limit) {
    // Only the types this version knows: a newer version's events (a rolling deploy) wait for a
    // relay of that version instead of filling this one's batches.
    std::vector<std::string> known;
    for (auto t : kTypes) {
        known.emplace_back(name(t));
        known.push_back(kBatchPrefix + std::string(name(t)));
    }
    auto r = store::exec_cached(tx,
                                "SELECT id, type, conversation_id::text, data::text, "
                                " (EXTRACT(epoch FROM created_at) * 1000)::bigint FROM outbox "
                                "WHERE type = ANY($2::text[]) ORDER BY id LIMIT $1",
                                limit, store::text_array(known));
    Unpublished out;
    for (const auto& row : r) {
        auto id = row[0].as<std::int64_t>();
        auto type = row[1].as<std::string>();
        bool batch = type.rfind(kBatchPrefix, 0) == 0;
        auto parsed = parse_type(batch ? type.substr(std::string_view(kBatchPrefix).size()) : type);
        auto data = json::parse(row[3].as<std::string>(), nullptr, false);
        auto ts = row[4].as<std::int64_t>();
        out.rows.push_back(id);
        if (!batch) {
            Event e{*parsed, std::move(data)};
            if (!row[2].is_null()) e.conversation_id = row[2].as<std::string>();
            e.id = id << kRowShift;
            e.ts = ts;
            out.events.push_back(std::move(e));
            continue;
        }
        if (!data.is_array()) continue;  // not written by this server: nothing to publish
        std::int64_t place = 0;
        for (auto& item : data) {
            Event e{*parsed, std::move(item)};
            if (e.data.contains("conversation_id") && e.data["conversation_id"].is_string()) {
                e.conversation_id = e.data["conversation_id"].get<std::string>();
            }
            e.id = (id << kRowShift) + place++;
            e.ts = ts;
            out.events.push_back(std::move(e));
        }
    }
    return out;
}

void mark_published(pqxx::dbtransaction& tx, const std::vector<std::int64_t>& rows) {
    if (rows.empty()) return;
    // Deleted rather than flagged: no second version of each row, no index to keep.
    store::exec_cached(tx, "DELETE FROM outbox WHERE id = ANY($1::bigint[])",
                       store::int_array(std::vector<long long>(rows.begin(), rows.end())));
}

void commit_without_flush(pqxx::dbtransaction& tx) {
    tx.exec("SET LOCAL synchronous_commit = off");
}

bool try_lead_relay(pqxx::transaction_base& tx) {
    return tx.exec_params("SELECT pg_try_advisory_lock($1)", kRelayLock)[0][0].as<bool>();
}

}  // namespace botflow::events
