#include "botflow/conversations/dispatcher.hpp"

#include <algorithm>

#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/jobs/runner.hpp"
#include "botflow/store/db.hpp"

namespace botflow::conversations {

std::string_view slot_name(Slot slot) noexcept {
    switch (slot) {
        case Slot::opt_out:
            return "opt_out";
        case Slot::flow_run:
            return "flow_run";
        case Slot::flow_trigger:
            return "flow_trigger";
        case Slot::business_hours:
            return "business_hours";
        case Slot::ai:
            return "ai";
    }
    return "unknown";
}

Dispatcher::Dispatcher(store::Db& db) : db_(db) {}

void Dispatcher::add(Responder responder) {
    // Stable: within a slot, responders keep the order they registered in.
    auto at = std::upper_bound(responders_.begin(), responders_.end(), responder.slot,
                               [](Slot slot, const Responder& r) {
                                   return static_cast<int>(slot) < static_cast<int>(r.slot);
                               });
    responders_.insert(at, std::move(responder));
}

void Dispatcher::register_jobs(jobs::JobRunner& runner) {
    jobs::KindOptions options{.serial_per_conversation = kTurnSerialGroup, .lane = kTurnLane};
    for (const char* kind : {kTurnKind, kLegacyTurnKind}) {
        runner.add(
            kind, [this](const jobs::Job& job) { return handle(job); }, options);
    }
}

asio::awaitable<void> Dispatcher::handle(const jobs::Job& job) {
    if (!job.payload.contains("conversation_id") || !job.payload["conversation_id"].is_string()) {
        throw Error(Errc::bad_request, "turn job without conversation_id");
    }
    Turn turn{job.payload["conversation_id"].get<std::string>(), &job};
    // A later message's turn is waiting (the debounce): it answers the whole burst.
    auto newer = [conversation = turn.conversation_id, id = job.id](pqxx::dbtransaction& tx) {
        return jobs::newer_queued(tx, {kTurnKind, kLegacyTurnKind}, conversation, id);
    };
    if (co_await db_.run(std::move(newer))) {
        spdlog::debug("turn.superseded conversation={} job={}", turn.conversation_id, job.id);
        co_return;
    }
    for (const auto& responder : responders_) {
        auto outcome = co_await responder.respond(turn);
        if (outcome == Outcome::taken) {
            spdlog::debug("turn.taken conversation={} job={} responder={} slot={}",
                          turn.conversation_id, job.id, responder.name, slot_name(responder.slot));
            co_return;
        }
    }
}

}  // namespace botflow::conversations
