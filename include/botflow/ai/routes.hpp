// /api/settings/ai and its connection test; the model's answer in template previews.
#pragma once
#include <nlohmann/json.hpp>

#include "botflow/ai/reply.hpp"
#include "botflow/core/asio.hpp"

namespace botflow {
class App;
}

namespace botflow::ai {

/// GET/PUT /api/settings/ai, POST /api/settings/ai/test.
void register_routes(App& app);

/// One real call with `prompt` (no fallbacks, no retries beyond the client's): {ok, model,
/// answer, handoff, latency_ms, first_token_ms, prompt_tokens, completion_tokens, cost_usd},
/// or {ok: false, error, upstream_status, detail} saying exactly what failed.
asio::awaitable<nlohmann::json> try_answer(App& app, Prompt prompt, std::string model);

}  // namespace botflow::ai
