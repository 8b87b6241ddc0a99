// An AI turn's state in PostgreSQL (its ai_turns row): what is waiting and whether the AI
// answers it, the answer kept the moment it exists, and its queuing as outbound messages,
// exactly once whatever ran before; the away message. Private to ai/.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ai/prompt.hpp"
#include "botflow/ai/settings.hpp"
#include "botflow/config/config.hpp"
#include "botflow/whatsapp/queue.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::jobs {
struct Job;
}  // namespace botflow::jobs

namespace botflow::ai {

// How an automatic message was made.
enum class Mode { llm, extractive, handoff, fallback, away };

// The stored name ("llm"): ai_turns.mode and messages.ai_mode hold these.
std::string_view mode_name(Mode mode) noexcept;
std::optional<Mode> parse_mode(std::string_view name) noexcept;
// An answer from the knowledge (llm, extractive): its passages are kept as its sources.
bool cites_passages(Mode mode) noexcept;
// The conversation goes to a person (handoff, fallback).
bool hands_over(Mode mode) noexcept;

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
    std::optional<Mode> mode;  // none while generating
    std::string answer;
    std::string handoff_reason;
    nlohmann::json details = nlohmann::json::object();
    nlohmann::json citations = nlohmann::json::array();
};

// Everything before the model, in one transaction: what is waiting, whether the AI should
// answer, the turn, and the prompt.
struct Prepared {
    Situation s;
    Turn turn;
    bool generate = false;     // the turn needs its answer made now
    std::string message;       // the waiting customer messages, one per line
    std::optional<Mode> mode;  // handoff or fallback decided without the model; none: the model
    std::string handoff_reason;
    std::optional<Context> ctx;
};

// A turn's answer as it is kept (ai_turns), before it is queued.
struct Generated {
    Mode mode = Mode::fallback;
    std::string answer;
    std::string handoff_reason;
    nlohmann::json details = nlohmann::json::object();  // model, tokens, cost, timings, error
    nlohmann::json citations = nlohmann::json::array();
};

struct Queued {
    bool sent = false;  // false: skipped (AI switched off or an agent replied meanwhile)
    bool handoff = false;
    std::string handoff_reason;
    std::vector<std::string> ids;
};

// Reads the situation and claims the turn for the waiting messages; decides a handoff or the
// fallback without the model, or gathers the prompt. A turn with id 0: nothing to answer.
Prepared prepare(pqxx::dbtransaction& tx, const std::string& conversation, const jobs::Job& job,
                 const config::Config& config);

// The model's (or the fallback's) answer, kept the moment it exists: a crash before it is
// queued does not pay for the model a second time.
void save_generated(pqxx::dbtransaction& tx, std::int64_t turn, const Generated& answer);

// Stores the answer as outbound messages and queues their sending, in the transaction that
// marks the turn queued: exactly once, whatever ran before.
Queued queue_turn(pqxx::dbtransaction& tx, const std::string& conversation, std::int64_t turn_id,
                  std::int64_t first_seq, std::int64_t through_seq, const AiSettings& settings);

// The figures of the model's call, kept on the first message of its answer.
struct AnswerFigures {
    std::optional<std::string> model;
    std::optional<long long> prompt_tokens, completion_tokens, total_ms, first_token_ms;
    std::optional<double> cost_usd;
};

// A call's figures as ai_turns.details holds them (model, tokens, cost_usd, timings).
AnswerFigures figures_of(const nlohmann::json& details);

// The message(s) `ids` of an answer made in `mode`: the mode on each, the figures of the call
// (`details`) on the first, and, for an answer from the knowledge, its passages as sources.
void record_answer(pqxx::dbtransaction& tx, const std::vector<std::string>& ids, Mode mode,
                   const nlohmann::json& details, const nlohmann::json& citations);

// The message a queued answer sends: its text, or the handoff or fallback message.
whatsapp::QueuedMessage reply_for(const std::string& answer, Mode mode,
                                  const std::string& conversation, const AiSettings& settings);

// Outside opening hours, with a customer message waiting: queues the away message, once per
// closed period (and flags the conversation for the morning). Returns whether it was queued.
bool queue_away(pqxx::dbtransaction& tx, const std::string& conversation,
                const config::Config& config);

}  // namespace botflow::ai
