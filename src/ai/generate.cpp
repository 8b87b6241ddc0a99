#include "ai/generate.hpp"

#include <memory>
#include <mutex>

#include "botflow/ai/llm.hpp"
#include "botflow/core/log.hpp"
#include "botflow/events/bus.hpp"
#include "botflow/events/catalog.hpp"
#include "botflow/knowledge/chunker.hpp"
#include "botflow/util/crypto.hpp"

namespace botflow::ai {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Publishes the growing answer as ai.delta events, at most every 150 ms. Called on the HTTP
// client's strand.
struct DeltaPublisher {
    events::Bus* bus = nullptr;
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
        bus->publish(events::ai_delta(conversation, shown, false));
    }
};

// What the model said, or why it did not.
struct Call {
    std::optional<ChatResult> result;
    std::optional<LlmError> failure;
};

asio::awaitable<Call> call_model(LlmClient& llm, events::Bus& bus, const config::Config& config,
                                 const AiSettings& settings, const Context& ctx,
                                 std::string conversation) {
    Call call;
    if (!ctx.access.configured) {
        LlmError none;
        none.reason = "No LLM is configured (set LLM_API_KEY or a key in Settings > AI).";
        call.failure = none;
        co_return call;
    }
    ChatRequest req;
    req.messages = {{"system", ctx.prompt.system}, {"user", ctx.prompt.user}};
    req.model = settings.model;
    req.fallback_models = settings.fallback_models;
    req.temperature = settings.temperature;
    req.max_tokens = settings.max_tokens;
    req.user = util::sha256_hex("botflow:" + conversation).substr(0, 32);
    auto publisher = std::make_shared<DeltaPublisher>();
    publisher->bus = &bus;
    publisher->conversation = conversation;
    OnText on_text = [publisher](const std::string& text) { (*publisher)(text); };
    auto ep = endpoint(config, ctx.access.key, ctx.prompt.business_name);
    try {
        call.result = co_await llm.chat(ep, std::move(req), on_text);
    } catch (const LlmFailure& f) {
        call.failure = f.error();
    }
    co_return call;
}

// The model's answer, or its handoff when it wrote the marker (or nothing).
void take_answer(Generated& g, const ChatResult& result) {
    bool marker = false;
    g.answer = strip_marker(knowledge::normalize_text(result.text), marker);
    g.details = {{"model", result.model},
                 {"prompt_tokens", result.prompt_tokens},
                 {"completion_tokens", result.completion_tokens},
                 {"first_token_ms", result.first_token.count()},
                 {"total_ms", result.total.count()},
                 {"attempts", result.attempts},
                 {"finish_reason", result.finish_reason}};
    if (result.cost_usd) g.details["cost_usd"] = *result.cost_usd;
    if (marker || g.answer.empty()) {
        g.mode = Mode::handoff;
        g.handoff_reason = "The AI could not answer from the knowledge base and handed over.";
    } else {
        g.mode = Mode::llm;
    }
}

// Without the model: the knowledge may still answer, by quoting the best passage when it
// clearly covers the question; else the fallback.
void answer_without_model(Generated& g, const Context& ctx, const LlmError& failure,
                          const std::string& conversation) {
    g.details = {{"error", failure.reason}, {"error_detail", failure.log_text()}};
    if (!ctx.prompt.hits.empty() && ctx.best_coverage >= 0.5) {
        g.mode = Mode::extractive;
        g.answer = extractive_answer(ctx.prompt.hits.front());
        g.citations = citations_json({ctx.prompt.hits.front()});
    } else {
        g.mode = Mode::fallback;
        g.handoff_reason = failure.reason;
    }
    spdlog::warn("ai.model_unavailable conversation={} mode={} reason=\"{}\"", conversation,
                 mode_name(g.mode), failure.reason);
}

}  // namespace

asio::awaitable<Generated> answer_prompt(LlmClient& llm, events::Bus& bus,
                                         const config::Config& config, AiSettings settings,
                                         const Context& ctx, std::string conversation) {
    auto started = Clock::now();
    Generated g;
    bus.publish(events::ai_typing(conversation, true));
    g.citations = citations_json(ctx.prompt.hits);
    auto call = co_await call_model(llm, bus, config, settings, ctx, conversation);
    if (call.result) {
        take_answer(g, *call.result);
    } else {
        answer_without_model(g, ctx, *call.failure, conversation);
    }
    if (!cites_passages(g.mode)) g.citations = json::array();
    g.details["pipeline_ms"] =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    co_return g;
}

}  // namespace botflow::ai
