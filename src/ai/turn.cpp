#include "ai/turn.hpp"

#include <array>
#include <pqxx/pqxx>
#include <utility>

#include "botflow/core/log.hpp"
#include "botflow/events/outbox_repo.hpp"
#include "botflow/jobs/job_repo.hpp"
#include "botflow/prompts/repo.hpp"
#include "botflow/store/conversation_repo.hpp"
#include "botflow/whatsapp/queue.hpp"

namespace botflow::ai {
namespace {

using nlohmann::json;

constexpr int kMaxPending = 20;             // customer messages read into one answer at most
constexpr int kFailuresBeforeFallback = 3;  // the job's third attempt gives up on the model

constexpr std::array<std::pair<Mode, std::string_view>, 5> kModes{{
    {Mode::llm, "llm"},
    {Mode::extractive, "extractive"},
    {Mode::handoff, "handoff"},
    {Mode::fallback, "fallback"},
    {Mode::away, "away"},
}};

// A person answered since the customer's first waiting message: the AI keeps out of it.
bool agent_replied_since(pqxx::dbtransaction& tx, const std::string& conversation,
                         std::int64_t first_seq) {
    return tx
        .exec_params(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = $1::uuid "
            " AND direction = 'outbound' AND sender = 'agent' AND seq > $2)",
            conversation, first_seq)[0][0]
        .as<bool>();
}

void mark_answered(pqxx::dbtransaction& tx, const std::string& conversation, std::int64_t seq) {
    tx.exec_params(
        "UPDATE conversations SET ai_answered_seq = GREATEST(ai_answered_seq, $2) "
        "WHERE id = $1::uuid",
        conversation, seq);
}

// Sends the away message once per closed period (and flags the conversation for the
// morning). Returns whether it was queued now.
bool queue_away_if_closed(pqxx::dbtransaction& tx, const std::string& conversation,
                          const AiSettings& settings) {
    auto profile = prompts::business_profile(tx);
    const auto& hours = profile["hours"];
    if (!hours.is_object()) return false;
    auto now = tx.exec_params(
        "SELECT EXTRACT(isodow FROM now() AT TIME ZONE $1)::int, "
        " (EXTRACT(hour FROM now() AT TIME ZONE $1) * 60 + "
        "  EXTRACT(minute FROM now() AT TIME ZONE $1))::int",
        hours.value("time_zone", std::string("UTC")));
    auto closed = minutes_closed(hours, now[0][0].as<int>(), now[0][1].as<int>());
    if (!closed) return false;
    // Due unless it already went out after the business closed.
    auto due = tx.exec_params(
        "UPDATE conversations SET away_sent_at = now(), follow_up = true "
        "WHERE id = $1::uuid AND (away_sent_at IS NULL OR "
        " away_sent_at < now() - make_interval(mins => $2)) RETURNING id",
        conversation, *closed);
    if (due.empty()) return false;
    whatsapp::QueuedMessage reply{conversation, whatsapp::text_message(settings.away_message),
                                  "system"};
    auto ids = whatsapp::queue_message(tx, reply);
    for (const auto& id : ids) {
        tx.exec_params("UPDATE messages SET ai_mode = $2 WHERE id = $1::uuid", id,
                       std::string(mode_name(Mode::away)));
    }
    for (auto& m : store::messages_by_id(tx, ids)) {
        events::stage(tx, events::message_created(conversation, std::move(m)));
    }
    return true;
}

// The customer messages the AI has not answered yet, oldest first: (seq, content, wamid).
pqxx::result unanswered(pqxx::dbtransaction& tx, const std::string& conversation,
                        std::int64_t answered_seq) {
    return tx.exec_params(
        "SELECT seq, content, COALESCE(whatsapp_message_id, '') FROM ("
        " SELECT seq, content, whatsapp_message_id FROM messages "
        " WHERE conversation_id = $1::uuid AND direction = 'inbound' AND sender = 'customer' "
        // A reaction, a deleted message or a kind WhatsApp did not describe asks nothing.
        "  AND type NOT IN ('reaction', 'revoke', 'unsupported', 'system') "
        "  AND seq > $2 ORDER BY seq DESC LIMIT $3) p ORDER BY seq",
        conversation, answered_seq, kMaxPending);
}

Situation read_situation(pqxx::dbtransaction& tx, const std::string& conversation,
                         const config::Config& config) {
    Situation s;
    auto c = tx.exec_params(
        "SELECT ai_enabled, status, simulated, customer_name, ai_answered_seq "
        "FROM conversations WHERE id = $1::uuid",
        conversation);
    if (c.empty()) return s;
    s.exists = true;
    s.ai_enabled = c[0][0].as<bool>();
    s.status = c[0][1].as<std::string>();
    s.simulated = c[0][2].as<bool>();
    s.customer_name = c[0][3].as<std::string>();
    s.answered_seq = c[0][4].as<std::int64_t>();
    s.settings = load_settings(tx, config);
    auto pending = unanswered(tx, conversation, s.answered_seq);
    if (pending.empty()) return s;
    for (const auto& row : pending) s.texts.push_back(row[1].as<std::string>());
    s.first_seq = pending[0][0].as<std::int64_t>();
    s.through_seq = pending[pending.size() - 1][0].as<std::int64_t>();
    s.last_wamid = pending[pending.size() - 1][2].as<std::string>();
    s.agent_replied = agent_replied_since(tx, conversation, s.first_seq);
    return s;
}

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

// The turn for (conversation, through_seq): created if new. Its row is the idempotency key.
Turn claim_turn(pqxx::dbtransaction& tx, const std::string& conversation, std::int64_t through) {
    tx.exec_params(
        "INSERT INTO ai_turns (conversation_id, through_seq) VALUES ($1::uuid, $2) "
        "ON CONFLICT (conversation_id, through_seq) DO NOTHING",
        conversation, through);
    auto r = tx.exec_params(
        "SELECT id, state, mode, answer, handoff_reason, details::text, citations::text "
        "FROM ai_turns WHERE conversation_id = $1::uuid AND through_seq = $2",
        conversation, through);
    return read_turn(r[0]);
}

// The message a queued turn sends: its answer, or the handoff or fallback message.
whatsapp::QueuedMessage reply_for(const Turn& turn, Mode mode, const std::string& conversation,
                                  const AiSettings& settings) {
    whatsapp::QueuedMessage reply{conversation, {}, "system"};
    switch (mode) {
        case Mode::handoff:
            reply.message = whatsapp::text_message(settings.handoff_message);
            break;
        case Mode::fallback:
            reply.message = whatsapp::text_message(settings.fallback_message);
            break;
        case Mode::llm:
        case Mode::extractive:
        case Mode::away:
            reply.message = whatsapp::text_message(turn.answer);
            reply.sender = "ai";
            break;
    }
    return reply;
}

// The answer's mode on every piece of it, and the figures of the call (ai_turns.details).
void record_figures(pqxx::dbtransaction& tx, const std::vector<std::string>& ids, Mode mode,
                    const json& d) {
    auto num = [&d](const char* k) -> std::optional<long long> {
        if (d.contains(k) && d[k].is_number()) return d[k].get<long long>();
        return std::nullopt;
    };
    std::optional<double> cost;
    if (d.contains("cost_usd") && d["cost_usd"].is_number()) cost = d["cost_usd"].get<double>();
    std::optional<std::string> model;
    if (d.contains("model") && d["model"].is_string()) model = d["model"].get<std::string>();
    for (std::size_t i = 0; i < ids.size(); ++i) {
        // The first piece carries the figures of the call; a long answer's later pieces only
        // their mode.
        bool first = i == 0;
        tx.exec_params(
            "UPDATE messages SET ai_mode = $2, ai_model = $3, prompt_tokens = $4, "
            " completion_tokens = $5, cost_usd = $6, processing_ms = $7, first_token_ms = $8 "
            "WHERE id = $1::uuid",
            ids[i], std::string(mode_name(mode)), first ? model : std::nullopt,
            first ? num("prompt_tokens") : std::nullopt,
            first ? num("completion_tokens") : std::nullopt, first ? cost : std::nullopt,
            first ? num("total_ms") : std::nullopt, first ? num("first_token_ms") : std::nullopt);
    }
}

// The passages the answer was given, as its first message's sources.
void record_citations(pqxx::dbtransaction& tx, const std::string& message_id,
                      const json& citations) {
    int rank = 0;
    for (const auto& cite : citations) {
        tx.exec_params(
            "INSERT INTO message_citations (message_id, rank, chunk_id, document_id, "
            " document_title, heading, content, score) VALUES ($1::uuid, $2, $3, "
            " (SELECT id FROM documents WHERE id = $4::uuid), $5, $6, $7, $8) "
            "ON CONFLICT DO NOTHING",
            message_id, ++rank, cite.value("chunk_id", 0LL), cite.value("document_id", ""),
            cite.value("document_title", ""), cite.value("heading", ""), cite.value("content", ""),
            cite.value("score", 0.0));
    }
}

// PostgreSQL's array literal of `ids`: {a,b}.
std::string uuid_array(const std::vector<std::string>& ids) {
    std::string literal = "{";
    for (const auto& id : ids) literal += (literal.size() > 1 ? "," : "") + id;
    literal += "}";
    return literal;
}

}  // namespace

std::string_view mode_name(Mode mode) noexcept {
    for (const auto& [m, name] : kModes) {
        if (m == mode) return name;
    }
    return "llm";
}

std::optional<Mode> parse_mode(std::string_view name) noexcept {
    for (const auto& [m, n] : kModes) {
        if (n == name) return m;
    }
    return std::nullopt;
}

bool cites_passages(Mode mode) noexcept { return mode == Mode::llm || mode == Mode::extractive; }

bool hands_over(Mode mode) noexcept { return mode == Mode::handoff || mode == Mode::fallback; }

Prepared prepare(pqxx::dbtransaction& tx, const std::string& conversation, const jobs::Job& job,
                 const config::Config& config) {
    Prepared p;
    p.s = read_situation(tx, conversation, config);
    const auto& s = p.s;
    if (!s.exists || s.texts.empty()) return p;
    // A person has it: the AI stays quiet (the away message still went out).
    if (!s.ai_enabled || s.status == "handed_off" || s.agent_replied) {
        mark_answered(tx, conversation, s.through_seq);
        spdlog::info("ai.skipped conversation={} reason={}", conversation,
                     s.agent_replied ? "agent_replied" : "ai_off");
        return p;
    }
    p.turn = claim_turn(tx, conversation, s.through_seq);
    if (p.turn.state == "queued" || p.turn.state == "skipped") {
        mark_answered(tx, conversation, s.through_seq);
        p.turn = Turn{};  // answered by an earlier run
        return p;
    }
    for (const auto& t : s.texts) p.message += (p.message.empty() ? "" : "\n") + t;
    if (p.turn.state == "generated" && job.attempts >= kFailuresBeforeFallback &&
        p.turn.mode != Mode::fallback) {
        // Its answer could not be queued twice: the fallback message goes instead.
        tx.exec_params(
            "UPDATE ai_turns SET mode = $2, answer = NULL, citations = '[]', "
            " handoff_reason = 'The AI answer could not be sent.', updated_at = now() "
            "WHERE id = $1 AND state = 'generated'",
            p.turn.id, std::string(mode_name(Mode::fallback)));
    }
    if (p.turn.state != "generating") return p;  // generated: only the queuing is left
    p.generate = true;
    if (asks_for_person(p.message, s.settings.handoff_phrases)) {
        p.mode = Mode::handoff;
        p.handoff_reason = kCustomerAskedReason;
    } else if (job.attempts >= kFailuresBeforeFallback) {
        p.mode = Mode::fallback;
        p.handoff_reason =
            "The AI failed to answer " + std::to_string(job.attempts - 1) + " times in a row.";
    } else {
        p.ctx = gather(tx, conversation, s.first_seq, p.message, s.customer_name,
                       s.settings.strict_grounding, config);
    }
    return p;
}

void save_generated(pqxx::dbtransaction& tx, std::int64_t turn, const Generated& answer) {
    tx.exec_params(
        "UPDATE ai_turns SET state = 'generated', mode = $2, answer = $3, "
        " handoff_reason = NULLIF($4, ''), details = $5::jsonb, citations = $6::jsonb, "
        " updated_at = now() WHERE id = $1 AND state = 'generating'",
        turn, std::string(mode_name(answer.mode)), answer.answer, answer.handoff_reason,
        answer.details.dump(-1, ' ', false, json::error_handler_t::replace),
        answer.citations.dump(-1, ' ', false, json::error_handler_t::replace));
}

Queued queue_turn(pqxx::dbtransaction& tx, const std::string& conversation, std::int64_t turn_id,
                  std::int64_t first_seq, std::int64_t through_seq, const AiSettings& settings) {
    Queued q;
    auto r = tx.exec_params(
        "SELECT id, state, mode, answer, handoff_reason, details::text, citations::text "
        "FROM ai_turns WHERE id = $1 FOR UPDATE",
        turn_id);
    if (r.empty()) return q;
    auto turn = read_turn(r[0]);
    if (turn.state != "generated") return q;  // queued or skipped by an earlier run
    // Still the AI's to answer: on, not handed off, no agent reply, and not answered by a
    // later turn (this run lost its lease and another took over): never a second answer.
    auto c = tx.exec_params(
        "SELECT ai_enabled AND status <> 'handed_off' AND ai_answered_seq < $2 "
        "FROM conversations WHERE id = $1::uuid FOR UPDATE",
        conversation, through_seq);
    bool open = !c.empty() && c[0][0].as<bool>();
    if (!open || agent_replied_since(tx, conversation, first_seq)) {
        tx.exec_params("UPDATE ai_turns SET state = 'skipped', updated_at = now() WHERE id = $1",
                       turn_id);
        mark_answered(tx, conversation, through_seq);
        return q;
    }
    // A generated turn always has its mode (save_generated and the fallback above set it).
    const Mode mode = turn.mode.value();
    q.handoff = hands_over(mode);
    q.ids = whatsapp::queue_message(tx, reply_for(turn, mode, conversation, settings));
    record_figures(tx, q.ids, mode, turn.details);
    if (!q.ids.empty() && cites_passages(mode)) record_citations(tx, q.ids[0], turn.citations);
    tx.exec_params(
        "UPDATE ai_turns SET state = 'queued', message_ids = $2::uuid[], updated_at = now() "
        "WHERE id = $1",
        turn_id, uuid_array(q.ids));
    mark_answered(tx, conversation, through_seq);
    if (q.handoff) {
        q.handoff_reason =
            turn.handoff_reason.empty() ? std::string("The AI handed over.") : turn.handoff_reason;
        tx.exec_params(
            "UPDATE conversations SET status = 'handed_off', ai_enabled = false, "
            " handoff_reason = $2, updated_at = now() WHERE id = $1::uuid",
            conversation, q.handoff_reason);
    }
    for (auto& m : store::messages_by_id(tx, q.ids)) {
        events::stage(tx, events::message_created(conversation, std::move(m)));
    }
    if (q.handoff) events::stage(tx, events::conversation_handoff(conversation, q.handoff_reason));
    q.sent = true;
    return q;
}

bool queue_away(pqxx::dbtransaction& tx, const std::string& conversation,
                const config::Config& config) {
    auto c = tx.exec_params("SELECT ai_answered_seq FROM conversations WHERE id = $1::uuid",
                            conversation);
    if (c.empty() || unanswered(tx, conversation, c[0][0].as<std::int64_t>()).empty()) {
        return false;
    }
    return queue_away_if_closed(tx, conversation, load_settings(tx, config));
}

}  // namespace botflow::ai
