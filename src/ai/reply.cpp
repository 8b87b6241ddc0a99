#include "botflow/ai/reply.hpp"

#include <algorithm>
#include <mutex>
#include <pqxx/pqxx>

#include "ai/registration.hpp"
#include "botflow/ai/llm.hpp"
#include "botflow/ai/module.hpp"
#include "botflow/ai/settings.hpp"
#include "botflow/config/config.hpp"
#include "botflow/conversations/dispatcher.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/events/bus.hpp"
#include "botflow/events/outbox.hpp"
#include "botflow/jobs/runner.hpp"
#include "botflow/knowledge/chunker.hpp"
#include "botflow/prompts/repo.hpp"
#include "botflow/prompts/templates.hpp"
#include "botflow/store/conversation_repo.hpp"
#include "botflow/store/db.hpp"
#include "botflow/util/crypto.hpp"
#include "botflow/whatsapp/graph.hpp"
#include "botflow/whatsapp/queue.hpp"
#include "botflow/whatsapp/sender.hpp"

namespace botflow::ai {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kMaxPending = 20;              // customer messages read into one answer at most
constexpr std::size_t kHistoryChars = 6000;  // about 1,500 tokens of earlier conversation
constexpr int kHistoryMessages = 16;
constexpr int kPassages = 4;
constexpr int kFailuresBeforeFallback = 3;  // the job's third attempt gives up on the model

// Everything the job needs to decide what to do, read in one transaction.
struct Situation {
    bool exists = false;
    bool ai_enabled = false;
    std::string status;
    bool simulated = false;
    std::string customer_name;
    std::int64_t answered_seq = 0;
    std::int64_t through_seq = 0;  // the last customer message waiting for an answer
    std::int64_t first_seq = 0;
    std::string last_wamid;
    std::vector<std::string> texts;  // the waiting customer messages
    bool agent_replied = false;
    AiSettings settings;
};

// The turn this job works on (its ai_turns row).
struct Turn {
    std::int64_t id = 0;
    std::string state;
    std::string mode;
    std::string answer;
    std::string handoff_reason;
    json details = json::object();
    json citations = json::array();
};

std::string trim(std::string_view s) {
    auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

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
        tx.exec_params("UPDATE messages SET ai_mode = 'away' WHERE id = $1::uuid", id);
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
    if (!r[2].is_null()) t.mode = r[2].as<std::string>();
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

// The model's (or the fallback's) answer, kept the moment it exists: a crash before it is
// queued does not pay for the model a second time.
void save_generated(pqxx::dbtransaction& tx, std::int64_t turn, const std::string& mode,
                    const std::string& answer, const std::string& handoff_reason,
                    const json& details, const json& citations) {
    tx.exec_params(
        "UPDATE ai_turns SET state = 'generated', mode = $2, answer = $3, "
        " handoff_reason = NULLIF($4, ''), details = $5::jsonb, citations = $6::jsonb, "
        " updated_at = now() WHERE id = $1 AND state = 'generating'",
        turn, mode, answer, handoff_reason,
        details.dump(-1, ' ', false, json::error_handler_t::replace),
        citations.dump(-1, ' ', false, json::error_handler_t::replace));
}

struct Queued {
    bool sent = false;  // false: skipped (AI switched off or an agent replied meanwhile)
    bool handoff = false;
    std::string handoff_reason;
    std::vector<std::string> ids;
};

// Stores the answer as outbound messages and queues their sending, in the transaction that
// marks the turn queued: exactly once, whatever ran before.
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
    q.handoff = turn.mode == "handoff" || turn.mode == "fallback";
    whatsapp::QueuedMessage reply{conversation, {}, "system"};
    if (turn.mode == "handoff") {
        reply.message = whatsapp::text_message(settings.handoff_message);
    } else if (turn.mode == "fallback") {
        reply.message = whatsapp::text_message(settings.fallback_message);
    } else {
        reply.message = whatsapp::text_message(turn.answer);
        reply.sender = "ai";
    }
    q.ids = whatsapp::queue_message(tx, reply);
    const auto& d = turn.details;
    auto num = [&d](const char* k) -> std::optional<long long> {
        if (d.contains(k) && d[k].is_number()) return d[k].get<long long>();
        return std::nullopt;
    };
    std::optional<double> cost;
    if (d.contains("cost_usd") && d["cost_usd"].is_number()) cost = d["cost_usd"].get<double>();
    std::optional<std::string> model;
    if (d.contains("model") && d["model"].is_string()) model = d["model"].get<std::string>();
    for (std::size_t i = 0; i < q.ids.size(); ++i) {
        // The first piece carries the figures of the call; a long answer's later pieces only
        // their mode.
        bool first = i == 0;
        tx.exec_params(
            "UPDATE messages SET ai_mode = $2, ai_model = $3, prompt_tokens = $4, "
            " completion_tokens = $5, cost_usd = $6, processing_ms = $7, first_token_ms = $8 "
            "WHERE id = $1::uuid",
            q.ids[i], turn.mode, first ? model : std::nullopt,
            first ? num("prompt_tokens") : std::nullopt,
            first ? num("completion_tokens") : std::nullopt, first ? cost : std::nullopt,
            first ? num("total_ms") : std::nullopt, first ? num("first_token_ms") : std::nullopt);
    }
    if (!q.ids.empty() && (turn.mode == "llm" || turn.mode == "extractive")) {
        int rank = 0;
        for (const auto& cite : turn.citations) {
            tx.exec_params(
                "INSERT INTO message_citations (message_id, rank, chunk_id, document_id, "
                " document_title, heading, content, score) VALUES ($1::uuid, $2, $3, "
                " (SELECT id FROM documents WHERE id = $4::uuid), $5, $6, $7, $8) "
                "ON CONFLICT DO NOTHING",
                q.ids[0], ++rank, cite.value("chunk_id", 0LL), cite.value("document_id", ""),
                cite.value("document_title", ""), cite.value("heading", ""),
                cite.value("content", ""), cite.value("score", 0.0));
        }
    }
    std::string ids_literal = "{";
    for (const auto& id : q.ids) ids_literal += (ids_literal.size() > 1 ? "," : "") + id;
    ids_literal += "}";
    tx.exec_params(
        "UPDATE ai_turns SET state = 'queued', message_ids = $2::uuid[], updated_at = now() "
        "WHERE id = $1",
        turn_id, ids_literal);
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

json citations_json(const std::vector<knowledge::SearchHit>& hits) {
    json out = json::array();
    for (const auto& h : hits) {
        out.push_back({{"chunk_id", h.chunk_id},
                       {"document_id", h.document_id},
                       {"document_title", h.document_title},
                       {"heading", h.heading},
                       {"content", h.content},
                       {"score", h.score}});
    }
    return out;
}

// What goes into the prompt, read in one transaction.
struct Context {
    Prompt prompt;
    LlmAccess access;
    double best_coverage = 0;
};

std::string history_text(pqxx::dbtransaction& tx, const std::string& conversation,
                         std::int64_t before_seq) {
    auto r = tx.exec_params(
        "SELECT sender, content FROM messages WHERE conversation_id = $1::uuid AND seq < $2 "
        "ORDER BY seq DESC LIMIT $3",
        conversation, before_seq, kHistoryMessages);
    std::vector<std::string> lines;
    std::size_t used = 0;
    for (const auto& row : r) {
        auto sender = row[0].as<std::string>();
        std::string who = sender == "customer" ? "Customer"
                          : sender == "ai"     ? "Assistant"
                          : sender == "agent"  ? "Team member"
                                               : "Automatic message";
        auto line = who + ": " + row[1].as<std::string>();
        if (used + line.size() > kHistoryChars) break;
        used += line.size();
        lines.push_back(std::move(line));
    }
    if (lines.empty()) return "(This is the start of the conversation.)";
    std::string out;
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        if (!out.empty()) out += "\n";
        out += *it;
    }
    return out;
}

// Publishes the growing answer as ai.delta events, at most every 150 ms. Called on the HTTP
// client's strand.
struct DeltaPublisher {
    Module* mod = nullptr;
    std::string conversation;
    std::mutex mutex;
    Clock::time_point last{};
    std::size_t published = 0;

    void operator()(const std::string& text) {
        std::lock_guard lock(mutex);
        auto now = Clock::now();
        bool reset = text.empty() && published > 0;
        if (!reset && (text.size() == published || now - last < std::chrono::milliseconds(150))) {
            return;
        }
        last = now;
        published = text.size();
        bool found = false;
        auto shown = hide_partial_marker(strip_marker(text, found));
        mod->bus.publish(events::ai_delta(conversation, shown, false));
    }
};

}  // namespace

// --- pure helpers ----------------------------------------------------------------------

std::string strip_marker(std::string_view text, bool& found) {
    found = false;
    std::string out(text);
    auto upper = [](std::string s) {
        for (auto& c : s) {
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        }
        return s;
    };
    // Models do not always keep the case they were told.
    for (auto at = upper(out).find(kHandoffMarker); at != std::string::npos;
         at = upper(out).find(kHandoffMarker)) {
        found = true;
        out.erase(at, kHandoffMarker.size());
    }
    return trim(out);
}

std::string hide_partial_marker(std::string_view text) {
    for (std::size_t n = std::min(text.size(), kHandoffMarker.size() - 1); n > 0; --n) {
        auto tail = text.substr(text.size() - n);
        bool prefix = true;
        for (std::size_t i = 0; i < n && prefix; ++i) {
            char c = tail[i];
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
            prefix = c == kHandoffMarker[i];
        }
        if (prefix) return std::string(text.substr(0, text.size() - n));
    }
    return std::string(text);
}

std::string policy_rules(const std::string& business_name, bool strict_grounding) {
    std::string name = business_name.empty() ? std::string("this business") : business_name;
    std::string rules = "\n\nRules that always apply:\n";
    if (strict_grounding) {
        rules +=
            "- Answer questions about the business only from \"What you know\" and the "
            "conversation. If they do not contain the answer, do not guess: reply with exactly " +
            std::string(kHandoffMarker) +
            " and nothing else, and a person from the team will take over.\n";
    } else {
        rules += "- When you cannot help, reply with exactly " + std::string(kHandoffMarker) +
                 " and nothing else, and a person from the team will take over.\n";
    }
    rules += "- If the customer asks to talk to a person, reply with exactly " +
             std::string(kHandoffMarker) + ".\n";
    rules += "- Politely decline requests unrelated to " + name +
             " (general questions, writing, translation, coding, homework, other companies): say "
             "you can only help with questions about " +
             name +
             ".\n"
             "- Greetings, thanks and small talk need no passages: answer them briefly and "
             "warmly.\n";
    return rules;
}

std::string extractive_answer(const knowledge::SearchHit& hit, std::size_t max_chars) {
    std::string text = trim(hit.content);
    if (text.size() > max_chars) {
        std::size_t cut = std::string::npos;
        for (std::size_t i = max_chars; i > max_chars / 2; --i) {
            char c = text[i - 1];
            if ((c == '.' || c == '!' || c == '?' || c == '\n') &&
                (i == text.size() || text[i] == ' ' || text[i] == '\n')) {
                cut = i;
                break;
            }
        }
        if (cut == std::string::npos) {
            cut = max_chars;
            // Never in the middle of a UTF-8 sequence.
            while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
            text = trim(text.substr(0, cut)) + "...";
        } else {
            text = trim(text.substr(0, cut));
        }
    }
    std::string source = "\"" + hit.document_title + "\"";
    if (!hit.heading.empty() && hit.heading != hit.document_title) {
        source += " (" + hit.heading + ")";
    }
    return "Here is what our " + source + " says:\n\n" + text;
}

std::optional<int> minutes_closed(const json& hours, int iso_weekday, int minute) {
    static const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    if (!hours.is_object() || !hours.contains("days") || !hours["days"].is_object()) {
        return std::nullopt;
    }
    auto to_minutes = [](const json& v) {
        if (!v.is_string()) return -1;
        auto s = v.get<std::string>();
        if (s.size() != 5 || s[2] != ':') return -1;
        for (int i : {0, 1, 3, 4}) {
            if (s[static_cast<std::size_t>(i)] < '0' || s[static_cast<std::size_t>(i)] > '9') {
                return -1;
            }
        }
        return std::stoi(s.substr(0, 2)) * 60 + std::stoi(s.substr(3, 2));
    };
    bool any = false;
    std::optional<int> since;
    // Today first (is it open now? when did it close today?), then back day by day.
    for (int back = 0; back < 8; ++back) {
        int day = ((iso_weekday - 1 - back) % 7 + 7) % 7;
        const auto& list = hours["days"].contains(kDays[day]) ? hours["days"][kDays[day]] : json();
        if (!list.is_array()) continue;
        for (const auto& iv : list) {
            if (!iv.is_object()) continue;
            int open = to_minutes(iv.value("open", json()));
            int close = to_minutes(iv.value("close", json()));
            if (open < 0 || close < 0) continue;
            any = true;
            if (back == 0 && open <= minute && minute < close) return std::nullopt;
            int closed_at = close - back * 24 * 60;  // relative to today's midnight
            if (closed_at <= minute) {
                int ago = minute - closed_at;
                if (!since || ago < *since) since = ago;
            }
        }
        if (since) break;
    }
    if (!any) return std::nullopt;
    return since.value_or(7 * 24 * 60);
}

Prompt build_prompt(pqxx::dbtransaction& tx, const std::string& template_body,
                    const std::string& message, const std::string& search_query,
                    const std::string& customer_name, const std::string& history,
                    const std::string& language, bool strict_grounding) {
    Prompt p;
    auto profile = prompts::business_profile(tx);
    p.business_name = profile["name"].is_string() ? profile["name"].get<std::string>() : "";
    p.hits = knowledge::search_chunks(tx, search_query, kPassages, language);
    std::string tz = profile["hours"].is_object()
                         ? profile["hours"].value("time_zone", std::string("UTC"))
                         : std::string("UTC");
    auto date =
        tx.exec_params("SELECT to_char(now() AT TIME ZONE $1, 'FMDay, FMDD FMMonth YYYY')", tz);
    std::map<std::string, std::string> values = {
        {"business_name", p.business_name},
        {"customer_name", customer_name},
        {"customer_message", message},
        {"relevant_documents", knowledge::format_for_prompt(p.hits)},
        {"conversation_history", history},
        {"business_hours", prompts::format_hours(profile["hours"])},
        {"current_date", date[0][0].as<std::string>()},
        {"language", profile["language"].is_string() ? profile["language"].get<std::string>()
                                                     : std::string("English")}};
    p.system =
        prompts::render(template_body, values) + policy_rules(p.business_name, strict_grounding);
    p.user = message;
    return p;
}

// --- the job -----------------------------------------------------------------------------

namespace {

// Everything before the model, in one transaction: what is waiting, whether the AI should
// answer, the turn, and the prompt.
struct Prepared {
    Situation s;
    Turn turn;
    bool generate = false;  // the turn needs its answer made now
    std::string message;    // the waiting customer messages, one per line
    std::string mode;       // handoff or fallback decided without the model; "" for the model
    std::string handoff_reason;
    std::optional<Context> ctx;
};

Context gather(pqxx::dbtransaction& tx, const std::string& conversation, std::int64_t first_seq,
               const std::string& message, const std::string& customer, bool strict,
               const config::Config& config) {
    Context ctx;
    auto t = prompts::active_template(tx);
    std::string body = t ? (*t)["body"].get<std::string>()
                         : std::string(
                               "You are the WhatsApp assistant of {{business_name}}.\n\n"
                               "What you know:\n{{relevant_documents}}");
    // Search with the waiting messages, plus the one before when they are short ("and on
    // Sunday?").
    std::string query = message;
    if (message.size() < 40) {
        auto prev = tx.exec_params(
            "SELECT content FROM messages WHERE conversation_id = $1::uuid "
            " AND sender = 'customer' AND seq < $2 ORDER BY seq DESC LIMIT 1",
            conversation, first_seq);
        if (!prev.empty()) query += "\n" + prev[0][0].as<std::string>();
    }
    ctx.prompt =
        build_prompt(tx, body, message, query, customer, history_text(tx, conversation, first_seq),
                     config.kb_language, strict);
    if (!ctx.prompt.hits.empty()) {
        ctx.best_coverage = knowledge::query_coverage(tx, message, ctx.prompt.hits.front().chunk_id,
                                                      config.kb_language);
    }
    std::optional<Secret> stored;
    try {
        stored = stored_api_key(tx, config);
    } catch (const Error& e) {
        // SECRET_KEY changed: answer with the environment's key (or none) rather than not at
        // all.
        spdlog::error("ai.key_unreadable cause=\"{}\"", e.detail());
    }
    ctx.access = llm_access(config, stored);
    return ctx;
}

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
        p.turn.mode != "fallback") {
        // Its answer could not be queued twice: the fallback message goes instead.
        tx.exec_params(
            "UPDATE ai_turns SET mode = 'fallback', answer = NULL, citations = '[]', "
            " handoff_reason = 'The AI answer could not be sent.', updated_at = now() "
            "WHERE id = $1 AND state = 'generated'",
            p.turn.id);
    }
    if (p.turn.state != "generating") return p;  // generated: only the queuing is left
    p.generate = true;
    if (asks_for_person(p.message, s.settings.handoff_phrases)) {
        p.mode = "handoff";
        p.handoff_reason = kCustomerAskedReason;
    } else if (job.attempts >= kFailuresBeforeFallback) {
        p.mode = "fallback";
        p.handoff_reason =
            "The AI failed to answer " + std::to_string(job.attempts - 1) + " times in a row.";
    } else {
        p.ctx = gather(tx, conversation, s.first_seq, p.message, s.customer_name,
                       s.settings.strict_grounding, config);
    }
    return p;
}

asio::awaitable<void> reply_attempt(Module& mod, const conversations::Turn& t) {
    const auto& job = *t.job;
    auto conversation = t.conversation_id;
    auto ready = [conversation, job, &config = mod.config](pqxx::dbtransaction& tx) {
        return prepare(tx, conversation, job, config);
    };
    auto prepared = co_await mod.jobs_db.run(std::move(ready));
    const auto& s = prepared.s;
    if (prepared.turn.id == 0) co_return;  // nothing to answer, or skipped
    auto turn = prepared.turn;
    auto first_seq = s.first_seq;
    auto through = s.through_seq;

    if (prepared.generate) {
        auto started = Clock::now();
        std::string mode, answer, handoff_reason;
        json details = json::object();
        json citations = json::array();
        // Blue ticks (and the typing indicator while the model writes); best effort.
        if (!s.simulated && !s.last_wamid.empty()) {
            asio::co_spawn(mod.io, whatsapp::mark_read(mod.graph, s.last_wamid, true),
                           asio::detached);
        }
        mode = prepared.mode;
        handoff_reason = prepared.handoff_reason;
        if (prepared.ctx) {
            mod.bus.publish(events::ai_typing(conversation, true));
            const auto& ctx = *prepared.ctx;
            citations = citations_json(ctx.prompt.hits);

            std::optional<ChatResult> result;
            std::optional<LlmError> failure;
            if (ctx.access.configured) {
                ChatRequest req;
                req.messages = {{"system", ctx.prompt.system}, {"user", ctx.prompt.user}};
                req.model = s.settings.model;
                req.fallback_models = s.settings.fallback_models;
                req.temperature = s.settings.temperature;
                req.max_tokens = s.settings.max_tokens;
                req.user = util::sha256_hex("botflow:" + conversation).substr(0, 32);
                auto publisher = std::make_shared<DeltaPublisher>();
                publisher->mod = &mod;
                publisher->conversation = conversation;
                OnText on_text = [publisher](const std::string& text) { (*publisher)(text); };
                auto ep = endpoint(mod.config, ctx.access.key, ctx.prompt.business_name);
                try {
                    result = co_await mod.llm.chat(ep, std::move(req), on_text);
                } catch (const LlmFailure& f) {
                    failure = f.error();
                }
            } else {
                LlmError none;
                none.reason = "No LLM is configured (set LLM_API_KEY or a key in Settings > AI).";
                failure = none;
            }
            if (result) {
                bool marker = false;
                answer = strip_marker(knowledge::normalize_text(result->text), marker);
                details = {{"model", result->model},
                           {"prompt_tokens", result->prompt_tokens},
                           {"completion_tokens", result->completion_tokens},
                           {"first_token_ms", result->first_token.count()},
                           {"total_ms", result->total.count()},
                           {"attempts", result->attempts},
                           {"finish_reason", result->finish_reason}};
                if (result->cost_usd) details["cost_usd"] = *result->cost_usd;
                if (marker || answer.empty()) {
                    mode = "handoff";
                    handoff_reason =
                        "The AI could not answer from the knowledge base and handed over.";
                } else {
                    mode = "llm";
                }
            } else {
                details = {{"error", failure->reason}, {"error_detail", failure->log_text()}};
                // The knowledge may still answer: quote the best passage when it clearly
                // covers the question.
                if (!ctx.prompt.hits.empty() && ctx.best_coverage >= 0.5) {
                    mode = "extractive";
                    answer = extractive_answer(ctx.prompt.hits.front());
                    citations = citations_json({ctx.prompt.hits.front()});
                } else {
                    mode = "fallback";
                    handoff_reason = failure->reason;
                }
                spdlog::warn("ai.model_unavailable conversation={} mode={} reason=\"{}\"",
                             conversation, mode, failure->reason);
            }
            if (mode != "llm" && mode != "extractive") citations = json::array();
            details["pipeline_ms"] =
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started)
                    .count();
        }
        auto turn_id = turn.id;
        auto save = [turn_id, mode, answer, handoff_reason, details,
                     citations](pqxx::dbtransaction& tx) {
            save_generated(tx, turn_id, mode, answer, handoff_reason, details, citations);
        };
        co_await mod.jobs_db.run(std::move(save));
        mod.bus.publish(events::ai_delta(conversation, answer, true));
    }

    auto turn_id = turn.id;
    auto queue = [conversation, turn_id, first_seq, through,
                  settings = s.settings](pqxx::dbtransaction& tx) {
        return queue_turn(tx, conversation, turn_id, first_seq, through, settings);
    };
    auto queued = co_await mod.jobs_db.run(std::move(queue));
    mod.bus.publish(events::ai_typing(conversation, false));
    spdlog::info("ai.answered conversation={} turn={} queued={} handoff={} messages={}",
                 conversation, turn_id, queued.sent, queued.handoff, queued.ids.size());
}

// Every failure is retried (a customer must not meet silence because of an error that looks
// permanent); from the third attempt on, the fallback message goes out instead of the
// model's answer.
asio::awaitable<conversations::Outcome> reply_turn(Module& mod, const conversations::Turn& turn) {
    std::exception_ptr failure;
    try {
        co_await reply_attempt(mod, turn);
    } catch (const jobs::RetryLater&) {
        throw;
    } catch (...) {
        failure = std::current_exception();
    }
    if (!failure) co_return conversations::Outcome::taken;
    // Whatever failed, the dashboard must not show the AI typing forever.
    mod.bus.publish(events::ai_typing(turn.conversation_id, false));
    try {
        std::rethrow_exception(failure);
    } catch (const Error& e) {
        if (e.transient()) throw;
        throw Error(Errc::upstream_failed, e.detail(), e.cause());
    } catch (const std::exception& e) {
        throw Error(Errc::upstream_failed, "The AI answer failed.", e.what());
    }
}

// Outside opening hours the customer hears when someone will be back, once per closed period;
// the turn then goes on to the AI, which may still answer.
asio::awaitable<conversations::Outcome> away_turn(Module& mod, const conversations::Turn& turn) {
    auto away = [conversation = turn.conversation_id,
                 &config = mod.config](pqxx::dbtransaction& tx) {
        auto c = tx.exec_params("SELECT ai_answered_seq FROM conversations WHERE id = $1::uuid",
                                conversation);
        if (c.empty() || unanswered(tx, conversation, c[0][0].as<std::int64_t>()).empty()) {
            return false;
        }
        return queue_away_if_closed(tx, conversation, load_settings(tx, config));
    };
    co_await mod.jobs_db.run(std::move(away));
    co_return conversations::Outcome::passed;
}

}  // namespace

void register_responders(Module& mod) {
    mod.turns.add({.name = "away",
                   .slot = conversations::Slot::business_hours,
                   .respond = [&mod](const conversations::Turn& t) { return away_turn(mod, t); }});
    mod.turns.add({.name = "ai",
                   .slot = conversations::Slot::ai,
                   .respond = [&mod](const conversations::Turn& t) { return reply_turn(mod, t); }});
}

}  // namespace botflow::ai
