// What other modules ask of the AI, outside a turn of its own: the answer to one customer
// message on request (a flow's AI step), with facts and instructions of the caller's and the
// passages optionally limited to documents with a tag; and the classification of a message
// among intents (a flow's intent trigger). Each in three parts: read in the caller's
// transaction, asked of the model outside any, and kept in the caller's transaction, so
// that what is sent happens once with the caller's own bookkeeping.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "botflow/ai/settings.hpp"
#include "botflow/config/config.hpp"
#include "botflow/core/asio.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::events {
class Bus;
}  // namespace botflow::events

namespace botflow::ai {

class LlmClient;
struct Context;

/// The message to answer and what the caller adds to the prompt.
struct Question {
    std::string conversation;
    std::int64_t message_seq = 0;  // the customer message answered (history stops before it)
    std::string message;
    std::string instructions;  // added to the prompt when set
    std::string document_tag;  // only passages of documents with this tag when set
    std::vector<std::pair<std::string, std::string>> facts;  // what the customer told so far
};

/// The prompt gathered for a Question.
struct QuestionPrompt {
    std::string conversation;
    std::shared_ptr<const Context> ctx;
    AiSettings settings;
};

/// The answer made, not yet sent.
struct Answer {
    std::string mode;  // llm, extractive, handoff, fallback
    std::string text;  // the answer (llm, extractive); empty for a handoff or the fallback
    std::string handoff_reason;
    nlohmann::json details = nlohmann::json::object();  // model, tokens, cost, timings, error
    nlohmann::json citations = nlohmann::json::array();
    bool hands_over() const noexcept { return mode == "handoff" || mode == "fallback"; }
};

/// Gathers the prompt for `q`: the active template, the passages, the history, the key in
/// effect, the facts and the instructions.
QuestionPrompt prepare_answer(pqxx::dbtransaction& tx, const Question& q,
                              const config::Config& config);

/// The model's answer (streamed to the dashboard as it is written), the knowledge's when the
/// model cannot be reached, else the fallback. Never throws for the model's failures.
asio::awaitable<Answer> make_answer(LlmClient& llm, events::Bus& bus, const config::Config& config,
                                    QuestionPrompt prompt);

/// Queues `answer` to the conversation as the AI's (or the handoff or fallback message, as
/// the system's), with its figures and sources, and hands the conversation over when the
/// answer does. Returns the messages' ids.
std::vector<std::string> queue_answer(pqxx::dbtransaction& tx, const std::string& conversation,
                                      const Answer& answer, const AiSettings& settings);

/// A message to sort among intents, each described in a sentence.
struct IntentAsk {
    std::string message;
    std::vector<std::string> intents;
    LlmAccess access;
    AiSettings settings;
    std::string business_name;
};

/// The intent the model chose (-1: none of them), how sure it was, and the call's figures.
struct IntentAnswer {
    int intent = -1;
    double confidence = 0;
    nlohmann::json details = nlohmann::json::object();  // model, tokens, cost, error
};

/// The key and the model to classify with, read in the caller's transaction.
IntentAsk prepare_intents(pqxx::dbtransaction& tx, std::string message,
                          std::vector<std::string> intents, const config::Config& config);

/// Asks the model which intent `ask.message` has (one short non-streamed call, no fallbacks
/// beyond the settings'). A failed or unreadable call is intent -1 with the error in details.
asio::awaitable<IntentAnswer> classify_intent(LlmClient& llm, const config::Config& config,
                                              IntentAsk ask);

/// Reads the model's classification reply: {"intent": n (1-based, 0: none), "confidence": x},
/// alone or inside other text; intent -1 when it is not there. Pure.
IntentAnswer parse_intent_reply(const std::string& text, std::size_t intents);

/// Adds a call's tokens and cost (`details`: model, prompt_tokens, completion_tokens,
/// cost_usd) to the customer message `seq` of `conversation`, where the reports count them.
void record_call_figures(pqxx::dbtransaction& tx, const std::string& conversation, std::int64_t seq,
                         const nlohmann::json& details);

}  // namespace botflow::ai
