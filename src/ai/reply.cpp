// The AI's turn responders: the model's answer (or the knowledge's, or the fallback) made,
// kept and queued; the away message outside opening hours.
#include <mutex>
#include <pqxx/pqxx>

#include "ai/prompt.hpp"
#include "ai/registration.hpp"
#include "ai/turn.hpp"
#include "botflow/ai/llm.hpp"
#include "botflow/ai/module.hpp"
#include "botflow/conversations/dispatcher.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/events/bus.hpp"
#include "botflow/jobs/runner.hpp"
#include "botflow/knowledge/chunker.hpp"
#include "botflow/util/crypto.hpp"
#include "botflow/whatsapp/graph.hpp"
#include "botflow/whatsapp/sender.hpp"

namespace botflow::ai {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

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

// What the model said, or why it did not.
struct Call {
    std::optional<ChatResult> result;
    std::optional<LlmError> failure;
};

asio::awaitable<Call> call_model(Module& mod, const Situation& s, const Context& ctx,
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
        call.result = co_await mod.llm.chat(ep, std::move(req), on_text);
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

// The turn's answer: the handoff or fallback decided without the model, or the model's (or
// the knowledge's) answer to the prompt.
asio::awaitable<Generated> generate(Module& mod, const Prepared& prepared,
                                    std::string conversation) {
    const auto& s = prepared.s;
    auto started = Clock::now();
    Generated g;
    // Blue ticks (and the typing indicator while the model writes); best effort.
    if (!s.simulated && !s.last_wamid.empty()) {
        asio::co_spawn(mod.io, whatsapp::mark_read(mod.graph, s.last_wamid, true), asio::detached);
    }
    if (!prepared.ctx) {
        // prepare() decided without the model: a handoff or the fallback.
        g.mode = prepared.mode.value();
        g.handoff_reason = prepared.handoff_reason;
        co_return g;
    }
    mod.bus.publish(events::ai_typing(conversation, true));
    const auto& ctx = *prepared.ctx;
    g.citations = citations_json(ctx.prompt.hits);
    auto call = co_await call_model(mod, s, ctx, conversation);
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

asio::awaitable<void> reply_attempt(Module& mod, const conversations::Turn& t) {
    const auto& job = *t.job;
    auto conversation = t.conversation_id;
    auto ready = [conversation, job, &config = mod.config](pqxx::dbtransaction& tx) {
        return prepare(tx, conversation, job, config);
    };
    auto prepared = co_await mod.jobs_db.run(std::move(ready));
    const auto& s = prepared.s;
    if (prepared.turn.id == 0) co_return;  // nothing to answer, or skipped
    auto turn_id = prepared.turn.id;
    auto first_seq = s.first_seq;
    auto through = s.through_seq;

    if (prepared.generate) {
        auto answer = co_await generate(mod, prepared, conversation);
        auto save = [turn_id, answer](pqxx::dbtransaction& tx) {
            save_generated(tx, turn_id, answer);
        };
        co_await mod.jobs_db.run(std::move(save));
        mod.bus.publish(events::ai_delta(conversation, answer.answer, true));
    }

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
    auto away = [conversation = turn.conversation_id, &config = mod.config](
                    pqxx::dbtransaction& tx) { return queue_away(tx, conversation, config); };
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
