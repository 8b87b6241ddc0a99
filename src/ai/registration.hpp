// The ai module's parts, registered by register_module (src/ai/module.cpp).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "botflow/ai/module.hpp"
#include "botflow/ai/reply.hpp"
#include "botflow/core/asio.hpp"

namespace botflow::ai {

/// GET/PUT /api/settings/ai, POST /api/settings/ai/test, GET /api/messages/:id/sources.
void register_settings_routes(Module& mod);
/// POST /api/prompts/:id/preview.
void register_preview_routes(Module& mod);
/// The away message (Slot::business_hours) and the AI's answer (Slot::ai).
void register_responders(Module& mod);

/// One real call with `prompt` (no fallbacks, no retries beyond the client's): {ok, model,
/// answer, handoff, latency_ms, first_token_ms, prompt_tokens, completion_tokens, cost_usd},
/// or {ok: false, error, upstream_status, detail} saying exactly what failed.
asio::awaitable<nlohmann::json> try_answer(Module& mod, Prompt prompt, std::string model);

}  // namespace botflow::ai
