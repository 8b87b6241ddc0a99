#include "botflow/store/conversation_repo.hpp"

#include <pqxx/pqxx>

#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/store/db.hpp"
#include "botflow/store/rows.hpp"

namespace botflow::store {
namespace {

// A conversation's columns, in the order read_conversation reads them. Times are read as
// PostgreSQL writes them in JSON, which is how the API shows them.
constexpr const char* kConversationColumns = R"SQL(
c.id::text, c.customer_name, c.profile_name, c.wa_id, c.bsuid, c.phone, c.status,
c.ai_enabled, c.simulated, c.assigned_user_id::text, to_json(c.tags)::text, c.notes,
c.unread_count, to_json(c.last_message_at) #>> '{}',
to_json(c.last_customer_message_at) #>> '{}', c.last_message_preview, c.handoff_reason,
c.last_customer_message_at > now() - interval '24 hours',
to_json(c.last_customer_message_at + interval '24 hours') #>> '{}',
to_json(c.created_at) #>> '{}', c.fields::text)SQL";
constexpr int kConversationColumnCount = 21;

Conversation read_conversation(const pqxx::row& r) {
    Conversation c;
    c.id = r[0].as<std::string>();
    c.customer = {r[1].as<std::string>(), r[2].as<std::string>(), text_or_null(r[3]),
                  text_or_null(r[4]), text_or_null(r[5])};
    c.status = r[6].as<std::string>();
    c.ai_enabled = r[7].as<bool>();
    c.simulated = r[8].as<bool>();
    c.assigned_user_id = text_or_null(r[9]);
    c.tags = nlohmann::json::parse(r[10].as<std::string>()).get<std::vector<std::string>>();
    c.notes = r[11].as<std::string>();
    c.unread_count = r[12].as<std::int64_t>();
    c.last_message_at = text_or_null(r[13]);
    c.last_customer_message_at = text_or_null(r[14]);
    c.last_message_preview = r[15].as<std::string>();
    c.handoff_reason = text_or_null(r[16]);
    if (!r[17].is_null()) c.window_open = r[17].as<bool>();
    c.window_expires_at = text_or_null(r[18]);
    c.created_at = r[19].as<std::string>();
    c.fields = nlohmann::json::parse(r[20].as<std::string>());
    return c;
}

// Cursors are opaque to callers: base64url of "<timestamp>|<uuid>".
std::string make_cursor(const std::string& at, const std::string& id) {
    return base64url_encode(at + "|" + id);
}

std::pair<std::string, std::string> read_cursor(const std::string& cursor, const char* field) {
    std::string raw;
    auto bad = [&] {
        return Error(Errc::unprocessable,
                     std::string(field) + " is not a cursor this API gave out.", {},
                     {{field, "is not a valid cursor"}});
    };
    if (!base64url_decode(cursor, raw)) throw bad();
    auto bar = raw.find('|');
    if (bar == std::string::npos || bar == 0 || !is_uuid(raw.substr(bar + 1))) throw bad();
    for (char c : raw.substr(0, bar)) {
        if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == ':' || c == ' ' ||
              c == '.' || c == '+' || c == 'T')) {
            throw bad();
        }
    }
    return {raw.substr(0, bar), raw.substr(bar + 1)};
}

std::string like_pattern(const std::string& q) {
    std::string out = "%";
    for (char c : q) {
        if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out + "%";
}

}  // namespace

ConversationPage list_conversations(pqxx::dbtransaction& tx, const ConversationFilter& f) {
    std::optional<std::string> cursor_at, cursor_id;
    if (f.cursor) {
        auto [at, id] = read_cursor(*f.cursor, "cursor");
        cursor_at = at;
        cursor_id = id;
    }
    std::optional<std::string> ai =
        f.ai_enabled ? std::optional<std::string>(*f.ai_enabled ? "true" : "false") : std::nullopt;
    std::optional<std::string> like =
        f.q ? std::optional<std::string>(like_pattern(*f.q)) : std::nullopt;
    auto rows = tx.exec_params(
        std::string("SELECT ") + kConversationColumns +
            ", COALESCE(c.last_message_at, c.created_at)::text "
            "FROM conversations c WHERE "
            "($1::text IS NULL OR c.status = $1) "
            "AND ($2::boolean IS NULL OR c.ai_enabled = $2::boolean) "
            "AND ($3::text IS NULL OR ($3 = 'none' AND c.assigned_user_id IS NULL) "
            "     OR c.assigned_user_id = NULLIF($3, 'none')::uuid) "
            "AND ($4::text IS NULL OR c.tags @> ARRAY[$4::text]) "
            "AND (NOT $5::boolean OR c.unread_count > 0) "
            "AND ($6::text IS NULL OR (c.customer_name || ' ' || coalesce(c.phone, '')) ILIKE $6 "
            "     OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id "
            "        AND to_tsvector('simple', m.content) @@ websearch_to_tsquery('simple', $7))) "
            "AND ($8::timestamptz IS NULL OR (COALESCE(c.last_message_at, c.created_at), c.id) "
            "     < ($8::timestamptz, $9::uuid)) "
            "ORDER BY COALESCE(c.last_message_at, c.created_at) DESC, c.id DESC LIMIT $10",
        nullable(f.status), nullable(ai), nullable(f.assigned), nullable(f.tag),
        f.unread_only ? "true" : "false", nullable(like), nullable(f.q), nullable(cursor_at),
        nullable(cursor_id), f.limit);
    ConversationPage page;
    for (const auto& row : rows) page.items.push_back(read_conversation(row));
    if (static_cast<int>(rows.size()) == f.limit) {
        const auto& last = rows[rows.size() - 1];
        page.next_cursor =
            make_cursor(last[kConversationColumnCount].as<std::string>(), page.items.back().id);
    }
    return page;
}

std::optional<Conversation> find_conversation(pqxx::dbtransaction& tx, const std::string& id) {
    // One conversation (not the inbox's pages) also says how many messages it holds: an
    // index-only count on (conversation_id, seq).
    auto rows = tx.exec_params(std::string("SELECT ") + kConversationColumns +
                                   ", (SELECT count(*) FROM messages m WHERE m.conversation_id = "
                                   "c.id) FROM conversations c WHERE c.id = $1::uuid",
                               id);
    if (rows.empty()) return std::nullopt;
    auto out = read_conversation(rows[0]);
    out.message_count = rows[0][kConversationColumnCount].as<std::int64_t>();
    return out;
}

std::optional<Conversation> find_conversation_by_wa_id(pqxx::dbtransaction& tx,
                                                       const std::string& wa_id) {
    auto rows = tx.exec_params(
        std::string("SELECT ") + kConversationColumns + " FROM conversations c WHERE c.wa_id = $1",
        wa_id);
    if (rows.empty()) return std::nullopt;
    return read_conversation(rows[0]);
}

bool lock_conversation(pqxx::dbtransaction& tx, const std::string& id) {
    return !tx.exec_params("SELECT 1 FROM conversations WHERE id = $1::uuid FOR UPDATE", id)
                .empty();
}

bool update_conversation(pqxx::dbtransaction& tx, const std::string& id,
                         const ConversationChange& c) {
    std::optional<std::string> ai =
        c.ai_enabled ? std::optional<std::string>(*c.ai_enabled ? "true" : "false") : std::nullopt;
    std::optional<std::string> tags;
    if (c.tags) tags = nlohmann::json(*c.tags).dump();
    auto r = tx.exec_params(
        "UPDATE conversations SET "
        // Switching the AI back on hands the conversation back to it.
        " status = COALESCE($2, CASE WHEN $3::boolean AND status = 'handed_off' "
        "   THEN 'active' ELSE status END),"
        " ai_enabled = COALESCE($3::boolean, ai_enabled),"
        " assigned_user_id = CASE WHEN $4::boolean THEN $5::uuid ELSE assigned_user_id END,"
        " tags = CASE WHEN $6::jsonb IS NULL THEN tags"
        "   ELSE ARRAY(SELECT jsonb_array_elements_text($6::jsonb)) END,"
        " customer_name = COALESCE($7, customer_name),"
        " notes = COALESCE($8, notes),"
        " handoff_reason = CASE WHEN $2 = 'active' OR ($2 IS NULL AND $3::boolean) THEN NULL "
        "   ELSE handoff_reason END,"
        " updated_at = now() "
        "WHERE id = $1::uuid",
        id, nullable(c.status), nullable(ai), c.set_assigned ? "true" : "false",
        nullable(c.assigned_to), nullable(tags), nullable(c.customer_name), nullable(c.notes));
    return r.affected_rows() > 0;
}

void merge_conversation_fields(pqxx::dbtransaction& tx, const std::string& id,
                               const nlohmann::json& fields) {
    tx.exec_params(
        "UPDATE conversations SET fields = fields || $2::jsonb, updated_at = now() "
        "WHERE id = $1::uuid",
        id, fields.dump());
}

void update_for_agent_reply(pqxx::dbtransaction& tx, const std::string& id,
                            const std::string& user_id) {
    tx.exec_params(
        "UPDATE conversations SET ai_enabled = false, unread_count = 0, "
        " assigned_user_id = COALESCE(assigned_user_id, $2::uuid), updated_at = now() "
        "WHERE id = $1::uuid",
        id, user_id);
}

void update_last_message(pqxx::dbtransaction& tx, const std::string& id,
                         const std::string& preview) {
    tx.exec_params(
        "UPDATE conversations SET last_message_at = now(), last_message_preview = $2, "
        " updated_at = now() WHERE id = $1::uuid",
        id, preview);
}

std::vector<WaitingMessage> waiting_messages(pqxx::dbtransaction& tx, const std::string& id,
                                             std::int64_t after_seq, int limit) {
    auto rows = tx.exec_params(
        "SELECT seq, content, COALESCE(whatsapp_message_id, ''), "
        " COALESCE(payload #>> '{reply,id}', ''), COALESCE(payload #>> '{reply,title}', '') "
        "FROM (SELECT seq, content, whatsapp_message_id, payload FROM messages "
        " WHERE conversation_id = $1::uuid AND direction = 'inbound' AND sender = 'customer' "
        "  AND type NOT IN ('reaction', 'revoke', 'unsupported', 'system') "
        "  AND seq > $2 ORDER BY seq DESC LIMIT $3) p ORDER BY seq",
        id, after_seq, limit);
    std::vector<WaitingMessage> out;
    for (const auto& r : rows) {
        out.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
                       r[3].as<std::string>(), r[4].as<std::string>()});
    }
    return out;
}

std::optional<ReplyWindow> find_reply_window(pqxx::dbtransaction& tx, const std::string& id) {
    auto r = tx.exec_params(
        "SELECT simulated, last_customer_message_at IS NOT NULL, "
        " COALESCE(extract(epoch FROM now() - last_customer_message_at)::bigint, 0) "
        "FROM conversations WHERE id = $1::uuid",
        id);
    if (r.empty()) return std::nullopt;
    ReplyWindow w;
    w.simulated = r[0][0].as<bool>();
    if (r[0][1].as<bool>()) w.seconds_since_customer = r[0][2].as<std::int64_t>();
    return w;
}

std::string csv_field(const std::string& value) {
    std::string v = value;
    if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' ||
                       v[0] == '\r')) {
        v.insert(v.begin(), '\'');
    }
    if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
    std::string out = "\"";
    for (char c : v) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    return out + "\"";
}

bool mark_conversation_read(pqxx::dbtransaction& tx, const std::string& id) {
    return tx.exec_params("UPDATE conversations SET unread_count = 0 WHERE id = $1::uuid", id)
               .affected_rows() > 0;
}

std::optional<long> erase_conversation(pqxx::dbtransaction& tx, const std::string& id) {
    if (!lock_conversation(tx, id)) return std::nullopt;
    auto erased = tx.exec_params("DELETE FROM messages WHERE conversation_id = $1::uuid", id);
    tx.exec_params("DELETE FROM flow_gaps WHERE conversation_id = $1::uuid", id);
    tx.exec_params(
        "UPDATE conversations SET customer_name = '', notes = '', tags = '{}', fields = '{}', "
        " last_message_preview = '', unread_count = 0, status = 'archived', updated_at = now() "
        "WHERE id = $1::uuid",
        id);
    // The analytics' daily summaries counted these messages: they are computed again from
    // what is left when next asked for.
    tx.exec("DELETE FROM analytics_days");
    tx.exec("DELETE FROM analytics_day_documents");
    tx.exec("DELETE FROM analytics_day_gaps");
    return static_cast<long>(erased.affected_rows());
}

void hand_off(pqxx::dbtransaction& tx, const std::string& id, const std::string& reason) {
    tx.exec_params(
        "UPDATE conversations SET status = 'handed_off', ai_enabled = false, "
        " handoff_reason = $2, updated_at = now() WHERE id = $1::uuid",
        id, reason);
}

void mark_answered(pqxx::dbtransaction& tx, const std::string& id, std::int64_t seq) {
    tx.exec_params(
        "UPDATE conversations SET ai_answered_seq = GREATEST(ai_answered_seq, $2) "
        "WHERE id = $1::uuid",
        id, seq);
}

std::optional<std::int64_t> find_answered_seq(pqxx::dbtransaction& tx, const std::string& id) {
    auto c = tx.exec_params("SELECT ai_answered_seq FROM conversations WHERE id = $1::uuid", id);
    if (c.empty()) return std::nullopt;
    return c[0][0].as<std::int64_t>();
}

}  // namespace botflow::store
