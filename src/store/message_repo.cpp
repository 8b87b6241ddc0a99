#include "botflow/store/message_repo.hpp"

#include <algorithm>
#include <pqxx/pqxx>

#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/store/db.hpp"
#include "botflow/store/prepared.hpp"
#include "botflow/store/rows.hpp"

namespace botflow::store {
namespace {

// A message's columns, in the order read_message reads them. Times are read as PostgreSQL
// writes them in JSON, which is how the API shows them.
constexpr const char* kMessageColumns = R"SQL(
m.id::text, m.conversation_id::text, m.direction, m.sender, m.sender_user_id::text, m.type,
m.content, m.payload::text, m.media_id, m.media_mime_type, m.media_filename, m.media_sha256,
m.media_size, m.media_id IS NOT NULL AND EXISTS (
  SELECT 1 FROM message_media mm WHERE mm.message_id = m.id),
m.context_message_id, m.whatsapp_message_id, m.status, to_json(m.sent_at) #>> '{}',
to_json(m.delivered_at) #>> '{}', to_json(m.read_at) #>> '{}', to_json(m.played_at) #>> '{}',
to_json(m.failed_at) #>> '{}', m.error_code, m.error_title, m.error_detail, m.error_reason,
m.ai_mode, m.ai_model, m.prompt_tokens, m.completion_tokens, m.cost_usd, m.processing_ms,
m.first_token_ms, to_json(m.created_at) #>> '{}', m.seq)SQL";

std::string message_select(const char* rest) {
    // Built by appending: GCC 12 warns (falsely) about a chain of + on a temporary.
    std::string sql = "SELECT ";
    sql += kMessageColumns;
    sql += " FROM messages m ";
    sql += rest;
    return sql;
}

std::optional<MessageMedia> read_media(const pqxx::row& r) {
    if (r[8].is_null()) return std::nullopt;
    return MessageMedia{r[8].as<std::string>(), text_or_null(r[9]), text_or_null(r[10]),
                        text_or_null(r[11]),    int_or_null(r[12]), r[13].as<bool>()};
}

std::optional<MessageError> read_error(const pqxx::row& r) {
    MessageError e{text_or_null(r[22]), text_or_null(r[23]), text_or_null(r[24]),
                   text_or_null(r[25])};
    if (!e.code && !e.title && !e.reason) return std::nullopt;
    return e;
}

std::optional<MessageAi> read_ai(const pqxx::row& r) {
    MessageAi ai{text_or_null(r[26]), text_or_null(r[27]), int_or_null(r[28]), int_or_null(r[29]),
                 std::nullopt,        int_or_null(r[31]),  int_or_null(r[32])};
    if (!ai.mode && !ai.model) return std::nullopt;
    if (!r[30].is_null()) ai.cost_usd = r[30].as<double>();
    return ai;
}

Message read_message(const pqxx::row& r) {
    Message m;
    m.id = r[0].as<std::string>();
    m.conversation_id = r[1].as<std::string>();
    m.direction = r[2].as<std::string>();
    m.sender = r[3].as<std::string>();
    m.sender_user_id = text_or_null(r[4]);
    m.type = r[5].as<std::string>();
    m.content = r[6].as<std::string>();
    if (!r[7].is_null()) m.payload = nlohmann::json::parse(r[7].as<std::string>());
    m.media = read_media(r);
    m.context_message_id = text_or_null(r[14]);
    m.whatsapp_message_id = text_or_null(r[15]);
    m.status = r[16].as<std::string>();
    m.sent_at = text_or_null(r[17]);
    m.delivered_at = text_or_null(r[18]);
    m.read_at = text_or_null(r[19]);
    m.played_at = text_or_null(r[20]);
    m.failed_at = text_or_null(r[21]);
    m.error = read_error(r);
    m.ai = read_ai(r);
    m.created_at = r[33].as<std::string>();
    m.seq = r[34].as<std::int64_t>();
    return m;
}

std::optional<Message> first(const pqxx::result& rows) {
    if (rows.empty()) return std::nullopt;
    return read_message(rows[0]);
}

std::optional<std::string> read_seq_cursor(const std::optional<std::string>& cursor,
                                           const char* field) {
    if (!cursor) return std::nullopt;
    std::string raw;
    bool ok = base64url_decode(*cursor, raw) && !raw.empty() && raw.size() <= 18 &&
              raw.find_first_not_of("0123456789") == std::string::npos;
    if (!ok) {
        throw Error(Errc::unprocessable, std::string(field) + " is not a cursor this API gave out.",
                    {}, {{field, "is not a valid cursor"}});
    }
    return raw;
}

}  // namespace

MessagePage list_messages(pqxx::dbtransaction& tx, const std::string& conversation_id,
                          const MessageQuery& query) {
    auto before = read_seq_cursor(query.before, "before");
    auto after = read_seq_cursor(query.after, "after");
    bool newer = after.has_value();
    // Pages follow arrival order (seq): older pages walk back from the cursor (or the newest
    // message), newer pages forward from it.
    auto sql = message_select(newer ? "WHERE m.conversation_id = $1::uuid AND "
                                      "m.seq > $2::bigint ORDER BY m.seq LIMIT $3"
                                    : "WHERE m.conversation_id = $1::uuid AND "
                                      "($2::bigint IS NULL OR m.seq < $2::bigint) "
                                      "ORDER BY m.seq DESC LIMIT $3");
    auto rows =
        tx.exec_params(sql, conversation_id,
                       newer ? after->c_str() : (before ? before->c_str() : nullptr), query.limit);
    MessagePage page;
    for (const auto& row : rows) page.items.push_back(read_message(row));
    if (!newer) std::reverse(page.items.begin(), page.items.end());
    if (page.items.empty()) {
        if (newer) page.newer_cursor = *query.after;
        return page;
    }
    auto cursor_of = [](const Message& m) { return base64url_encode(std::to_string(m.seq)); };
    bool full = static_cast<int>(page.items.size()) == query.limit;
    if (newer || full) page.older_cursor = cursor_of(page.items.front());
    page.newer_cursor = cursor_of(page.items.back());
    return page;
}

std::vector<Message> list_all_messages(pqxx::dbtransaction& tx,
                                       const std::string& conversation_id) {
    auto rows = tx.exec_params(message_select("WHERE m.conversation_id = $1::uuid ORDER BY m.seq"),
                               conversation_id);
    std::vector<Message> out;
    for (const auto& row : rows) out.push_back(read_message(row));
    return out;
}

std::vector<Message> messages_by_id(pqxx::dbtransaction& tx, const std::vector<std::string>& ids) {
    std::vector<Message> out;
    for (const auto& id : ids) {
        if (auto m = find_message(tx, id)) out.push_back(std::move(*m));
    }
    return out;
}

std::optional<Message> find_message(pqxx::dbtransaction& tx, const std::string& id) {
    return first(tx.exec_params(message_select("WHERE m.id = $1::uuid"), id));
}

std::optional<Message> find_message_in_conversation(pqxx::dbtransaction& tx,
                                                    const std::string& conversation_id,
                                                    const std::string& id) {
    return first(
        tx.exec_params(message_select("WHERE m.id = $1::uuid AND m.conversation_id = $2::uuid"), id,
                       conversation_id));
}

std::optional<Message> find_message_by_wamid(pqxx::dbtransaction& tx, const std::string& wamid) {
    return first(tx.exec_params(message_select("WHERE m.whatsapp_message_id = $1"), wamid));
}

std::optional<std::string> find_last_inbound_wamid(pqxx::dbtransaction& tx,
                                                   const std::string& conversation_id) {
    auto last = tx.exec_params(
        "SELECT m.whatsapp_message_id FROM messages m "
        "JOIN conversations c ON c.id = m.conversation_id "
        "WHERE m.conversation_id = $1::uuid AND m.direction = 'inbound' AND NOT c.simulated "
        " AND m.whatsapp_message_id IS NOT NULL "
        " AND m.created_at > now() - interval '30 days' "
        "ORDER BY m.seq DESC LIMIT 1",
        conversation_id);
    if (last.empty()) return std::nullopt;
    return last[0][0].as<std::string>();
}

std::optional<std::string> insert_queued_message(pqxx::dbtransaction& tx, const QueuedRow& q) {
    // A message to a simulator conversation is marked so when it is stored: it never goes to
    // WhatsApp, whatever becomes of the conversation before it is sent.
    auto r = tx.exec_params(
        "INSERT INTO messages (conversation_id, direction, sender, sender_user_id, type, "
        " content, payload, context_message_id, status, metadata) "
        "SELECT id, 'outbound', $2, $3::uuid, $4, $5, $6::jsonb, $7, 'queued', "
        " CASE WHEN simulated THEN '{\"simulated\": true}'::jsonb ELSE '{}' END "
        "FROM conversations WHERE id = $1::uuid RETURNING id",
        q.conversation_id, q.sender, nullable(q.sender_user_id), q.type, q.content,
        q.payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
        nullable(q.context_message_id));
    if (r.empty()) return std::nullopt;
    return r[0][0].as<std::string>();
}

std::optional<OutboundMessage> find_outbound_message(pqxx::dbtransaction& tx,
                                                     const std::string& id) {
    auto r = tx.exec_params(
        "SELECT m.id, m.status, m.whatsapp_message_id, m.content, m.context_message_id, "
        " COALESCE(c.wa_id, ''), COALESCE(c.bsuid, ''), "
        " COALESCE((m.metadata->>'simulated')::boolean, false), m.payload::text, "
        " (SELECT r.whatsapp_message_id FROM messages r "
        "   WHERE r.id::text = m.payload->>'message_id' AND m.type = 'reaction') "
        "FROM messages m JOIN conversations c ON c.id = m.conversation_id "
        "WHERE m.id = $1::uuid AND m.direction = 'outbound'",
        id);
    if (r.empty()) return std::nullopt;
    OutboundMessage o;
    o.id = r[0][0].as<std::string>();
    o.status = r[0][1].as<std::string>();
    o.whatsapp_message_id = text_or_null(r[0][2]);
    o.content = r[0][3].as<std::string>();
    o.context_message_id = text_or_null(r[0][4]);
    o.wa_id = r[0][5].as<std::string>();
    o.bsuid = r[0][6].as<std::string>();
    o.simulated = r[0][7].as<bool>();
    if (!r[0][8].is_null()) o.payload = nlohmann::json::parse(r[0][8].as<std::string>());
    o.reaction_wamid = text_or_null(r[0][9]);
    return o;
}

bool mark_message_failed(pqxx::dbtransaction& tx, const std::string& id,
                         const MessageError& error) {
    auto r = tx.exec_params(
        "UPDATE messages SET status = 'failed', failed_at = now(), error_code = $2, "
        " error_title = $3, error_detail = $4, error_reason = $5 "
        "WHERE id = $1::uuid AND status = 'queued'",
        id, nullable(error.code), nullable(error.title), nullable(error.detail),
        nullable(error.reason));
    return r.affected_rows() > 0;
}

bool mark_message_sent(pqxx::dbtransaction& tx, const std::string& id, const std::string& wamid) {
    tx.exec_params("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", "id:" + wamid);
    auto r = tx.exec_params(
        "UPDATE messages SET whatsapp_message_id = $2, "
        " status = CASE WHEN botflow_status_rank(status) < botflow_status_rank('sent') "
        "   THEN 'sent' ELSE status END, sent_at = COALESCE(sent_at, now()) "
        "WHERE id = $1::uuid AND whatsapp_message_id IS NULL",
        id, wamid);
    return r.affected_rows() > 0;
}

bool mark_simulated_delivered(pqxx::dbtransaction& tx, const std::string& id) {
    return tx.exec_params(
                 "UPDATE messages SET status = 'delivered', sent_at = now(), "
                 " delivered_at = now(), "
                 " whatsapp_message_id = 'simulator.' || id "
                 "WHERE id = $1::uuid AND status = 'queued'",
                 id)
               .affected_rows() > 0;
}

std::optional<StatusApplied> update_message_status(pqxx::dbtransaction& tx, const StatusChange& s,
                                                   const std::string& reason) {
    auto r =
        exec_cached(tx,
                    "UPDATE messages SET "
                    " status = CASE WHEN status = 'failed' THEN status"
                    "   WHEN $2 = 'failed' THEN 'failed'"
                    "   WHEN botflow_status_rank(CASE WHEN $2 = 'played' THEN 'read' ELSE $2 END)"
                    "        > botflow_status_rank(status)"
                    "   THEN CASE WHEN $2 = 'played' THEN 'read' ELSE $2 END ELSE status END,"
                    " sent_at = CASE WHEN $2 IN ('sent', 'delivered', 'read', 'played')"
                    "   THEN COALESCE(sent_at, $3::timestamptz) ELSE sent_at END,"
                    " delivered_at = CASE WHEN $2 IN ('delivered', 'read', 'played')"
                    "   THEN COALESCE(delivered_at, $3::timestamptz) ELSE delivered_at END,"
                    " read_at = CASE WHEN $2 IN ('read', 'played')"
                    "   THEN COALESCE(read_at, $3::timestamptz) ELSE read_at END,"
                    " played_at = CASE WHEN $2 = 'played' THEN COALESCE(played_at, $3::timestamptz)"
                    "   ELSE played_at END,"
                    " failed_at = CASE WHEN $2 = 'failed' THEN COALESCE(failed_at, $3::timestamptz)"
                    "   ELSE failed_at END,"
                    " error_code = CASE WHEN $2 = 'failed' THEN $4 ELSE error_code END,"
                    " error_title = CASE WHEN $2 = 'failed' THEN $5 ELSE error_title END,"
                    " error_detail = CASE WHEN $2 = 'failed' THEN $6 ELSE error_detail END, "
                    " error_reason = CASE WHEN $2 = 'failed' THEN $7 ELSE error_reason END "
                    "WHERE whatsapp_message_id = $1 AND direction = 'outbound' "
                    "RETURNING id::text, conversation_id::text, status, error_reason",
                    s.wamid, s.status, s.at, nullable(s.error_code), nullable(s.error_title),
                    nullable(s.error_detail), reason);
    if (r.empty()) return std::nullopt;
    return StatusApplied{r[0][0].as<std::string>(), r[0][1].as<std::string>(),
                         r[0][2].as<std::string>(), text_or_null(r[0][3])};
}

void insert_pending_status(pqxx::dbtransaction& tx, const StatusChange& s) {
    exec_cached(tx,
                "INSERT INTO pending_statuses (whatsapp_message_id, status, at, error_code, "
                " error_title, error_detail) VALUES ($1, $2, $3::timestamptz, $4, $5, $6) "
                "ON CONFLICT DO NOTHING",
                s.wamid, s.status, s.at, nullable(s.error_code), nullable(s.error_title),
                nullable(s.error_detail));
}

std::vector<StatusChange> take_pending_statuses(pqxx::dbtransaction& tx, const std::string& wamid) {
    auto rows = exec_cached(tx,
                            "DELETE FROM pending_statuses WHERE whatsapp_message_id = $1 "
                            "RETURNING status, at::text, error_code, error_title, error_detail",
                            wamid);
    std::vector<StatusChange> out;
    for (const auto& row : rows) {
        out.push_back({wamid, row[0].as<std::string>(), row[1].as<std::string>(),
                       text_or_null(row[2]), text_or_null(row[3]), text_or_null(row[4])});
    }
    return out;
}

long delete_pending_statuses_before(pqxx::dbtransaction& tx, std::chrono::hours keep) {
    return static_cast<long>(
        tx.exec_params("DELETE FROM pending_statuses WHERE received_at < now() - "
                       "make_interval(hours => $1)",
                       static_cast<int>(keep.count()))
            .affected_rows());
}

}  // namespace botflow::store
