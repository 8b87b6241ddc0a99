// The pre-built bots shipped with the server (templates/flows/*.json, compiled into the
// binary): read-only flow files an owner copies into a flow of their own. Private to flows/.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace botflow::flows {

struct FlowTemplate {
    std::string key;      // the file's name without .json: "booking"
    nlohmann::json file;  // {format, name, description, priority, nodes, edges}
};

/// Every pre-built bot, in file-name order. Read once.
const std::vector<FlowTemplate>& flow_templates();

}  // namespace botflow::flows
