// One step of a run, in one transaction with everything it does: the messages it queues,
// the variables it sets, its log line and where the run goes next, so that a step happens
// once whatever crashes around it. Steps that call out (api_call) are split in two: what
// to call, read here; what came back, applied here. Private to flows/.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "botflow/ai/answer.hpp"
#include "botflow/config/config.hpp"
#include "flows/document.hpp"
#include "flows/nodes.hpp"
#include "flows/run_repo.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::flows {

/// The documents of published versions, which never change: read once per replica.
class DocumentCache {
public:
    /// The document `run` follows: its version's, or the test's own.
    std::shared_ptr<const Document> of(pqxx::dbtransaction& tx, const Run& run);
    std::shared_ptr<const Document> version(pqxx::dbtransaction& tx, const std::string& flow_id,
                                            int version);

private:
    std::mutex mutex_;
    std::map<std::pair<std::string, int>, std::shared_ptr<const Document>> documents_;
};

/// An HTTP call an api_call step makes, rendered with the run's variables and secrets.
struct PendingCall {
    std::string run_id;
    int step_seq = 0;
    std::string method;
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;
    int timeout_ms = 10000;
    std::vector<std::string> secret_values;  // to mask in anything the log keeps
};

/// What the call returned: a status and body, or why there was none.
struct CallResult {
    long status = 0;
    std::string body;
    std::string error;  // transport failure, in words
    int duration_ms = 0;
};

/// An ai_response step's question to the AI, gathered in the step's transaction.
struct PendingAnswer {
    std::string run_id;
    int step_seq = 0;
    std::string question;
    ai::QuestionPrompt prompt;
};

/// What step() did.
struct StepDone {
    bool go_on = false;                   // the run is still running: take the next step
    std::optional<PendingCall> call;      // make this call, then apply_call()
    std::optional<std::string> run_id;    // the run to go on with (a jump starts another)
    std::optional<PendingAnswer> answer;  // ask the AI, then apply_answer()
};

struct StepEnv {
    const config::Config& config;
    DocumentCache& documents;
    bool over_limit = false;      // this turn has taken its steps: stop the run
    bool first_of_batch = false;  // a person may have taken over since the caller looked
};

/// A run's limits over its whole life (a loop through a wait is allowed, but not forever).
inline constexpr int kMaxStepsPerRun = 5000;
inline constexpr std::size_t kMaxVariablesBytes = 256 * 1024;

/// Ends `run` as stopped when a person has the conversation (handed off, or its AI switched
/// off); returns whether it did. Never a test of a draft (the owner started it).
bool stop_if_taken_over(pqxx::dbtransaction& tx, Run& run, const Document* doc);

/// Takes the current step of run `run_id` if it is running. Throws what the store throws.
StepDone step(pqxx::dbtransaction& tx, const std::string& run_id, const StepEnv& env);

/// Steps taken in one transaction, and where they stopped.
struct Batch {
    StepDone done;
    int taken = 0;  // steps of this turn so far, these included
};
/// Takes run `run_id`'s steps in one transaction (fewer commits, the same once-only: they all
/// happen or none) until it waits, ends or must call out, or kStepsPerBatch were taken;
/// `taken` steps of this turn came before. Unless `checked` (the caller just has), the first
/// step stops the run when a person has the conversation.
inline constexpr int kStepsPerBatch = 10;
Batch take_steps(pqxx::dbtransaction& tx, std::string run_id, const config::Config& config,
                 DocumentCache& documents, int taken, bool checked);

/// The request of the api_call step `node` at which `run` stands, with the variables of
/// `scope` filled in (percent-encoded in the URL) and the secrets it names unsealed into it.
PendingCall prepare_call(pqxx::dbtransaction& tx, const Run& run, const Node& node,
                         const nlohmann::json& scope, const StepEnv& env);

/// Applies an api_call's result to the run, unless the run moved on meanwhile.
StepDone apply_call(pqxx::dbtransaction& tx, const PendingCall& call, const CallResult& result,
                    const StepEnv& env);

/// The question an ai_response step at which `run` stands asks: the customer's last message,
/// the run's variables as facts, the step's instructions filled in and its document tag.
PendingAnswer prepare_answer(pqxx::dbtransaction& tx, const Run& run, const Node& node,
                             const nlohmann::json& scope, const StepEnv& env);

/// Sends the AI's answer and moves the run on (`default`), or ends it handed off when the AI
/// handed over; nothing when the run moved on meanwhile.
StepDone apply_answer(pqxx::dbtransaction& tx, const PendingAnswer& pending,
                      const ai::Answer& answer, const StepEnv& env);

/// Ends the run: `status` (completed, handed_off, failed, expired, stopped), with the error,
/// handing the conversation to a person when `hand_off`. Logs `step` (at the current node
/// unless it names one; its outcome the status unless it has one).
void end_run(pqxx::dbtransaction& tx, Run& run, const Document* doc, const std::string& status,
             const std::optional<std::string>& error, bool hand_off, StepRecord step = {},
             const std::optional<std::string>& stopped_by = {});

/// Moves the run on from its current node by `outcome` and logs the step; ends it when no edge
/// follows (completed, or for `timeout` expired, for `invalid` handed off). Returns whether the
/// run still runs.
bool move_on(pqxx::dbtransaction& tx, Run& run, const Document& doc, const std::string& outcome,
             StepRecord step);

/// The variables a run sees: its own, and customer, conversation, business, flow.
nlohmann::json scope_of(pqxx::dbtransaction& tx, const Run& run);

/// Queues `message` (docs/messages.md, variables filled in) to the run's customer as the flow's;
/// returns the ids. Throws Errc::unprocessable when the message, once filled in, breaks one of
/// WhatsApp's limits.
std::vector<std::string> send(pqxx::dbtransaction& tx, const Run& run,
                              const nlohmann::json& message, const nlohmann::json& scope);

/// What a question sends: its prompt, or, for a question with `slots`, a list of the times
/// the business is open on the day it reads (`slots` says which; empty when none is left).
struct QuestionPrompt {
    nlohmann::json message;
    std::optional<std::vector<std::string>> slots;  // set when the times came from the hours
};
QuestionPrompt question_prompt(pqxx::dbtransaction& tx, const Run& run, const QuestionConfig& q,
                               const nlohmann::json& scope);

/// `text` with each of `secrets` replaced by "[secret]", for what the log keeps.
std::string mask_secrets(std::string text, const std::vector<std::string>& secrets);

/// How deep an API's JSON answer may nest.
inline constexpr int kMaxAnswerDepth = 64;
/// Why an API's 2xx answer cannot be kept in a run (not UTF-8, a NUL, nested deeper than
/// kMaxAnswerDepth), or nullopt. Pure.
std::optional<std::string> unusable_answer(const std::string& body);

/// Writes the step's log line and counts it.
void log_step(pqxx::dbtransaction& tx, const StepRecord& step);

/// The job kind that wakes a run: a delay ended, or a question timed out.
inline constexpr const char* kResumeKind = "flow_resume";
/// Enqueues the wake-up of `run` (waiting at step `step_seq`) after `seconds`.
void schedule_resume(pqxx::dbtransaction& tx, const Run& run, int seconds);

}  // namespace botflow::flows
