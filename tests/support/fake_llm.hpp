// Runs tests/fakes/llm_api.py (the fake of an OpenAI-compatible / OpenRouter chat-completions
// API) for one test and steers it.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace botflow::test {

class FakeLlm {
public:
    /// Starts the fake on a free port; it expects `token` as the Bearer token (an empty token:
    /// any or no Authorization is accepted, like a local server). Fails the test when it does
    /// not start.
    explicit FakeLlm(const std::string& token = "test-llm-key");
    ~FakeLlm();
    FakeLlm(const FakeLlm&) = delete;
    FakeLlm& operator=(const FakeLlm&) = delete;

    std::uint16_t port() const { return port_; }
    /// The base URL of the API, "http://127.0.0.1:<port>/v1" (chat completions are at
    /// base_url() + "/chat/completions", the models list at base_url() + "/models").
    std::string base_url() const;

    /// Replaces the rules (see llm_api.py).
    void rules(const nlohmann::json& rules);
    /// Every chat/models request received, oldest first: {method, path, headers, body,
    /// model_used, outcome, completed}.
    nlohmann::json requests() const;
    /// {"total", "in_flight", "max_in_flight"} over chat/models requests.
    nlohmann::json stats() const;
    /// Forgets the requests and resets the stats.
    void clear();

private:
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace botflow::test
