// Publishing's check of a whole flow: every node's config, every edge's outcome, nodes no
// trigger reaches, outcomes that lead nowhere, loops that never wait, unknown variables and
// secrets, jumps to flows that cannot run. Pure. Private to flows/.
#pragma once
#include <functional>
#include <set>
#include <string>

#include "flows/document.hpp"
#include "flows/nodes.hpp"

namespace botflow::flows {

struct ValidationContext {
    std::string flow_id;            // the flow being published (a jump to itself is fine)
    std::set<std::string> secrets;  // the names of the secrets the owner stored
    /// Whether a jump may start this flow: it exists and has a published version.
    std::function<bool(const std::string& flow_id)> can_jump_to;
};

/// The variables every run has, whatever the flow stores.
const std::set<std::string>& builtin_variables();

/// Every problem of the flow; empty when it can be published.
Problems validate(const Document& document, const ValidationContext& context);

}  // namespace botflow::flows
