#include "ai/turn.hpp"

#include <array>
#include <pqxx/pqxx>
#include <utility>

#include "ai/turn_repo.hpp"
#include "botflow/core/log.hpp"
#include "botflow/events/outbox_repo.hpp"
#include "botflow/jobs/job_repo.hpp"
#include "botflow/prompts/prompts.hpp"
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

// Sends the away message once per closed period (and flags the conversation for the
// morning). Returns whether it was queued now.
bool queue_away_if_closed(pqxx::dbtransaction& tx, const std::string& conversation,
                          const AiSettings& settings) {
    auto profile = prompts::business_profile(tx);
    const auto& hours = profile["hours"];
    if (!hours.is_object()) return false;
    auto now = local_time(tx, hours.value("time_zone", std::string("UTC")));
    auto closed = minutes_closed(hours, now.isodow, now.minute);
    if (!closed) return false;
    // Due unless it already went out after the business closed.
    if (!claim_away(tx, conversation, *closed)) return false;
    whatsapp::QueuedMessage reply{conversation, whatsapp::text_message(settings.away_message),
                                  "system"};
    auto ids = whatsapp::queue_message(tx, reply);
    for (const auto& id : ids) mark_ai_message(tx, id, Mode::away);
    for (auto& m : store::messages_by_id(tx, ids)) {
        events::stage(tx, events::message_created(conversation, std::move(m)));
    }
    return true;
}

Situation read_situation(pqxx::dbtransaction& tx, const std::string& conversation,
                         const config::Config& config) {
    Situation s;
    auto c = find_conversation_state(tx, conversation);
    if (!c) return s;
    s.exists = true;
    s.ai_enabled = c->ai_enabled;
    s.status = c->status;
    s.simulated = c->simulated;
    s.customer_name = c->customer_name;
    s.answered_seq = c->answered_seq;
    s.settings = load_settings(tx, config);
    auto pending = unanswered_messages(tx, conversation, s.answered_seq, kMaxPending);
    if (pending.empty()) return s;
    for (const auto& m : pending) s.texts.push_back(m.content);
    s.first_seq = pending.front().seq;
    s.through_seq = pending.back().seq;
    s.last_wamid = pending.back().wamid;
    s.agent_replied = agent_replied_since(tx, conversation, s.first_seq);
    return s;
}

}  // namespace

whatsapp::QueuedMessage reply_for(const std::string& answer, Mode mode,
                                  const std::string& conversation, const AiSettings& settings) {
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
            reply.message = whatsapp::text_message(answer);
            reply.sender = "ai";
            break;
    }
    return reply;
}

namespace {

// The answer's mode on every piece of it, and the figures of the call (ai_turns.details) on
// the first: a long answer's later pieces carry only their mode.
void record_figures(pqxx::dbtransaction& tx, const std::vector<std::string>& ids, Mode mode,
                    const json& d) {
    auto f = figures_of(d);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        mark_ai_message(tx, ids[i], mode, i == 0 ? f : AnswerFigures{});
    }
}

// The passages the answer was given, as its first message's sources.
void record_citations(pqxx::dbtransaction& tx, const std::string& message_id,
                      const json& citations) {
    int rank = 0;
    for (const auto& cite : citations) {
        Citation c;
        c.rank = ++rank;
        c.chunk_id = cite.value("chunk_id", 0LL);
        c.document_id = cite.value("document_id", "");
        c.document_title = cite.value("document_title", "");
        c.heading = cite.value("heading", "");
        c.content = cite.value("content", "");
        c.score = cite.value("score", 0.0);
        insert_citation(tx, message_id, c);
    }
}

}  // namespace

AnswerFigures figures_of(const json& d) {
    auto num = [&d](const char* k) -> std::optional<long long> {
        if (d.contains(k) && d[k].is_number()) return d[k].get<long long>();
        return std::nullopt;
    };
    AnswerFigures f;
    if (d.contains("cost_usd") && d["cost_usd"].is_number())
        f.cost_usd = d["cost_usd"].get<double>();
    if (d.contains("model") && d["model"].is_string()) f.model = d["model"].get<std::string>();
    f.prompt_tokens = num("prompt_tokens");
    f.completion_tokens = num("completion_tokens");
    f.total_ms = num("total_ms");
    f.first_token_ms = num("first_token_ms");
    return f;
}

void record_answer(pqxx::dbtransaction& tx, const std::vector<std::string>& ids, Mode mode,
                   const json& details, const json& citations) {
    record_figures(tx, ids, mode, details);
    if (!ids.empty() && cites_passages(mode)) record_citations(tx, ids[0], citations);
}

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
        store::mark_answered(tx, conversation, s.through_seq);
        spdlog::info("ai.skipped conversation={} reason={}", conversation,
                     s.agent_replied ? "agent_replied" : "ai_off");
        return p;
    }
    p.turn = claim_turn(tx, conversation, s.through_seq);
    if (p.turn.state == "queued" || p.turn.state == "skipped") {
        store::mark_answered(tx, conversation, s.through_seq);
        p.turn = Turn{};  // answered by an earlier run
        return p;
    }
    for (const auto& t : s.texts) p.message += (p.message.empty() ? "" : "\n") + t;
    if (p.turn.state == "generated" && job.attempts >= kFailuresBeforeFallback &&
        p.turn.mode != Mode::fallback) {
        // Its answer could not be queued twice: the fallback message goes instead.
        turn_to_fallback(tx, p.turn.id, "The AI answer could not be sent.");
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
    save_turn_answer(tx, turn, answer);
}

Queued queue_turn(pqxx::dbtransaction& tx, const std::string& conversation, std::int64_t turn_id,
                  std::int64_t first_seq, std::int64_t through_seq, const AiSettings& settings) {
    Queued q;
    auto locked = lock_turn(tx, turn_id);
    if (!locked) return q;
    const auto& turn = *locked;
    if (turn.state != "generated") return q;  // queued or skipped by an earlier run
    // Still the AI's to answer: on, not handed off, no agent reply, and not answered by a
    // later turn (this run lost its lease and another took over): never a second answer.
    bool open = lock_open_for_ai(tx, conversation, through_seq);
    if (!open || agent_replied_since(tx, conversation, first_seq)) {
        mark_turn_skipped(tx, turn_id);
        store::mark_answered(tx, conversation, through_seq);
        return q;
    }
    // A generated turn always has its mode (save_generated and the fallback above set it).
    const Mode mode = turn.mode.value();
    q.handoff = hands_over(mode);
    q.ids = whatsapp::queue_message(tx, reply_for(turn.answer, mode, conversation, settings));
    record_answer(tx, q.ids, mode, turn.details, turn.citations);
    mark_turn_queued(tx, turn_id, q.ids);
    store::mark_answered(tx, conversation, through_seq);
    if (q.handoff) {
        q.handoff_reason =
            turn.handoff_reason.empty() ? std::string("The AI handed over.") : turn.handoff_reason;
        store::hand_off(tx, conversation, q.handoff_reason);
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
    auto answered = store::find_answered_seq(tx, conversation);
    if (!answered || unanswered_messages(tx, conversation, *answered, kMaxPending).empty()) {
        return false;
    }
    return queue_away_if_closed(tx, conversation, load_settings(tx, config));
}

}  // namespace botflow::ai
