// What the LLM client (llm.cpp) shares with the wire format it speaks (llm_wire.cpp).
#pragma once
#include <string>

#include "botflow/ai/llm.hpp"

namespace botflow::ai {

// One sentence for the owner about `e`, from its status and the service's own message.
std::string reason_for(const LlmError& e);

}  // namespace botflow::ai
