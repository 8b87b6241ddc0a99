#include "ai/turn_repo.hpp"

#include <pqxx/pqxx>

#include "botflow/store/conversation_repo.hpp"
#include "botflow/store/db.hpp"
#include "botflow/store/rows.hpp"

namespace botflow::ai {
namespace {

using nlohmann::json;

constexpr const char* kTurnColumns =
    "SELECT id, state, mode, answer, handoff_reason, details::text, citations::text "
    "FROM ai_turns ";

Turn read_turn(const pqxx::row& r) {
    Turn t;
    t.id = r[0].as<std::int64_t>();
    t.state = r[1].as<std::string>();
    if (!r[2].is_null()) t.mode = parse_mode(r[2].as<std::string>());
    if (!r[3].is_null()) t.answer = r[3].as<std::string>();
    if (!r[4].is_null()) t.handoff_reason = r[4].as<std::string>();
    t.details = json::parse(r[5].as<std::string>());
    t.citations = json::parse(r[6].as<std::string>());
    return t;
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// PostgreSQL's array literal of `ids`: {a,b}.
std::string uuid_array(const std::vector<std::string>& ids) {
    std::string literal = "{";
    for (const auto& id : ids) literal += (literal.size() > 1 ? "," : "") + id;
    literal += "}";
    return literal;
}

}  // namespace

std::optional<ConversationState> find_conversation_state(pqxx::dbtransaction& tx,
                                                         const std::string& conversation) {
    auto c = tx.exec_params(
        "SELECT ai_enabled, status, simulated, customer_name, ai_answered_seq "
        "FROM conversations WHERE id = $1::uuid",
        conversation);
    if (c.empty()) return std::nullopt;
    return ConversationState{c[0][0].as<bool>(), c[0][1].as<std::string>(), c[0][2].as<bool>(),
                             c[0][3].as<std::string>(), c[0][4].as<std::int64_t>()};
}

bool lock_open_for_ai(pqxx::dbtransaction& tx, const std::string& conversation,
                      std::int64_t through) {
    auto c = tx.exec_params(
        "SELECT ai_enabled AND status <> 'handed_off' AND ai_answered_seq < $2 "
        "FROM conversations WHERE id = $1::uuid FOR UPDATE",
        conversation, through);
    return !c.empty() && c[0][0].as<bool>();
}

bool claim_away(pqxx::dbtransaction& tx, const std::string& conversation, int closed_minutes) {
    auto due = tx.exec_params(
        "UPDATE conversations SET away_sent_at = now(), follow_up = true "
        "WHERE id = $1::uuid AND (away_sent_at IS NULL OR "
        " away_sent_at < now() - make_interval(mins => $2)) RETURNING id",
        conversation, closed_minutes);
    return !due.empty();
}

std::vector<PendingMessage> unanswered_messages(pqxx::dbtransaction& tx,
                                                const std::string& conversation,
                                                std::int64_t after_seq, int limit) {
    std::vector<PendingMessage> out;
    for (auto& m : store::waiting_messages(tx, conversation, after_seq, limit)) {
        out.push_back({m.seq, std::move(m.content), std::move(m.wamid)});
    }
    return out;
}

bool agent_replied_since(pqxx::dbtransaction& tx, const std::string& conversation,
                         std::int64_t seq) {
    return tx
        .exec_params(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = $1::uuid "
            " AND direction = 'outbound' AND sender = 'agent' AND seq > $2)",
            conversation, seq)[0][0]
        .as<bool>();
}

std::vector<HistoryLine> history_before(pqxx::dbtransaction& tx, const std::string& conversation,
                                        std::int64_t before_seq, int limit) {
    auto r = tx.exec_params(
        "SELECT sender, content FROM messages WHERE conversation_id = $1::uuid AND seq < $2 "
        "ORDER BY seq DESC LIMIT $3",
        conversation, before_seq, limit);
    std::vector<HistoryLine> out;
    for (const auto& row : r) out.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
    return out;
}

std::optional<std::string> previous_customer_message(pqxx::dbtransaction& tx,
                                                     const std::string& conversation,
                                                     std::int64_t before_seq) {
    auto prev = tx.exec_params(
        "SELECT content FROM messages WHERE conversation_id = $1::uuid "
        " AND sender = 'customer' AND seq < $2 ORDER BY seq DESC LIMIT 1",
        conversation, before_seq);
    if (prev.empty()) return std::nullopt;
    return prev[0][0].as<std::string>();
}

LocalTime local_time(pqxx::dbtransaction& tx, const std::string& time_zone) {
    auto now = tx.exec_params(
        "SELECT EXTRACT(isodow FROM now() AT TIME ZONE $1)::int, "
        " (EXTRACT(hour FROM now() AT TIME ZONE $1) * 60 + "
        "  EXTRACT(minute FROM now() AT TIME ZONE $1))::int",
        time_zone);
    return {now[0][0].as<int>(), now[0][1].as<int>()};
}

std::string today_in(pqxx::dbtransaction& tx, const std::string& time_zone) {
    return tx
        .exec_params("SELECT to_char(now() AT TIME ZONE $1, 'FMDay, FMDD FMMonth YYYY')",
                     time_zone)[0][0]
        .as<std::string>();
}

Turn claim_turn(pqxx::dbtransaction& tx, const std::string& conversation, std::int64_t through) {
    tx.exec_params(
        "INSERT INTO ai_turns (conversation_id, through_seq) VALUES ($1::uuid, $2) "
        "ON CONFLICT (conversation_id, through_seq) DO NOTHING",
        conversation, through);
    auto r = tx.exec_params(
        std::string(kTurnColumns) + "WHERE conversation_id = $1::uuid AND through_seq = $2",
        conversation, through);
    return read_turn(r[0]);
}

std::optional<Turn> lock_turn(pqxx::dbtransaction& tx, std::int64_t id) {
    auto r = tx.exec_params(std::string(kTurnColumns) + "WHERE id = $1 FOR UPDATE", id);
    if (r.empty()) return std::nullopt;
    return read_turn(r[0]);
}

void turn_to_fallback(pqxx::dbtransaction& tx, std::int64_t id, const std::string& reason) {
    tx.exec_params(
        "UPDATE ai_turns SET mode = $2, answer = NULL, citations = '[]', "
        " handoff_reason = $3, updated_at = now() WHERE id = $1 AND state = 'generated'",
        id, std::string(mode_name(Mode::fallback)), reason);
}

void save_turn_answer(pqxx::dbtransaction& tx, std::int64_t id, const Generated& answer) {
    tx.exec_params(
        "UPDATE ai_turns SET state = 'generated', mode = $2, answer = $3, "
        " handoff_reason = NULLIF($4, ''), details = $5::jsonb, citations = $6::jsonb, "
        " updated_at = now() WHERE id = $1 AND state = 'generating'",
        id, std::string(mode_name(answer.mode)), answer.answer, answer.handoff_reason,
        dump(answer.details), dump(answer.citations));
}

void mark_turn_skipped(pqxx::dbtransaction& tx, std::int64_t id) {
    tx.exec_params("UPDATE ai_turns SET state = 'skipped', updated_at = now() WHERE id = $1", id);
}

void mark_turn_queued(pqxx::dbtransaction& tx, std::int64_t id,
                      const std::vector<std::string>& message_ids) {
    tx.exec_params(
        "UPDATE ai_turns SET state = 'queued', message_ids = $2::uuid[], updated_at = now() "
        "WHERE id = $1",
        id, uuid_array(message_ids));
}

void mark_ai_message(pqxx::dbtransaction& tx, const std::string& message_id, Mode mode,
                     const AnswerFigures& f) {
    tx.exec_params(
        "UPDATE messages SET ai_mode = $2, ai_model = $3, prompt_tokens = $4, "
        " completion_tokens = $5, cost_usd = $6, processing_ms = $7, first_token_ms = $8 "
        "WHERE id = $1::uuid",
        message_id, std::string(mode_name(mode)), f.model, f.prompt_tokens, f.completion_tokens,
        f.cost_usd, f.total_ms, f.first_token_ms);
}

void add_call_figures(pqxx::dbtransaction& tx, const std::string& conversation, std::int64_t seq,
                      const AnswerFigures& f) {
    tx.exec_params(
        "UPDATE messages SET ai_model = coalesce($3, ai_model), "
        " prompt_tokens = coalesce(prompt_tokens, 0) + coalesce($4::integer, 0), "
        " completion_tokens = coalesce(completion_tokens, 0) + coalesce($5::integer, 0), "
        " cost_usd = coalesce(cost_usd, 0) + coalesce($6::numeric, 0) "
        "WHERE conversation_id = $1::uuid AND seq = $2 AND direction = 'inbound'",
        conversation, seq, f.model, f.prompt_tokens, f.completion_tokens, f.cost_usd);
}

void insert_citation(pqxx::dbtransaction& tx, const std::string& message_id, const Citation& cite) {
    tx.exec_params(
        "INSERT INTO message_citations (message_id, rank, chunk_id, document_id, "
        " document_title, heading, content, score) VALUES ($1::uuid, $2, $3, "
        " (SELECT id FROM documents WHERE id = $4::uuid), $5, $6, $7, $8) "
        "ON CONFLICT DO NOTHING",
        message_id, cite.rank, cite.chunk_id.value_or(0), cite.document_id.value_or(""),
        cite.document_title, cite.heading, cite.content, cite.score);
}

std::optional<MessageSources> find_message_sources(pqxx::dbtransaction& tx,
                                                   const std::string& message_id) {
    auto m = tx.exec_params(
        "SELECT ai_mode FROM messages WHERE id = $1::uuid AND direction = 'outbound'", message_id);
    if (m.empty()) return std::nullopt;
    auto r = tx.exec_params(
        "SELECT rank, chunk_id, document_id::text, document_title, heading, content, score, "
        " document_id IS NOT NULL AND EXISTS (SELECT 1 FROM document_chunks c "
        "  WHERE c.id = mc.chunk_id) "
        "FROM message_citations mc WHERE message_id = $1::uuid ORDER BY rank",
        message_id);
    MessageSources out{store::text_or_null(m[0][0]), {}};
    for (const auto& row : r) {
        Citation c;
        c.rank = row[0].as<int>();
        if (!row[1].is_null()) c.chunk_id = row[1].as<long long>();
        c.document_id = store::text_or_null(row[2]);
        c.document_title = row[3].as<std::string>();
        c.heading = row[4].as<std::string>();
        c.content = row[5].as<std::string>();
        c.score = row[6].as<double>();
        c.current = row[7].as<bool>();
        out.items.push_back(std::move(c));
    }
    return out;
}

}  // namespace botflow::ai
