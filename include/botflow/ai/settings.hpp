// The AI's settings: the environment's defaults, overridden by what the owner saved in
// Settings > AI; the LLM key stored encrypted; how a customer asks for a person.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "botflow/ai/llm.hpp"
#include "botflow/config/config.hpp"
#include "botflow/core/secret.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::ai {

struct AiSettings {
    std::string model;
    std::vector<std::string> fallback_models;
    double temperature = 0.3;
    int max_tokens = 500;
    int debounce_ms = 1000;
    std::vector<std::string> handoff_phrases;
    std::string handoff_message;
    std::string away_message;
    std::string fallback_message;
    bool strict_grounding = true;
};

/// Phrases customers use to ask for a person, in the languages most businesses meet.
const std::vector<std::string>& default_handoff_phrases();

/// The defaults: LLM_MODEL, LLM_FALLBACK_MODELS, AI_DEBOUNCE_MS and the built-in messages.
AiSettings default_settings(const config::Config& config);

/// The defaults with the owner's saved settings applied.
AiSettings load_settings(pqxx::dbtransaction& tx, const config::Config& config);

/// Validates a PUT body (422 naming each field at fault), merges it over the saved settings
/// and stores it. "api_key": a string stores a new key (encrypted), null removes it.
AiSettings put_settings(pqxx::dbtransaction& tx, const nlohmann::json& body,
                        const std::string& user_id, const config::Config& config);

/// The key saved in Settings > AI, decrypted; nullopt when none is saved.
std::optional<Secret> stored_api_key(pqxx::dbtransaction& tx, const config::Config& config);

/// The settings as the API shows them: never the key, only whether one is set and where.
nlohmann::json settings_json(const AiSettings& s, const config::Config& config, bool key_stored);

/// The key in effect (Settings > AI first, then LLM_API_KEY) and whether there is an LLM to
/// call at all: a key, or a base URL of a local server that needs none.
struct LlmAccess {
    Secret key;
    bool configured = false;
};
LlmAccess llm_access(const config::Config& config, const std::optional<Secret>& stored);

/// Where and how to call the model for this business.
LlmEndpoint endpoint(const config::Config& config, const Secret& key,
                     const std::string& business_name);

/// Whether `text` asks for a person: a phrase matched case-insensitively on word boundaries.
/// Pure.
bool asks_for_person(std::string_view text, const std::vector<std::string>& phrases);

}  // namespace botflow::ai
