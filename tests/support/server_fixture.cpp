#include "support/server_fixture.hpp"

#include "support/wait.hpp"
#include "support/whatsapp.hpp"

namespace botflow::test {

using nlohmann::json;

void add_owner(ServerEnv& env) {
    env["ADMIN_EMAIL"] = kOwnerEmail;
    env["ADMIN_PASSWORD"] = kOwnerPassword;
}

void add_webhook(ServerEnv& env) {
    env["WHATSAPP_APP_SECRET"] = kAppSecret;
    env["WHATSAPP_VERIFY_TOKEN"] = kVerifyToken;
    env["WHATSAPP_PHONE_NUMBER_ID"] = kNumber;
}

void add_whatsapp(ServerEnv& env, const FakeGraph& graph, const std::string& token) {
    add_webhook(env);
    env["GRAPH_API_BASE"] = graph.base_url();
    env["WHATSAPP_ACCESS_TOKEN"] = token;
}

void add_llm(ServerEnv& env, const FakeLlm& llm) {
    env["LLM_BASE_URL"] = llm.base_url();
    env["LLM_API_KEY"] = kLlmKey;
    env["LLM_MODEL"] = "fake/primary";
    env["AI_DEBOUNCE_MS"] = "0";
}

void start_signed_in(ServerProcess& server, const ServerEnv& env, std::string& token) {
    ASSERT_TRUE(server.start(env)) << server.log();
    token = login(server.port(), kOwnerEmail, kOwnerPassword);
    ASSERT_FALSE(token.empty());
}

std::string customer_writes(std::uint16_t port, const TestDatabase& db, const std::string& wa_id,
                            const std::string& wamid, const std::string& text, long timestamp) {
    auto body = text_delivery(wamid, wa_id, text, "Ana", timestamp ? timestamp : unix_seconds());
    auto r = deliver(port, body.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return db.scalar("SELECT id FROM conversations WHERE wa_id = '" + wa_id + "'");
}

std::vector<std::string> sent_texts(const FakeGraph& graph) {
    std::vector<std::string> out;
    for (const auto& m : graph.sent()) {
        if (m["body"].is_string()) out.push_back(m["body"].get<std::string>());
    }
    return out;
}

std::vector<json> chat_requests(const FakeLlm& llm) {
    std::vector<json> out;
    for (const auto& r : llm.requests()) {
        if (r["path"].get<std::string>().find("/chat/completions") != std::string::npos) {
            out.push_back(r);
        }
    }
    return out;
}

ServerEnv ServerTest::env() {
    auto e = server_env(db_);
    add_owner(e);
    e["PUBLIC_URL"] = kPublicUrl;
    add_whatsapp(e, graph_);
    add_llm(e, llm_);
    for (const auto& [k, v] : extra_) e[k] = v;
    return e;
}

void ServerTest::start() {
    server_ = std::make_unique<ServerProcess>();
    ASSERT_NO_FATAL_FAILURE(start_signed_in(*server_, env(), token_));
    port_ = server_->port();
}

HttpResponse ServerTest::call(const std::string& method, const std::string& target,
                              const json& body) {
    return call_api(port_, token_, method, target, body);
}

std::unique_ptr<WsClient> ServerTest::connected(std::uint16_t port, WsOptions options) {
    if (port == 0) port = port_;
    if (options.bearer.empty() && options.cookie.empty() && options.protocols.empty()) {
        options.bearer = token_;
    }
    auto c = std::make_unique<WsClient>();
    EXPECT_TRUE(c->connect(port, options)) << c->error();
    if (options.read) EXPECT_TRUE(c->wait_for("ready", std::chrono::seconds(10))) << c->error();
    return c;
}

std::string ServerTest::customer_writes(const std::string& text, const std::string& wamid,
                                        const std::string& wa_id, std::uint16_t port) {
    return test::customer_writes(port ? port : port_, db_, wa_id, wamid, text);
}

}  // namespace botflow::test
