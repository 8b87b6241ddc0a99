// Making an answer from a gathered prompt: the model's, streamed to the dashboard as it is
// written; the knowledge's quoted passage when the model cannot be reached; else the
// fallback. Shared by a turn's answer and a flow's AI step. Private to ai/.
#pragma once
#include <string>

#include "ai/prompt.hpp"
#include "ai/turn.hpp"
#include "botflow/ai/settings.hpp"
#include "botflow/config/config.hpp"
#include "botflow/core/asio.hpp"

namespace botflow::events {
class Bus;
}  // namespace botflow::events

namespace botflow::ai {

class LlmClient;

// The answer to `ctx`'s prompt for `conversation` with the model `settings` name, its figures
// (model, tokens, cost, timings) in details; never throws for the model's failures.
asio::awaitable<Generated> answer_prompt(LlmClient& llm, events::Bus& bus,
                                         const config::Config& config, AiSettings settings,
                                         const Context& ctx, std::string conversation);

}  // namespace botflow::ai
