// Runs tests/fakes/graph_api.py (the fake of Meta's Graph API) for one test and steers it.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace botflow::test {

class FakeGraph {
public:
    /// Starts the fake on a free port; it expects `token` as the Bearer token. Fails the test
    /// when it does not start.
    explicit FakeGraph(const std::string& token = "test-access-token");
    ~FakeGraph();
    FakeGraph(const FakeGraph&) = delete;
    FakeGraph& operator=(const FakeGraph&) = delete;

    std::uint16_t port() const { return port_; }
    /// What GRAPH_API_BASE must be set to.
    std::string base_url() const;

    /// Replaces the failure rules (see graph_api.py).
    void rules(const nlohmann::json& rules);
    /// Makes `bytes` downloadable as media `id`.
    void add_media(const std::string& id, const std::string& mime_type, const std::string& bytes,
                   const std::string& sha256_override = "");
    /// Makes GET /{version}/{id} answer as Meta's phone number node does.
    void add_phone_number(const std::string& id, const std::string& display_phone_number,
                          const std::string& verified_name,
                          const std::string& quality_rating = "GREEN");
    /// Every request received, oldest first.
    nlohmann::json requests() const;
    /// Messages accepted (answered with a wamid to a client still connected), oldest first.
    nlohmann::json sent() const;
    void clear();

private:
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace botflow::test
