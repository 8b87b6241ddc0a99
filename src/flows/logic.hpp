// A condition's comparisons on the run's variables, and whether a trigger takes a customer's
// message. Pure. Private to flows/.
#pragma once
#include <string>

#include "flows/nodes.hpp"
#include "flows/variables.hpp"

namespace botflow::flows {

/// The rules of a variables condition, combined with AND (or OR with `any`). Text compares
/// folded (case and accents ignored); greater_than and less_than compare numbers when both
/// sides are numbers, else dates and text in their order.
bool evaluate(const ConditionConfig& condition, const Lookup& lookup);

/// A customer's message as triggers see it.
struct Incoming {
    std::string text;
    std::string payload;  // a tapped button's id or a template button's payload; may be empty
    bool first_message = false;  // the customer's first message ever
};

/// Whether the trigger takes the message. An intent trigger never matches here: the model
/// decides those (intent.hpp).
bool matches(const TriggerConfig& trigger, const Incoming& message);

/// The order triggers are tried in: payload, keyword, regex, first_message, intent, any.
int trigger_rank(TriggerKind kind) noexcept;

}  // namespace botflow::flows
