#include "botflow/store/conversation_repo.hpp"

#include <pqxx/pqxx>

#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/store/db.hpp"
#include "botflow/store/user_repo.hpp"

namespace botflow::store {
namespace {

// One JSON object per conversation, built by PostgreSQL.
constexpr const char* kConversationJson = R"SQL(
json_build_object(
  'id', c.id,
  'customer', json_build_object('name', c.customer_name, 'profile_name', c.profile_name,
                                'wa_id', c.wa_id, 'bsuid', c.bsuid, 'phone', c.phone),
  'status', c.status,
  'ai_enabled', c.ai_enabled,
  'simulated', c.simulated,
  'assigned_user_id', c.assigned_user_id,
  'tags', to_json(c.tags),
  'notes', c.notes,
  'unread_count', c.unread_count,
  'last_message_at', c.last_message_at,
  'last_customer_message_at', c.last_customer_message_at,
  'last_message_preview', c.last_message_preview,
  'handoff_reason', c.handoff_reason,
  'window_open', c.last_customer_message_at > now() - interval '24 hours',
  'window_expires_at', c.last_customer_message_at + interval '24 hours',
  'created_at', c.created_at
)::text)SQL";

constexpr const char* kMessageJson = R"SQL(
json_build_object(
  'id', m.id, 'conversation_id', m.conversation_id, 'direction', m.direction,
  'sender', m.sender, 'sender_user_id', m.sender_user_id, 'type', m.type,
  'content', m.content, 'payload', m.payload,
  'media', CASE WHEN m.media_id IS NULL THEN NULL ELSE json_build_object(
      'id', m.media_id, 'mime_type', m.media_mime_type, 'filename', m.media_filename,
      'sha256', m.media_sha256, 'size', m.media_size,
      'downloaded', EXISTS (SELECT 1 FROM message_media mm WHERE mm.message_id = m.id),
      'url', '/api/messages/' || m.id || '/media') END,
  'context_message_id', m.context_message_id, 'whatsapp_message_id', m.whatsapp_message_id,
  'status', m.status, 'sent_at', m.sent_at, 'delivered_at', m.delivered_at,
  'read_at', m.read_at, 'played_at', m.played_at, 'failed_at', m.failed_at,
  'error', CASE WHEN m.error_code IS NULL AND m.error_title IS NULL
                 AND m.error_reason IS NULL THEN NULL
      ELSE json_build_object('code', m.error_code, 'title', m.error_title,
                             'detail', m.error_detail, 'reason', m.error_reason) END,
  'ai', CASE WHEN m.ai_mode IS NULL AND m.ai_model IS NULL THEN NULL ELSE json_build_object(
      'mode', m.ai_mode, 'model', m.ai_model, 'prompt_tokens', m.prompt_tokens,
      'completion_tokens', m.completion_tokens, 'cost_usd', m.cost_usd,
      'processing_ms', m.processing_ms, 'first_token_ms', m.first_token_ms,
      'sources_url', CASE WHEN m.ai_mode IN ('llm', 'extractive')
                     THEN '/api/messages/' || m.id || '/sources' END) END,
  'created_at', m.created_at, 'seq', m.seq
)::text)SQL";

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

nlohmann::json list_conversations(pqxx::dbtransaction& tx, const ConversationFilter& f) {
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
        std::string("SELECT ") + kConversationJson +
            ", COALESCE(c.last_message_at, c.created_at)::text, c.id::text "
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
    nlohmann::json items = nlohmann::json::array();
    for (const auto& row : rows) items.push_back(nlohmann::json::parse(row[0].as<std::string>()));
    nlohmann::json out{{"items", items}, {"next_cursor", nullptr}};
    if (static_cast<int>(rows.size()) == f.limit) {
        const auto& last = rows[rows.size() - 1];
        out["next_cursor"] = make_cursor(last[1].as<std::string>(), last[2].as<std::string>());
    }
    return out;
}

std::optional<nlohmann::json> find_conversation(pqxx::dbtransaction& tx, const std::string& id) {
    // One conversation (not the inbox's pages) also says how many messages it holds: an
    // index-only count on (conversation_id, seq).
    auto rows = tx.exec_params(std::string("SELECT ") + kConversationJson +
                                   ", (SELECT count(*) FROM messages m WHERE m.conversation_id = "
                                   "c.id) FROM conversations c WHERE c.id = $1::uuid",
                               id);
    if (rows.empty()) return std::nullopt;
    auto out = nlohmann::json::parse(rows[0][0].as<std::string>());
    out["message_count"] = rows[0][1].as<long long>();
    return out;
}

namespace {

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

nlohmann::json list_messages(pqxx::dbtransaction& tx, const std::string& conversation_id,
                             const MessagePage& page) {
    auto before = read_seq_cursor(page.before, "before");
    auto after = read_seq_cursor(page.after, "after");
    bool newer = after.has_value();
    // Pages follow arrival order (seq): older pages walk back from the cursor (or the newest
    // message), newer pages forward from it.
    std::string sql = std::string("SELECT ") + kMessageJson +
                      ", m.seq::text FROM messages m WHERE m.conversation_id = $1::uuid AND " +
                      (newer ? "m.seq > $2::bigint ORDER BY m.seq LIMIT $3"
                             : "($2::bigint IS NULL OR m.seq < $2::bigint) "
                               "ORDER BY m.seq DESC LIMIT $3");
    auto rows =
        tx.exec_params(sql, conversation_id,
                       newer ? after->c_str() : (before ? before->c_str() : nullptr), page.limit);
    std::vector<pqxx::row> ordered(rows.begin(), rows.end());
    if (!newer) std::reverse(ordered.begin(), ordered.end());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& row : ordered)
        items.push_back(nlohmann::json::parse(row[0].as<std::string>()));
    nlohmann::json out{{"items", items}, {"older_cursor", nullptr}, {"newer_cursor", nullptr}};
    // newer_cursor is always given, so a client can poll for what arrives next; older_cursor
    // only while older messages may exist.
    if (ordered.empty()) {
        if (newer) out["newer_cursor"] = *page.after;
        return out;
    }
    auto cursor_of = [](const pqxx::row& row) {
        return base64url_encode(row[1].as<std::string>());
    };
    bool full = static_cast<int>(ordered.size()) == page.limit;
    if (newer || full) out["older_cursor"] = cursor_of(ordered.front());
    out["newer_cursor"] = cursor_of(ordered.back());
    return out;
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

nlohmann::json all_messages(pqxx::dbtransaction& tx, const std::string& conversation_id) {
    auto rows = tx.exec_params(std::string("SELECT ") + kMessageJson +
                                   " FROM messages m WHERE m.conversation_id = $1::uuid "
                                   "ORDER BY m.seq",
                               conversation_id);
    nlohmann::json items = nlohmann::json::array();
    for (const auto& row : rows) items.push_back(nlohmann::json::parse(row[0].as<std::string>()));
    return items;
}

nlohmann::json messages_by_id(pqxx::dbtransaction& tx, const std::vector<std::string>& ids) {
    nlohmann::json items = nlohmann::json::array();
    // Built once, by appending: GCC 12 warns (falsely) about a chain of + on a temporary.
    std::string sql = "SELECT ";
    sql += kMessageJson;
    sql += " FROM messages m WHERE m.id = $1::uuid";
    for (const auto& id : ids) {
        auto rows = tx.exec_params(sql, id);
        if (!rows.empty()) items.push_back(nlohmann::json::parse(rows[0][0].as<std::string>()));
    }
    return items;
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
    auto found = tx.exec_params("SELECT 1 FROM conversations WHERE id = $1::uuid FOR UPDATE", id);
    if (found.empty()) return std::nullopt;
    auto erased = tx.exec_params("DELETE FROM messages WHERE conversation_id = $1::uuid", id);
    tx.exec_params(
        "UPDATE conversations SET customer_name = '', notes = '', tags = '{}', "
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

}  // namespace botflow::store
