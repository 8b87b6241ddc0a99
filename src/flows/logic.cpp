#include "flows/logic.hpp"

#include <cmath>
#include <cstdlib>
#include <optional>

#include "flows/text.hpp"

namespace botflow::flows {
namespace {

using nlohmann::json;

std::optional<double> as_number(const std::string& s) {
    if (s.empty() || s.size() > 40) return std::nullopt;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

// -1, 0 or 1: numbers as numbers, anything else (ISO dates and times included) as text.
int compare(const std::string& a, const std::string& b) {
    auto x = as_number(a);
    auto y = as_number(b);
    if (x && y) return *x < *y ? -1 : *x > *y ? 1 : 0;
    auto fa = fold(a);
    auto fb = fold(b);
    return fa < fb ? -1 : fa > fb ? 1 : 0;
}

bool test(const Rule& rule, const Lookup& lookup) {
    const json* found = lookup(rule.variable);
    std::string value = found ? as_text(*found) : std::string();
    std::string other = render(rule.value, lookup);
    bool empty = value.empty() || (found && found->is_structured() && found->empty());
    switch (rule.op) {
        case CompareOp::is_set:
            return !empty;
        case CompareOp::is_empty:
            return empty;
        case CompareOp::equals:
            return compare(value, other) == 0;
        case CompareOp::not_equals:
            return compare(value, other) != 0;
        case CompareOp::contains:
            if (found && found->is_array()) {
                for (const auto& item : *found) {
                    if (compare(as_text(item), other) == 0) return true;
                }
                return false;
            }
            return fold(value).find(fold(other)) != std::string::npos;
        case CompareOp::starts_with:
            return fold(value).rfind(fold(other), 0) == 0;
        case CompareOp::greater_than:
            return !empty && compare(value, other) > 0;
        case CompareOp::less_than:
            return !empty && compare(value, other) < 0;
        case CompareOp::matches:
            return rule.pattern && rule.pattern->search(value);
    }
    return false;
}

}  // namespace

bool evaluate(const ConditionConfig& condition, const Lookup& lookup) {
    if (condition.rules.empty()) return false;
    for (const auto& rule : condition.rules) {
        bool ok = test(rule, lookup);
        if (condition.any && ok) return true;
        if (!condition.any && !ok) return false;
    }
    return !condition.any;
}

bool matches(const TriggerConfig& trigger, const Incoming& message) {
    switch (trigger.kind) {
        case TriggerKind::keyword:
            for (const auto& k : trigger.keywords) {
                if (contains_phrase(message.text, k)) return true;
            }
            return false;
        case TriggerKind::regex:
            return trigger.pattern && trigger.pattern->search(message.text);
        case TriggerKind::payload:
            for (const auto& p : trigger.payloads) {
                if (!message.payload.empty() && p == message.payload) return true;
            }
            return false;
        case TriggerKind::first_message:
            return message.first_message;
        case TriggerKind::any:
            return true;
        case TriggerKind::intent:
            return false;
    }
    return false;
}

int trigger_rank(TriggerKind kind) noexcept {
    switch (kind) {
        case TriggerKind::payload:
            return 0;
        case TriggerKind::keyword:
            return 1;
        case TriggerKind::regex:
            return 2;
        case TriggerKind::first_message:
            return 3;
        case TriggerKind::intent:
            return 4;
        case TriggerKind::any:
            return 5;
    }
    return 5;
}

}  // namespace botflow::flows
