// The AI on request of another module: an answer to one message (with the caller's facts,
// instructions and document tag), and a message's intent among several.
#include "botflow/ai/answer.hpp"

#include <pqxx/pqxx>

#include "ai/generate.hpp"
#include "ai/prompt.hpp"
#include "ai/turn.hpp"
#include "ai/turn_repo.hpp"
#include "botflow/ai/llm.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/events/bus.hpp"
#include "botflow/events/catalog.hpp"
#include "botflow/events/outbox_repo.hpp"
#include "botflow/prompts/prompts.hpp"
#include "botflow/store/conversation_repo.hpp"
#include "botflow/whatsapp/queue.hpp"

namespace botflow::ai {
namespace {

using nlohmann::json;

std::string intents_prompt(const std::vector<std::string>& intents,
                           const std::string& business_name) {
    std::string out = "You sort the WhatsApp messages customers send to " +
                      (business_name.empty() ? std::string("a business") : business_name) +
                      " by what the customer wants. The possible intents:\n";
    for (std::size_t i = 0; i < intents.size(); ++i) {
        out += std::to_string(i + 1) + ". " + intents[i] + "\n";
    }
    out +=
        "\nAnswer with JSON only, no other text: {\"intent\": <the number of the intent, or 0 "
        "when none fits>, \"confidence\": <from 0 to 1, how sure you are>}.";
    return out;
}

}  // namespace

QuestionPrompt prepare_answer(pqxx::dbtransaction& tx, const Question& q,
                              const config::Config& config) {
    QuestionPrompt p;
    p.conversation = q.conversation;
    p.settings = load_settings(tx, config);
    auto state = find_conversation_state(tx, q.conversation);
    auto customer = state ? state->customer_name : std::string();
    auto ctx = gather(tx, q.conversation, q.message_seq, q.message, customer,
                      p.settings.strict_grounding, config, q.document_tag);
    if (!q.facts.empty()) {
        ctx.prompt.system += "\n\nWhat the customer has told us in this conversation:";
        for (const auto& [name, value] : q.facts) ctx.prompt.system += "\n- " + name + ": " + value;
    }
    if (!q.instructions.empty()) {
        ctx.prompt.system += "\n\nFor this answer: " + q.instructions;
    }
    p.ctx = std::make_shared<const Context>(std::move(ctx));
    return p;
}

asio::awaitable<Answer> make_answer(LlmClient& llm, events::Bus& bus, const config::Config& config,
                                    QuestionPrompt prompt) {
    auto g =
        co_await answer_prompt(llm, bus, config, prompt.settings, *prompt.ctx, prompt.conversation);
    bus.publish(events::ai_delta(prompt.conversation, g.answer, true));
    bus.publish(events::ai_typing(prompt.conversation, false));
    Answer a;
    a.mode = std::string(mode_name(g.mode));
    a.text = g.answer;
    a.handoff_reason = g.handoff_reason;
    a.details = g.details;
    a.citations = g.citations;
    co_return a;
}

std::vector<std::string> queue_answer(pqxx::dbtransaction& tx, const std::string& conversation,
                                      const Answer& answer, const AiSettings& settings) {
    auto mode = parse_mode(answer.mode).value_or(Mode::fallback);
    auto ids = whatsapp::queue_message(tx, reply_for(answer.text, mode, conversation, settings));
    record_answer(tx, ids, mode, answer.details, answer.citations);
    for (auto& m : store::messages_by_id(tx, ids)) {
        events::stage(tx, events::message_created(conversation, std::move(m)));
    }
    if (hands_over(mode)) {
        auto reason = answer.handoff_reason.empty() ? std::string("The AI handed over.")
                                                    : answer.handoff_reason;
        store::hand_off(tx, conversation, reason);
        events::stage(tx, events::conversation_handoff(conversation, reason));
    }
    return ids;
}

IntentAsk prepare_intents(pqxx::dbtransaction& tx, std::string message,
                          std::vector<std::string> intents, const config::Config& config) {
    IntentAsk ask;
    ask.message = std::move(message);
    ask.intents = std::move(intents);
    ask.settings = load_settings(tx, config);
    std::optional<Secret> stored;
    try {
        stored = stored_api_key(tx, config);
    } catch (const Error& e) {
        spdlog::error("ai.key_unreadable cause=\"{}\"", e.detail());
    }
    ask.access = llm_access(config, stored);
    auto profile = prompts::business_profile(tx);
    ask.business_name = profile["name"].is_string() ? profile["name"].get<std::string>() : "";
    return ask;
}

asio::awaitable<IntentAnswer> classify_intent(LlmClient& llm, const config::Config& config,
                                              IntentAsk ask) {
    IntentAnswer out;
    if (!ask.access.configured || ask.intents.empty()) {
        out.details = {{"error", "No LLM is configured."}};
        co_return out;
    }
    ChatRequest req;
    req.messages = {{"system", intents_prompt(ask.intents, ask.business_name)},
                    {"user", ask.message}};
    req.model = ask.settings.model;
    req.fallback_models = ask.settings.fallback_models;
    req.temperature = 0;
    req.max_tokens = 30;
    req.stream = false;
    try {
        auto ep = endpoint(config, ask.access.key, ask.business_name);
        auto result = co_await llm.chat(ep, std::move(req), {});
        out = parse_intent_reply(result.text, ask.intents.size());
        out.details = {{"model", result.model},
                       {"prompt_tokens", result.prompt_tokens},
                       {"completion_tokens", result.completion_tokens},
                       {"total_ms", result.total.count()}};
        if (result.cost_usd) out.details["cost_usd"] = *result.cost_usd;
    } catch (const LlmFailure& f) {
        out.details = {{"error", f.error().reason}};
        spdlog::warn("ai.intent_failed reason=\"{}\"", f.error().reason);
    }
    co_return out;
}

IntentAnswer parse_intent_reply(const std::string& text, std::size_t intents) {
    IntentAnswer out;
    auto open = text.find('{');
    auto close = text.rfind('}');
    if (open == std::string::npos || close == std::string::npos || close < open) return out;
    auto j = json::parse(text.substr(open, close - open + 1), nullptr, false);
    if (!j.is_object() || !j.contains("intent") || !j["intent"].is_number_integer()) return out;
    auto n = j["intent"].get<long long>();
    if (n < 1 || static_cast<std::size_t>(n) > intents) return out;
    out.intent = static_cast<int>(n - 1);
    if (j.contains("confidence") && j["confidence"].is_number()) {
        out.confidence = std::clamp(j["confidence"].get<double>(), 0.0, 1.0);
    }
    return out;
}

void record_call_figures(pqxx::dbtransaction& tx, const std::string& conversation, std::int64_t seq,
                         const json& details) {
    auto f = figures_of(details);
    if (!f.prompt_tokens && !f.cost_usd) return;
    add_call_figures(tx, conversation, seq, f);
}

}  // namespace botflow::ai
