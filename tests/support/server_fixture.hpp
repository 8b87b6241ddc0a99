// The real server as most integration tests run it: a shop whose owner can sign in, connected
// to WhatsApp through the fake Graph API and answering with the fake LLM, and the customers who
// write to it through the signed webhook. The pieces are free functions for tests that build
// their own server; ServerTest puts them together for a fixture.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/fake_graph.hpp"
#include "support/fake_llm.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"
#include "support/ws_client.hpp"

namespace botflow::test {

using ServerEnv = std::map<std::string, std::string>;

inline constexpr const char* kOwnerEmail = "owner@shop.example";
inline constexpr const char* kOwnerPassword = "owner password";
// The socket's cookie sign-in only opens from this origin (PUBLIC_URL's).
inline constexpr const char* kPublicUrl = "https://shop.example";
inline constexpr const char* kGraphToken = "test-access-token";
inline constexpr const char* kLlmKey = "test-llm-key";
inline constexpr const char* kCustomer = "34600111222";

/// The owner's account (kOwnerEmail, kOwnerPassword), made at the first start.
void add_owner(ServerEnv& env);
/// The webhook's secret and verify token and the business number (kAppSecret, kVerifyToken,
/// kNumber): deliveries are accepted, nothing can be sent.
void add_webhook(ServerEnv& env);
/// add_webhook, and sending through `graph` with `token`.
void add_whatsapp(ServerEnv& env, const FakeGraph& graph, const std::string& token = kGraphToken);
/// AI answers from `llm` (model fake/primary, key kLlmKey) without the debounce.
void add_llm(ServerEnv& env, const FakeLlm& llm);

/// Starts `server` with `env` and signs the owner in; fails the test (fatally) when either
/// does not work.
void start_signed_in(ServerProcess& server, const ServerEnv& env, std::string& token);

/// A customer (`wa_id`) writes `text` through the signed webhook, at `timestamp` (0: now);
/// returns their conversation's id.
std::string customer_writes(std::uint16_t port, const TestDatabase& db, const std::string& wa_id,
                            const std::string& wamid, const std::string& text = "Hello?",
                            long timestamp = 0);

/// The text bodies of the messages the fake Graph API accepted, oldest first.
std::vector<std::string> sent_texts(const FakeGraph& graph);
/// The chat-completions requests the fake LLM received, oldest first.
std::vector<nlohmann::json> chat_requests(const FakeLlm& llm);

/// A fixture with the fake Graph API, the fake LLM, a fresh database and (after start()) the
/// server with everything above plus PUBLIC_URL, and `extra_` over it.
class ServerTest : public ::testing::Test {
protected:
    ServerEnv env();
    /// Starts the server (a fresh process each call) and signs the owner in.
    void start();
    HttpResponse call(const std::string& method, const std::string& target,
                      const nlohmann::json& body = nullptr);
    /// A socket on `port` (0: the server's) signed in with the owner's token (unless `options`
    /// signs in otherwise) that has had its `ready` (when it reads).
    std::unique_ptr<WsClient> connected(std::uint16_t port = 0, WsOptions options = {});
    /// A customer writes to the server on `port` (0: the one start() started); returns their
    /// conversation's id.
    std::string customer_writes(const std::string& text, const std::string& wamid,
                                const std::string& wa_id = kCustomer, std::uint16_t port = 0);
    std::vector<nlohmann::json> chat_requests() { return test::chat_requests(llm_); }
    std::vector<std::string> sent_texts() { return test::sent_texts(graph_); }
    std::string scalar(const std::string& sql) { return db_.scalar(sql); }
    long count(const std::string& sql) { return std::stol(db_.scalar(sql)); }

    FakeGraph graph_{kGraphToken};
    FakeLlm llm_{kLlmKey};
    TestDatabase db_;
    std::unique_ptr<ServerProcess> server_;
    std::uint16_t port_ = 0;
    std::string token_;
    ServerEnv extra_;
};

}  // namespace botflow::test
