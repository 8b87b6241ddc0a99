#include "flows/document.hpp"

#include <array>
#include <set>
#include <utility>

#include "botflow/core/error.hpp"

namespace botflow::flows {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<NodeType, std::string_view>, 12> kTypes{{
    {NodeType::trigger, "trigger"},
    {NodeType::message, "message"},
    {NodeType::question, "question"},
    {NodeType::condition, "condition"},
    {NodeType::set_variable, "set_variable"},
    {NodeType::wait, "wait"},
    {NodeType::jump, "jump"},
    {NodeType::end, "end"},
    {NodeType::ai_response, "ai_response"},
    {NodeType::api_call, "api_call"},
    {NodeType::handoff, "handoff"},
    {NodeType::save, "save"},
}};

bool valid_id(const json& v) {
    if (!v.is_string()) return false;
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty() || s.size() > 64) return false;
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

constexpr const char* kIdRule = "must be 1 to 64 letters, digits, - or _";

std::string types_list() {
    std::string out;
    for (const auto& [type, name] : kTypes) out += (out.empty() ? "" : ", ") + std::string(name);
    return out;
}

void read_node(const json& item, std::size_t i, Document& doc, std::set<std::string>& ids,
               FieldErrors& errors) {
    auto at = "nodes[" + std::to_string(i) + "]";
    if (!item.is_object()) return errors.add(at, "must be an object {id, type, config, position}");
    Node node;
    if (!valid_id(item.value("id", json()))) {
        errors.add(at + ".id", kIdRule);
    } else {
        node.id = item["id"].get<std::string>();
        if (!ids.insert(node.id).second) errors.add(at + ".id", "'" + node.id + "' is used twice");
    }
    auto type = item.value("type", json());
    auto parsed = type.is_string() ? parse_node_type(type.get<std::string>()) : std::nullopt;
    if (!parsed) {
        errors.add(at + ".type", "must be one of " + types_list());
    } else {
        node.type = *parsed;
    }
    for (const char* key : {"config", "position"}) {
        if (!item.contains(key) || item[key].is_null()) continue;
        if (!item[key].is_object()) {
            errors.add(at + "." + key, "must be an object");
        } else {
            (std::string_view(key) == "config" ? node.config : node.position) = item[key];
        }
    }
    doc.nodes.push_back(std::move(node));
}

void read_edge(const json& item, std::size_t i, Document& doc, const std::set<std::string>& nodes,
               std::set<std::string>& ids, FieldErrors& errors) {
    auto at = "edges[" + std::to_string(i) + "]";
    if (!item.is_object()) return errors.add(at, "must be an object {id, source, target, when}");
    Edge edge;
    if (!valid_id(item.value("id", json()))) {
        errors.add(at + ".id", kIdRule);
    } else {
        edge.id = item["id"].get<std::string>();
        if (!ids.insert(edge.id).second) errors.add(at + ".id", "'" + edge.id + "' is used twice");
    }
    for (const char* key : {"source", "target"}) {
        auto v = item.value(key, json());
        if (!v.is_string() || !nodes.count(v.get<std::string>())) {
            errors.add(at + "." + key, "must be the id of a node of this flow");
            continue;
        }
        (std::string_view(key) == "source" ? edge.source : edge.target) = v.get<std::string>();
    }
    auto when = item.value("when", json("default"));
    if (!when.is_string() || when.get<std::string>().empty() ||
        when.get<std::string>().size() > 300) {
        errors.add(at + ".when",
                   "must name an outcome of the source node, like default or button:yes");
    } else {
        edge.when = when.get<std::string>();
    }
    doc.edges.push_back(std::move(edge));
}

}  // namespace

std::string_view type_name(NodeType type) noexcept {
    for (const auto& [t, name] : kTypes) {
        if (t == type) return name;
    }
    return "message";
}

std::optional<NodeType> parse_node_type(std::string_view name) noexcept {
    for (const auto& [t, n] : kTypes) {
        if (n == name) return t;
    }
    return std::nullopt;
}

const Node* Document::node(std::string_view id) const {
    for (const auto& n : nodes) {
        if (n.id == id) return &n;
    }
    return nullptr;
}

std::optional<std::string> Document::next(std::string_view node, std::string_view outcome) const {
    const Edge* fallback = nullptr;
    for (const auto& e : edges) {
        if (e.source != node) continue;
        if (e.when == outcome) return e.target;
        if (e.when == "default" && !fallback) fallback = &e;
    }
    if (fallback) return fallback->target;
    return std::nullopt;
}

bool Document::has_edge(std::string_view node, std::string_view outcome) const {
    for (const auto& e : edges) {
        if (e.source == node && e.when == outcome) return true;
    }
    return false;
}

Document parse_document(const json& body) {
    FieldErrors errors;
    Document doc;
    if (!body.is_object()) {
        errors.add("body", "must be an object {nodes, edges}");
        errors.throw_if_any("The flow is not a document of nodes and edges.");
    }
    const json nodes = body.value("nodes", json::array());
    const json edges = body.value("edges", json::array());
    if (!nodes.is_array()) errors.add("nodes", "must be an array");
    if (!edges.is_array()) errors.add("edges", "must be an array");
    errors.throw_if_any("The flow is not a document of nodes and edges.");
    if (nodes.size() > kMaxNodes) errors.add("nodes", "at most 500 nodes");
    if (edges.size() > kMaxEdges) errors.add("edges", "at most 2000 edges");
    errors.throw_if_any("The flow is too large.");
    std::set<std::string> node_ids, edge_ids;
    for (std::size_t i = 0; i < nodes.size(); ++i) read_node(nodes[i], i, doc, node_ids, errors);
    for (std::size_t i = 0; i < edges.size(); ++i) {
        read_edge(edges[i], i, doc, node_ids, edge_ids, errors);
    }
    errors.throw_if_any("The flow's document has fields to fix.");
    return doc;
}

json to_json(const Document& document) {
    json nodes = json::array();
    for (const auto& n : document.nodes) {
        nodes.push_back({{"id", n.id},
                         {"type", type_name(n.type)},
                         {"config", n.config},
                         {"position", n.position}});
    }
    json edges = json::array();
    for (const auto& e : document.edges) {
        edges.push_back(
            {{"id", e.id}, {"source", e.source}, {"target", e.target}, {"when", e.when}});
    }
    return {{"nodes", std::move(nodes)}, {"edges", std::move(edges)}};
}

}  // namespace botflow::flows
