// The configs of the nodes that act (message, set_variable, wait, jump, api_call, handoff,
// ai_response), and every node's outcomes.
#include <set>

#include "botflow/core/encoding.hpp"
#include "flows/config_reader.hpp"
#include "flows/nodes.hpp"

namespace botflow::flows {
namespace {

const std::set<std::string> kMethods{"GET", "POST", "PUT", "PATCH", "DELETE"};

// The header names a caller may not set: the connection's own.
const std::set<std::string> kReservedHeaders{"host", "content-length", "transfer-encoding",
                                             "connection"};

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool valid_header_name(const std::string& name) {
    if (name.empty() || name.size() > 100) return false;
    for (char c : name) {
        bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

void read_headers(Reader& in, ApiCallConfig& call) {
    if (!in.has("headers")) return;
    const auto& headers = in.raw("headers");
    if (!headers.is_object()) return in.problem("headers", "must be an object of names and values");
    for (const auto& [name, value] : headers.items()) {
        if (!valid_header_name(name) || kReservedHeaders.count(lower(name))) {
            in.problem("headers." + name, "is not a header a flow may set");
        } else if (!value.is_string() ||
                   value.get<std::string>().find_first_of("\r\n") != std::string::npos) {
            in.problem("headers." + name, "must be text on one line");
        } else {
            call.headers[name] = value.get<std::string>();
        }
    }
}

void read_mappings(Reader& in, ApiCallConfig& call) {
    if (!in.has("fields")) return;
    const auto& fields = in.raw("fields");
    if (!fields.is_array()) return in.problem("fields", "must be a list of {variable, path}");
    for (std::size_t i = 0; i < fields.size(); ++i) {
        auto at = "fields[" + std::to_string(i) + "]";
        const auto& f = fields[i];
        bool ok = f.is_object() && f.contains("variable") && f["variable"].is_string() &&
                  f.contains("path") && f["path"].is_string();
        if (!ok) {
            in.problem(at, "must be {variable, path}");
            continue;
        }
        FieldMapping m{f["variable"].get<std::string>(), f["path"].get<std::string>()};
        in.check_variable_name(at + ".variable", m.variable);
        auto path = m.path.rfind("$.", 0) == 0 ? m.path.substr(2) : m.path;
        if (!valid_name("x." + path)) {
            in.problem(at + ".path", "must be a path like data.items.0.status");
        }
        m.path = path;
        call.fields.push_back(std::move(m));
    }
}

}  // namespace

json read_message(const Node& node, Problems& problems) {
    Reader in(node, problems);
    return in.message("message");
}

std::vector<Assignment> read_assignments(const Node& node, Problems& problems) {
    Reader in(node, problems);
    std::vector<Assignment> out;
    if (!in.has("assignments") || !in.raw("assignments").is_array() ||
        in.raw("assignments").empty()) {
        in.problem("assignments", "must list at least one {name, value}");
        return out;
    }
    const auto& list = in.raw("assignments");
    for (std::size_t i = 0; i < list.size(); ++i) {
        auto at = "assignments[" + std::to_string(i) + "]";
        const auto& a = list[i];
        if (!a.is_object() || !a.contains("name") || !a["name"].is_string() ||
            !a.contains("value")) {
            in.problem(at, "must be {name, value}");
            continue;
        }
        in.check_variable_name(at + ".name", a["name"].get<std::string>());
        out.push_back({a["name"].get<std::string>(), a["value"]});
    }
    return out;
}

int read_wait(const Node& node, Problems& problems) {
    Reader in(node, problems);
    if (!in.has("seconds")) in.problem("seconds", "is required: how long to wait");
    return in.whole("seconds", 60, 1, 86400);
}

std::string read_jump(const Node& node, Problems& problems) {
    Reader in(node, problems);
    auto id = in.text("flow_id", true, 64);
    if (!id.empty() && !is_uuid(id)) in.problem("flow_id", "must be the id of a flow");
    return id;
}

ApiCallConfig read_api_call(const Node& node, Problems& problems) {
    Reader in(node, problems);
    ApiCallConfig call;
    auto method = in.text("method", false, 10);
    if (!method.empty()) call.method = method;
    if (!kMethods.count(call.method))
        in.problem("method", "must be GET, POST, PUT, PATCH or DELETE");
    call.url = in.text("url", true, 2000);
    if (!call.url.empty() && call.url.rfind("https://", 0) != 0 &&
        call.url.rfind("http://", 0) != 0) {
        in.problem("url", "must start with https:// (or http://)");
    }
    read_headers(in, call);
    if (in.has("body")) call.body = in.raw("body");
    if (!call.body.is_null() && (call.method == "GET" || call.method == "DELETE")) {
        in.problem("body", "a " + call.method + " request has no body");
    }
    call.timeout_ms = in.whole("timeout_ms", 10000, 100, 30000);
    call.response_variable = in.variable("response_variable", false);
    call.status_variable = in.variable("status_variable", false);
    read_mappings(in, call);
    return call;
}

HandoffConfig read_handoff(const Node& node, Problems& problems) {
    Reader in(node, problems);
    HandoffConfig h;
    h.note = in.text("note", false, 4000);
    h.tag = in.text("tag", false, 50);
    h.assign_to = in.text("assign_to", false, 64);
    if (!h.assign_to.empty() && !is_uuid(h.assign_to)) {
        in.problem("assign_to", "must be the id of a user");
    }
    return h;
}

namespace {

constexpr std::size_t kMaxFields = 50;
constexpr std::size_t kMaxTags = 20;

void read_fields(Reader& in, SaveConfig& s) {
    const auto& list = in.raw("fields");
    if (!list.is_array() || list.size() > kMaxFields) {
        in.problem("fields", "must be a list of at most 50 {name, value}");
        return;
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < list.size(); ++i) {
        auto at = "fields[" + std::to_string(i) + "]";
        const auto& f = list[i];
        if (!f.is_object() || !f.contains("name") || !f["name"].is_string() ||
            !f.contains("value") || !f["value"].is_string()) {
            in.problem(at, "must be {name, value}, both text");
            continue;
        }
        auto name = f["name"].get<std::string>();
        auto value = f["value"].get<std::string>();
        if (name.find_first_not_of(" \t") == std::string::npos || name.size() > 100) {
            in.problem(at + ".name", "must be 1 to 100 bytes, not only spaces");
        } else if (!names.insert(name).second) {
            in.problem(at + ".name", "is saved by another field of this step");
        }
        if (value.size() > 1000) in.problem(at + ".value", "must be at most 1000 bytes");
        s.fields.emplace_back(std::move(name), std::move(value));
    }
}

void read_tags(Reader& in, SaveConfig& s) {
    const auto& list = in.raw("tags");
    if (!list.is_array() || list.size() > kMaxTags) {
        in.problem("tags", "must be a list of at most 20 tags");
        return;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
        auto at = "tags[" + std::to_string(i) + "]";
        if (!list[i].is_string() || list[i].get<std::string>().empty() ||
            list[i].get<std::string>().size() > 50 ||
            list[i].get<std::string>().find('\0') != std::string::npos) {
            in.problem(at, "must be a tag of 1 to 50 bytes");
            continue;
        }
        s.tags.push_back(list[i].get<std::string>());
    }
}

}  // namespace

SaveConfig read_save(const Node& node, Problems& problems) {
    Reader in(node, problems);
    SaveConfig s;
    if (in.has("fields")) read_fields(in, s);
    if (in.has("tags")) read_tags(in, s);
    s.note = in.text("note", false, 4000);
    s.knowledge_gap = in.text("knowledge_gap", false, 1000);
    if (s.fields.empty() && s.tags.empty() && s.note.empty() && s.knowledge_gap.empty()) {
        in.problem("", "saves nothing: give it fields, tags, a note or a knowledge gap");
    }
    return s;
}

AiConfig read_ai(const Node& node, Problems& problems) {
    Reader in(node, problems);
    AiConfig a;
    a.instructions = in.text("instructions", false, 4000);
    a.document_tag = in.text("document_tag", false, 40);  // a document's tags are as long
    return a;
}

Outcomes outcomes_of(const Node& node) {
    Outcomes o;
    Problems ignored;
    switch (node.type) {
        case NodeType::trigger:
            o.all = o.required = {"default"};
            break;
        case NodeType::message:
        case NodeType::set_variable:
        case NodeType::wait:
        case NodeType::ai_response:
        case NodeType::save:
            o.all = {"default"};
            break;
        case NodeType::question: {
            auto q = read_question(node, ignored);
            o.all = {"valid", "invalid", "timeout"};
            o.required = {"valid"};
            for (const auto& choice : q.choices) o.all.push_back(tap_outcome(q, choice.id));
            break;
        }
        case NodeType::condition: {
            auto c = read_condition(node, ignored);
            o.all = o.required = c.business_hours
                                     ? std::vector<std::string>{"in_hours", "out_of_hours"}
                                     : std::vector<std::string>{"true", "false"};
            break;
        }
        case NodeType::api_call:
            o.all = o.required = {"2xx", "error"};
            break;
        case NodeType::jump:
        case NodeType::end:
        case NodeType::handoff:
            break;
    }
    return o;
}

std::string tap_outcome(const QuestionConfig& question, const std::string& id) {
    return (question.prompt.value("type", std::string()) == "list" ? "row:" : "button:") + id;
}

bool waits(NodeType type) noexcept { return type == NodeType::question || type == NodeType::wait; }

}  // namespace botflow::flows
