// What each type of node says (its config, docs/flows.md), read from the document into types
// with everything wrong reported as a problem naming the node and the field, and the outcomes
// each node can take. Pure. Private to flows/.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "flows/document.hpp"
#include "flows/pattern.hpp"

namespace botflow::flows {

/// One thing to fix before a flow can be published.
struct Problem {
    std::string node;   // the node's id; empty for the flow as a whole
    std::string field;  // "config.buttons[3].title"; empty for the node as a whole
    std::string message;
};
using Problems = std::vector<Problem>;

enum class TriggerKind { keyword, regex, first_message, payload, any, intent };

struct TriggerConfig {
    TriggerKind kind = TriggerKind::keyword;
    std::vector<std::string> keywords;  // keyword: phrases, matched on whole words
    std::optional<Pattern> pattern;     // regex (case-insensitive)
    std::vector<std::string> payloads;  // payload: button or template payload ids
    std::string description;            // intent: what the customer wants, for the model
    double threshold = 0.7;             // intent: the least confidence that starts the flow
};

enum class AnswerType { text, number, email, phone, date, time, datetime, choice, regex };

struct AnswerRule {
    AnswerType type = AnswerType::text;
    std::optional<double> min, max;                 // number: the range
    bool integer = false;                           // number: whole numbers only
    std::size_t min_length = 1, max_length = 1000;  // text
    std::optional<Pattern> pattern;                 // regex: the whole answer must match
};

/// A button or list row a customer can tap.
struct Choice {
    std::string id;
    std::string title;
};

struct QuestionConfig {
    nlohmann::json prompt;  // the message asking (text, buttons or list; docs/messages.md)
    AnswerRule answer;
    std::string store_as;  // the variable that keeps the answer
    std::string reask = "Sorry, I did not understand that. Could you answer again?";
    int max_attempts = 3;         // answers taken before `invalid`
    int timeout_minutes = 1440;   // then `timeout`
    std::vector<Choice> choices;  // the prompt's buttons or rows
    bool open_days = false;       // date: a day the business is closed is a wrong answer
    std::string slots_date;       // time: asks with the open times of this variable's date
    int slot_minutes = 60;
    std::map<std::string, double> points;  // a choice's id: what it adds to score_as
    std::string score_as;
};

enum class CompareOp {
    equals,
    not_equals,
    contains,
    starts_with,
    greater_than,
    less_than,
    is_set,
    is_empty,
    matches,
};

struct Rule {
    std::string variable;
    CompareOp op = CompareOp::equals;
    std::string value;  // may hold variables
    std::optional<Pattern> pattern;
};

struct ConditionConfig {
    bool business_hours = false;  // in_hours / out_of_hours instead of true / false
    bool any = false;             // OR instead of AND
    std::vector<Rule> rules;
};

struct Assignment {
    std::string name;
    nlohmann::json value;  // strings may hold variables
};

struct FieldMapping {
    std::string variable;
    std::string path;  // in the response's JSON: "data.items.0.status"
};

struct ApiCallConfig {
    std::string method = "GET";
    std::string url;
    std::map<std::string, std::string> headers;
    nlohmann::json body;  // null: no body
    int timeout_ms = 10000;
    std::string response_variable;  // keeps the whole JSON answer, when set
    std::string status_variable;    // keeps the HTTP status (0: no answer), when set
    std::vector<FieldMapping> fields;
};

struct HandoffConfig {
    std::string note;  // for the agent; may hold variables
    std::string tag;
    std::string assign_to;  // a user id, or empty
};

/// save: what the flow collected, kept on the conversation.
struct SaveConfig {
    std::vector<std::pair<std::string, std::string>> fields;  // name, value (may hold variables)
    std::vector<std::string> tags;
    std::string note;           // added to the conversation's notes; may hold variables
    std::string knowledge_gap;  // a question for the knowledge-gap report; may hold variables
};

struct AiConfig {
    std::string instructions;  // added to the prompt; may hold variables
    std::string document_tag;  // only documents with this tag; empty: all
};

TriggerConfig read_trigger(const Node& node, Problems& problems);
QuestionConfig read_question(const Node& node, Problems& problems);
ConditionConfig read_condition(const Node& node, Problems& problems);
std::vector<Assignment> read_assignments(const Node& node, Problems& problems);
/// wait: the delay in seconds (1 second to 24 hours).
int read_wait(const Node& node, Problems& problems);
/// jump: the flow id it starts.
std::string read_jump(const Node& node, Problems& problems);
ApiCallConfig read_api_call(const Node& node, Problems& problems);
HandoffConfig read_handoff(const Node& node, Problems& problems);
SaveConfig read_save(const Node& node, Problems& problems);
AiConfig read_ai(const Node& node, Problems& problems);
/// message: the message it sends, as docs/messages.md has it.
nlohmann::json read_message(const Node& node, Problems& problems);

/// The outcomes `node` can take, and of those the ones that need an edge of their own or a
/// `default` one (the others have a documented meaning when nothing follows them).
struct Outcomes {
    std::vector<std::string> all;
    std::vector<std::string> required;
};
Outcomes outcomes_of(const Node& node);

/// The outcome of tapping the choice `id` of a question: "button:<id>" or "row:<id>".
std::string tap_outcome(const QuestionConfig& question, const std::string& id);

/// Whether a run stops at this node until the customer answers or time passes.
bool waits(NodeType type) noexcept;

}  // namespace botflow::flows
