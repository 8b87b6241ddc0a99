// What the flows module's register_module() is made of. Private to flows/.
#pragma once
#include <memory>

#include "botflow/flows/module.hpp"

namespace botflow::flows {

class Engine;

/// /api/flows...
void register_flow_routes(Module& mod, std::shared_ptr<Engine> engine);
/// /api/conversations/:id/flow-runs, /api/flow-runs/:id/stop, /api/flow-secrets...,
/// /api/settings/flows.
void register_run_routes(Module& mod, std::shared_ptr<Engine> engine);

}  // namespace botflow::flows
