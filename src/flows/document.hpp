// A flow as a document of nodes and edges (docs/flows.md): its types, reading it from JSON
// with the shape checked, writing it back, and following an outcome to the next node. Pure.
// Private to flows/.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace botflow::flows {

enum class NodeType {
    trigger,
    message,
    question,
    condition,
    set_variable,
    wait,
    jump,
    end,
    ai_response,
    api_call,
    handoff,
    save,
};

/// The document's name ("set_variable").
std::string_view type_name(NodeType type) noexcept;
std::optional<NodeType> parse_node_type(std::string_view name) noexcept;

struct Node {
    std::string id;
    NodeType type = NodeType::message;
    nlohmann::json config = nlohmann::json::object();
    nlohmann::json position = nlohmann::json::object();  // for the builder; never read here
};

struct Edge {
    std::string id;
    std::string source;
    std::string target;
    std::string when = "default";  // the outcome of `source` that takes it
};

struct Document {
    std::vector<Node> nodes;
    std::vector<Edge> edges;

    const Node* node(std::string_view id) const;
    /// The node an outcome leads to: the edge for exactly `outcome`, else the node's `default`
    /// edge; nullopt when neither exists.
    std::optional<std::string> next(std::string_view node, std::string_view outcome) const;
    /// Whether an edge is for exactly `outcome` of `node`.
    bool has_edge(std::string_view node, std::string_view outcome) const;
};

/// How many nodes and edges a flow may have.
inline constexpr std::size_t kMaxNodes = 500;
inline constexpr std::size_t kMaxEdges = 2000;

/// Reads `{nodes, edges}`: ids of 1 to 64 letters, digits, `-` and `_`, unique; known types;
/// config and position objects; edges naming nodes of the document. Throws Errc::unprocessable
/// naming every field at fault ("nodes[2].type"). What a node's config says is checked when
/// the flow is published (validate.hpp), so a draft may be unfinished.
Document parse_document(const nlohmann::json& body);

/// `{nodes, edges}` as parse_document reads it.
nlohmann::json to_json(const Document& document);

}  // namespace botflow::flows
