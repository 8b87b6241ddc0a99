// The customer turn: ingestion enqueues one neutral `conversation_turn` job per burst of
// customer messages, and the dispatcher asks the registered responders, in their slots' order,
// who answers it. Modules add their responder through their own registration.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "botflow/core/asio.hpp"
#include "botflow/jobs/job_repo.hpp"

namespace botflow::store {
class Db;
}

namespace botflow::jobs {
class JobRunner;
}

namespace botflow::conversations {

/// The job kind ingestion enqueues for a customer's turn.
inline constexpr const char* kTurnKind = "conversation_turn";
/// The kind earlier versions enqueued for the same purpose; jobs of it still queued after an
/// upgrade (or enqueued by a replica of the older version during a rolling deploy) are turns.
inline constexpr const char* kLegacyTurnKind = "ai_reply";
/// Turn jobs of one conversation run one at a time, in order: one answer in the making.
inline constexpr const char* kTurnSerialGroup = "conversation_turn";
/// The lane turn jobs run in (RunnerOptions::lanes): they mostly wait on the network.
inline constexpr const char* kTurnLane = "turns";

/// Where a responder stands in the order of asking. Lower slots are asked first; within a
/// slot, in the order of registration.
enum class Slot {
    opt_out,         // the customer asked to receive nothing more
    flow_run,        // the conversation's active flow run waits for this answer
    flow_trigger,    // a published flow starts on this message
    business_hours,  // the away message outside opening hours
    ai,              // the AI answers what nothing else took
};

/// Whether a responder answered the turn (nobody after it is asked) or left it to the next.
enum class Outcome { passed, taken };

/// The turn being answered: its conversation and the job that carries it. A turn may be
/// handled more than once (a lost lease, a crash after the work): responders are idempotent.
struct Turn {
    std::string conversation_id;
    const jobs::Job* job = nullptr;
};

using Respond = std::function<asio::awaitable<Outcome>(const Turn&)>;

struct Responder {
    std::string name;  // for the log: "ai", "away", ...
    Slot slot = Slot::ai;
    Respond respond;
};

class Dispatcher {
public:
    explicit Dispatcher(store::Db& db);

    /// Adds a responder. Before register_jobs() only.
    void add(Responder responder);

    /// The responders in the order they are asked.
    const std::vector<Responder>& responders() const noexcept { return responders_; }

    /// Registers the turn job kinds (kTurnKind and kLegacyTurnKind) with the runner.
    void register_jobs(jobs::JobRunner& runner);

    /// Handles one turn job: skips it when a newer turn of the conversation is queued (the
    /// newer one answers the whole burst), else asks the responders in order until one takes
    /// it. Throws what a responder throws (the job is retried). Resumes on the caller's
    /// executor.
    asio::awaitable<void> handle(const jobs::Job& job);

private:
    store::Db& db_;
    std::vector<Responder> responders_;
};

/// The name of a slot, for the log. Pure.
std::string_view slot_name(Slot slot) noexcept;

}  // namespace botflow::conversations
