// Which published flow a customer message starts: the triggers of the live versions in their
// order (payload, keyword, regex, first message, intent, any message; then the flows'
// priority), the intent triggers asked of the model when no earlier kind takes the message.
// Private to flows/.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "botflow/ai/answer.hpp"
#include "botflow/config/config.hpp"
#include "flows/flow_repo.hpp"
#include "flows/steps.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::flows {

struct TriggerCandidate {
    LiveFlow flow;
    std::string node;
    double threshold = 0;  // intent triggers: the least confidence that starts the flow
};

/// The model is to sort the message among these intent triggers first.
struct IntentStage {
    std::int64_t seq = 0;  // the customer message
    ai::IntentAsk ask;
    std::vector<TriggerCandidate> intents;     // in the order of ask.intents
    std::optional<TriggerCandidate> fallback;  // an "any message" trigger, when none fits
};

struct TriggerPick {
    std::optional<std::string> run_id;  // a run started
    std::optional<IntentStage> stage;   // or: ask the model, then start_by_intent()
};

/// Starts the run of the trigger that takes the conversation's waiting message, or prepares
/// the question to the model when only intent triggers (and "any message") are left.
TriggerPick pick_trigger(pqxx::dbtransaction& tx, const std::string& conversation,
                         DocumentCache& documents, const config::Config& config);

/// Records the classification's cost on the message and starts the flow the model chose
/// (sure enough), else the fallback; nothing when the message was answered meanwhile.
std::optional<std::string> start_by_intent(pqxx::dbtransaction& tx, const std::string& conversation,
                                           const IntentStage& stage,
                                           const ai::IntentAnswer& answer);

}  // namespace botflow::flows
