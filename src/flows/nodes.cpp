#include "flows/nodes.hpp"

#include <array>
#include <utility>

#include "botflow/core/error.hpp"
#include "botflow/whatsapp/outgoing.hpp"
#include "flows/config_reader.hpp"
#include "flows/variables.hpp"

namespace botflow::flows {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<TriggerKind, const char*>, 6> kTriggerKinds{{
    {TriggerKind::keyword, "keyword"},
    {TriggerKind::regex, "regex"},
    {TriggerKind::first_message, "first_message"},
    {TriggerKind::payload, "payload"},
    {TriggerKind::any, "any"},
    {TriggerKind::intent, "intent"},
}};

constexpr std::array<std::pair<AnswerType, const char*>, 9> kAnswerTypes{{
    {AnswerType::text, "text"},
    {AnswerType::number, "number"},
    {AnswerType::email, "email"},
    {AnswerType::phone, "phone"},
    {AnswerType::date, "date"},
    {AnswerType::time, "time"},
    {AnswerType::datetime, "datetime"},
    {AnswerType::choice, "choice"},
    {AnswerType::regex, "regex"},
}};

constexpr std::array<std::pair<CompareOp, const char*>, 9> kOps{{
    {CompareOp::equals, "equals"},
    {CompareOp::not_equals, "not_equals"},
    {CompareOp::contains, "contains"},
    {CompareOp::starts_with, "starts_with"},
    {CompareOp::greater_than, "greater_than"},
    {CompareOp::less_than, "less_than"},
    {CompareOp::is_set, "is_set"},
    {CompareOp::is_empty, "is_empty"},
    {CompareOp::matches, "matches"},
}};

template <class Table>
std::string names_of(const Table& table) {
    std::string out;
    for (const auto& [value, name] : table) out += (out.empty() ? "" : ", ") + std::string(name);
    return out;
}

template <class Table, class T>
bool lookup(const Table& table, const std::string& name, T& out) {
    for (const auto& [value, n] : table) {
        if (name == n) {
            out = value;
            return true;
        }
    }
    return false;
}

// The buttons or rows of a message: what a customer can tap.
std::vector<Choice> choices_of(const json& prompt) {
    std::vector<Choice> out;
    auto take = [&out](const json& item) {
        if (!item.is_object() || !item.contains("id") || !item["id"].is_string()) return;
        auto title = item.contains("title") && item["title"].is_string()
                         ? item["title"].get<std::string>()
                         : "";
        out.push_back({item["id"].get<std::string>(), title});
    };
    auto type = prompt.value("type", std::string("text"));
    if (type == "buttons" && prompt.contains("buttons") && prompt["buttons"].is_array()) {
        for (const auto& b : prompt["buttons"]) take(b);
    }
    if (type == "list" && prompt.contains("sections") && prompt["sections"].is_array()) {
        for (const auto& s : prompt["sections"]) {
            if (!s.is_object() || !s.contains("rows") || !s["rows"].is_array()) continue;
            for (const auto& r : s["rows"]) take(r);
        }
    }
    return out;
}

void read_answer_rule(Reader& in, QuestionConfig& q) {
    auto type = in.text("answer", false, 20);
    bool tappable = !q.choices.empty();
    if (type.empty()) {
        q.answer.type = tappable ? AnswerType::choice : AnswerType::text;
    } else if (!lookup(kAnswerTypes, type, q.answer.type)) {
        in.problem("answer", "must be one of " + names_of(kAnswerTypes));
    }
    auto& a = q.answer;
    if (a.type == AnswerType::choice && !tappable) {
        in.problem("answer", "a choice needs a prompt of type buttons or list");
    }
    if (a.type == AnswerType::number) {
        a.min = in.number("min");
        a.max = in.number("max");
        a.integer = in.flag("integer");
        if (a.min && a.max && *a.min > *a.max) in.problem("min", "must not be above max");
    }
    if (a.type == AnswerType::text) {
        a.min_length = static_cast<std::size_t>(in.whole("min_length", 1, 0, 4096));
        a.max_length = static_cast<std::size_t>(in.whole("max_length", 1000, 1, 4096));
        if (a.min_length > a.max_length) in.problem("min_length", "must not be above max_length");
    }
    if (a.type == AnswerType::regex) a.pattern = in.pattern("pattern", false);
}

// open_days and slots: what the business's opening hours make of a date or a time.
void read_hours_options(Reader& in, QuestionConfig& q) {
    q.open_days = in.flag("open_days");
    auto type = q.answer.type;
    if (q.open_days && type != AnswerType::date && type != AnswerType::datetime) {
        in.problem("open_days", "is for date and datetime answers");
    }
    if (!in.has("slots")) return;
    const auto& s = in.raw("slots");
    if (type != AnswerType::time) in.problem("slots", "is for time answers");
    if (!s.is_object() || !s.contains("date") || !s["date"].is_string() ||
        !valid_name(s["date"].get<std::string>())) {
        in.problem("slots.date", "must name the variable that holds the day (booking.date)");
        return;
    }
    q.slots_date = s["date"].get<std::string>();
    if (s.contains("minutes")) {
        const auto& m = s["minutes"];
        if (!m.is_number_integer() || m.get<int>() < 15 || m.get<int>() > 240) {
            in.problem("slots.minutes", "must be a whole number of minutes from 15 to 240");
        } else {
            q.slot_minutes = m.get<int>();
        }
    }
}

// points and score_as: each choice's points, added up in one variable.
void read_points(Reader& in, QuestionConfig& q) {
    if (!in.has("points")) {
        if (in.has("score_as")) in.problem("score_as", "needs points for the choices");
        return;
    }
    const auto& p = in.raw("points");
    if (!p.is_object()) {
        in.problem("points", "must map button or row ids to numbers");
        return;
    }
    for (const auto& [id, value] : p.items()) {
        bool known = false;
        for (const auto& c : q.choices) known = known || c.id == id;
        if (!known) in.problem("points." + id, "is not the id of a button or row of the prompt");
        if (!value.is_number()) in.problem("points." + id, "must be a number");
        if (known && value.is_number()) q.points[id] = value.get<double>();
    }
    q.score_as = in.variable("score_as", true);
}

}  // namespace

TriggerConfig read_trigger(const Node& node, Problems& problems) {
    Reader in(node, problems);
    TriggerConfig t;
    auto kind = in.text("kind", true, 40);
    if (!kind.empty() && !lookup(kTriggerKinds, kind, t.kind)) {
        in.problem("kind", "must be one of " + names_of(kTriggerKinds));
    }
    switch (t.kind) {
        case TriggerKind::keyword:
            t.keywords = in.texts("keywords", true);
            break;
        case TriggerKind::regex:
            t.pattern = in.pattern("pattern", true);
            break;
        case TriggerKind::payload:
            t.payloads = in.texts("payloads", true);
            break;
        case TriggerKind::intent: {
            t.description = in.text("description", true, 1000);
            auto threshold = in.number("threshold");
            if (threshold && (*threshold <= 0 || *threshold > 1)) {
                in.problem("threshold", "must be above 0 and at most 1");
            } else if (threshold) {
                t.threshold = *threshold;
            }
            break;
        }
        case TriggerKind::first_message:
        case TriggerKind::any:
            break;
    }
    return t;
}

QuestionConfig read_question(const Node& node, Problems& problems) {
    Reader in(node, problems);
    QuestionConfig q;
    q.prompt = in.message("prompt");
    auto type = q.prompt.value("type", std::string("text"));
    if (type != "text" && type != "buttons" && type != "list") {
        in.problem("prompt.type", "a question asks with text, buttons or a list");
    }
    q.choices = choices_of(q.prompt);
    read_answer_rule(in, q);
    read_hours_options(in, q);
    read_points(in, q);
    q.store_as = in.variable("store_as", false);
    if (in.has("reask")) q.reask = in.text("reask", true);
    q.max_attempts = in.whole("max_attempts", 3, 1, 10);
    // WhatsApp's window closes 24 hours after the customer's last message: a question asked
    // right after it cannot wait longer and still say something when it times out.
    if (in.has("timeout_minutes")) {
        auto v = in.number("timeout_minutes");
        if (v && (*v < 1 || *v > 1440 || *v != static_cast<double>(static_cast<int>(*v)))) {
            in.problem("timeout_minutes",
                       "must be a whole number from 1 to 1440: after 24 hours WhatsApp's window "
                       "is closed and the flow could no longer write to the customer");
        } else if (v) {
            q.timeout_minutes = static_cast<int>(*v);
        }
    }
    return q;
}

ConditionConfig read_condition(const Node& node, Problems& problems) {
    Reader in(node, problems);
    ConditionConfig c;
    auto check = in.text("check", false, 40);
    if (check == "business_hours") {
        c.business_hours = true;
        return c;
    }
    if (!check.empty() && check != "variables") {
        in.problem("check", "must be variables or business_hours");
    }
    auto match = in.text("match", false, 10);
    if (!match.empty() && match != "all" && match != "any")
        in.problem("match", "must be all or any");
    c.any = match == "any";
    if (!in.has("rules") || !in.raw("rules").is_array() || in.raw("rules").empty()) {
        in.problem("rules", "must list at least one comparison {variable, op, value}");
        return c;
    }
    const auto& rules = in.raw("rules");
    for (std::size_t i = 0; i < rules.size(); ++i) {
        Node one{node.id, node.type, rules[i].is_object() ? rules[i] : json::object(), {}};
        Problems own;
        Reader r(one, own);
        Rule rule;
        rule.variable = r.text("variable", true, 200);
        if (!rule.variable.empty() && !valid_name(rule.variable)) {
            r.problem("variable", "'" + rule.variable + "' is not a variable name");
        }
        auto op = r.text("op", true, 20);
        if (!op.empty() && !lookup(kOps, op, rule.op))
            r.problem("op", "must be one of " + names_of(kOps));
        if (rule.op == CompareOp::matches) {
            rule.pattern = r.pattern("value", true);
        } else if (rule.op != CompareOp::is_set && rule.op != CompareOp::is_empty) {
            auto& v = one.config["value"];
            if (v.is_number() || v.is_boolean()) v = v.dump();
            rule.value = r.text("value", false, 1000);
        }
        for (auto& p : own) {
            p.field = "config.rules[" + std::to_string(i) + "]" + p.field.substr(6);
            problems.push_back(std::move(p));
        }
        c.rules.push_back(std::move(rule));
    }
    return c;
}

}  // namespace botflow::flows
