// The AI's turn responders: the model's answer (or the knowledge's, or the fallback) made,
// kept and queued; the away message outside opening hours.
#include <pqxx/pqxx>

#include "ai/generate.hpp"
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

// The turn's answer: the handoff or fallback decided without the model, or the model's (or
// the knowledge's) answer to the prompt.
asio::awaitable<Generated> generate(Module& mod, const Prepared& prepared,
                                    std::string conversation) {
    const auto& s = prepared.s;
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
    co_return co_await answer_prompt(mod.llm, mod.bus, mod.config, s.settings, *prepared.ctx,
                                     conversation);
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
