// The AI's answer to a customer turn (skip rules, handoff and fallback messages, the model or
// the extractive mode, exactly-once queuing), the away message outside opening hours, and the
// prompt the answer is built from, which the template preview shares.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "botflow/ai/llm.hpp"
#include "botflow/knowledge/search.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::ai {

/// What the model writes, alone, when it cannot answer from the knowledge; stripped before
/// anything is sent.
inline constexpr std::string_view kHandoffMarker = "[HANDOFF]";

/// The handoff reason stored when the customer asked for a person (a handoff that says
/// nothing about gaps in the knowledge; analytics leaves it out of that report).
inline constexpr const char* kCustomerAskedReason = "The customer asked for a person.";

/// Removes every handoff marker (in any case); `found` tells whether there was one. Pure.
std::string strip_marker(std::string_view text, bool& found);

/// `text` without a trailing beginning of the marker ("... [HAND"), for partial answers shown
/// while the model streams. Pure.
std::string hide_partial_marker(std::string_view text);

/// The rules appended to every template: answer from the passages only (strict grounding),
/// decline requests unrelated to the business, emit the marker to hand over. Pure.
std::string policy_rules(const std::string& business_name, bool strict_grounding);

/// The best passage quoted with its document's title, cut at a sentence end near
/// `max_chars`: the extractive mode's answer. Pure.
std::string extractive_answer(const knowledge::SearchHit& hit, std::size_t max_chars = 700);

/// Minutes since the business last closed, or nullopt when it is open now or has no hours.
/// `hours` is the business profile's {time_zone, days}; `iso_weekday` 1 (Monday) to 7 and
/// `minute` of the day are the local time now. Pure.
std::optional<int> minutes_closed(const nlohmann::json& hours, int iso_weekday, int minute);

struct Prompt {
    std::string system;  // the rendered template and the rules
    std::string user;    // the customer's message(s)
    std::vector<knowledge::SearchHit> hits;
    std::string business_name;
};

/// Renders `template_body` for `message` with the business profile, the passages found for
/// `search_query` (of documents tagged `document_tag` when it is set) and `history`. Runs in
/// the caller's transaction.
Prompt build_prompt(pqxx::dbtransaction& tx, const std::string& template_body,
                    const std::string& message, const std::string& search_query,
                    const std::string& customer_name, const std::string& history,
                    const std::string& language, bool strict_grounding,
                    const std::string& document_tag = "");

}  // namespace botflow::ai
