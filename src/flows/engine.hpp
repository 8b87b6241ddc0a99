// The flow engine: the dispatcher's two flow responders (a run waiting for this answer, a
// trigger that starts one), the job that wakes a run after a delay or a question's timeout,
// and the loop that takes a run's steps until it waits or ends. Private to flows/.
#pragma once
#include <string>

#include "botflow/conversations/dispatcher.hpp"
#include "botflow/flows/module.hpp"
#include "flows/steps.hpp"

namespace botflow::flows {

/// The words that leave any flow: "agent", "human", "stop" and their usual equivalents.
const std::vector<std::string>& default_escape_words();

class Engine {
public:
    explicit Engine(Module& mod) : mod_(mod) {}

    /// Slot::flow_run: the conversation's run waits for an answer, or a customer leaves it with
    /// an escape word. Resumes on the caller's executor.
    asio::awaitable<conversations::Outcome> answer(const conversations::Turn& turn);
    /// Slot::flow_trigger: a published flow's trigger takes the message and a run starts.
    asio::awaitable<conversations::Outcome> trigger(const conversations::Turn& turn);
    /// The flow_resume job.
    asio::awaitable<void> resume(const jobs::Job& job);
    /// Starts a test of `flow_id`'s draft in the simulator conversation `conversation` (ending
    /// the run it has); returns the run's id. Errc::unprocessable when the draft has no trigger
    /// or is not a document, Errc::not_found when there is no such flow.
    asio::awaitable<std::string> start_test(std::string flow_id, std::string conversation);
    DocumentCache& documents() { return documents_; }

private:
    /// Goes on from a batch: its call or AI answer made and applied, then the next batches
    /// until the run waits or ends, at most the configured number of steps in all.
    asio::awaitable<void> go_on(Batch batch);
    /// The call or the AI's answer a batch stopped for, applied: what the step did.
    asio::awaitable<StepDone> complete(StepDone done, int taken);
    asio::awaitable<CallResult> call(const PendingCall& call);

    Module& mod_;
    DocumentCache documents_;
};

}  // namespace botflow::flows
