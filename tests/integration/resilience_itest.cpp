// PostgreSQL and Redis going away and coming back under a running server. Runs alone
// (RUN_SERIAL): it stops the shared test cluster.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "botflow/whatsapp/webhook.hpp"
#include "support/fake_graph.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/server_fixture.hpp"
#include "support/test_env.hpp"
#include "support/wait.hpp"
#include "support/whatsapp.hpp"
#include "support/ws_client.hpp"

namespace botflow::test {
namespace {

using nlohmann::json;

void run_or_fail(const std::string& command) {
    ASSERT_FALSE(command.empty()) << "BOTFLOW_TEST_PG_STOP/START unset: run ./dev test";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

TEST(Resilience, PostgresDownIs503AndServiceResumesWhenItIsBack) {
    TestDatabase db;
    ServerProcess server;
    ASSERT_TRUE(server.start(server_env(db))) << server.log();
    auto port = server.port();

    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (request(port, "GET", "/api/ready").status != 200) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "never ready";
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }

    run_or_fail(env_or_empty("BOTFLOW_TEST_PG_STOP"));
    // Readiness answers from a check at most a second old: past it, however the pool's
    // connections notice, each answer is a quick 503, never a hang (fresh checks among them).
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    for (int i = 0; i < 5; ++i) {
        if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(300));
        auto started = std::chrono::steady_clock::now();
        auto r = request(port, "GET", "/api/ready");
        auto took = std::chrono::steady_clock::now() - started;
        EXPECT_EQ(r.status, 503) << r.body;
        EXPECT_EQ(json::parse(r.body)["checks"]["postgres"], "unavailable");
        EXPECT_EQ(r.header("content-type"), "application/problem+json");
        EXPECT_LT(took, std::chrono::seconds(1));
    }
    EXPECT_EQ(request(port, "GET", "/api/health").status, 200);
    EXPECT_TRUE(server.running());

    run_or_fail(env_or_empty("BOTFLOW_TEST_PG_START"));
    auto back = std::chrono::steady_clock::now();
    int status = 0;
    while (std::chrono::steady_clock::now() - back < std::chrono::seconds(5)) {
        status = request(port, "GET", "/api/ready").status;
        if (status == 200) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(status, 200) << "not ready within 5 s of PostgreSQL's return";
}

}  // namespace
}  // namespace botflow::test

namespace botflow::test {
namespace {

TEST(Resilience, RedisRestartIsNoticedAndReconnected) {
    TestDatabase db;
    ServerProcess server;
    ASSERT_TRUE(server.start(server_env(db))) << server.log();
    auto port = server.port();
    auto ready_within = [&](std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (request(port, "GET", "/api/ready").status == 200) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    };
    ASSERT_TRUE(ready_within(std::chrono::seconds(5)));

    run_or_fail(env_or_empty("BOTFLOW_TEST_REDIS_STOP"));
    // Past the second for which the last check's answer stands.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    auto r = request(port, "GET", "/api/ready");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(nlohmann::json::parse(r.body)["checks"]["redis"], "unavailable");
    EXPECT_EQ(request(port, "GET", "/api/health").status, 200);

    run_or_fail(env_or_empty("BOTFLOW_TEST_REDIS_START"));
    EXPECT_TRUE(ready_within(std::chrono::seconds(8)))
        << "not ready within 8 s of Redis's return (reconnect backoff tops out at 5 s)";
    EXPECT_TRUE(server.log_contains("redis.connected"));
}

}  // namespace
}  // namespace botflow::test

namespace botflow::test {
namespace {

TEST(Resilience, LoginIs503WhileRedisIsDownAndWorksWhenItIsBack) {
    TestDatabase db;
    ServerProcess server;
    auto env = server_env(db);
    env["ADMIN_EMAIL"] = "owner@shop.example";
    env["ADMIN_PASSWORD"] = "owner password";
    ASSERT_TRUE(server.start(env)) << server.log();
    auto port = server.port();
    auto login = [&] {
        return request(port, "POST", "/api/auth/login", {{"Content-Type", "application/json"}},
                       R"({"email":"owner@shop.example","password":"owner password"})");
    };
    ASSERT_EQ(login().status, 200);

    run_or_fail(env_or_empty("BOTFLOW_TEST_REDIS_STOP"));
    for (int i = 0; i < 3; ++i) {
        auto r = login();
        EXPECT_EQ(r.status, 503) << r.body;
        EXPECT_EQ(r.header("content-type"), "application/problem+json");
    }
    EXPECT_TRUE(server.running());

    run_or_fail(env_or_empty("BOTFLOW_TEST_REDIS_START"));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        status = login().status;
        if (status == 200) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace botflow::test

namespace botflow::test {
namespace {

TEST(Resilience, WebhookIs503WhilePostgresIsDownAndNothingIsLostAfter) {
    TestDatabase db;
    ServerProcess server;
    auto env = server_env(db);
    env["WHATSAPP_APP_SECRET"] = "resilience-secret";
    ASSERT_TRUE(server.start(env)) << server.log();
    auto port = server.port();
    std::string body = R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[
        {"field":"messages","value":{"messaging_product":"whatsapp",
         "metadata":{"phone_number_id":"106540352242922"},
         "contacts":[{"profile":{"name":"Ana"},"wa_id":"34600000000"}],
         "messages":[{"from":"34600000000","id":"wamid.down1","timestamp":"1750000000",
                      "type":"text","text":{"body":"are you open?"}}]}}]}]})";
    auto deliver = [&] {
        return request(
            port, "POST", "/api/webhook/whatsapp",
            {{"Content-Type", "application/json"},
             {"X-Hub-Signature-256", whatsapp::sign_body(body, Secret("resilience-secret"))}},
            body);
    };
    run_or_fail(env_or_empty("BOTFLOW_TEST_PG_STOP"));
    auto started = std::chrono::steady_clock::now();
    auto r = deliver();
    EXPECT_EQ(r.status, 503) << r.body;  // Meta retries anything but 200
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));

    run_or_fail(env_or_empty("BOTFLOW_TEST_PG_START"));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline && status != 200) {
        status = deliver().status;  // Meta's retry
        if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(status, 200);
    EXPECT_EQ(deliver().status, 200);  // and a duplicate retry
    EXPECT_EQ(db.scalar("SELECT count(*) FROM messages WHERE whatsapp_message_id = 'wamid.down1'"),
              "1");
}

TEST(Resilience, LiveFeedIsToldToResyncWhenRedisComesBack) {
    TestDatabase db;
    FakeGraph graph;
    ServerProcess server;
    auto env = server_env(db);
    add_owner(env);
    env["PUBLIC_URL"] = kPublicUrl;
    add_whatsapp(env, graph);
    std::string token;
    ASSERT_NO_FATAL_FAILURE(start_signed_in(server, env, token));
    auto port = server.port();
    WsOptions options;
    options.bearer = token;
    WsClient client;
    ASSERT_TRUE(client.connect(port, options)) << client.error();
    ASSERT_TRUE(client.wait_for("ready", std::chrono::seconds(10))) << client.error();

    // Events published while Redis was away never reached the other replicas: every socket
    // is told to refetch once the subscription is back.
    run_or_fail(env_or_empty("BOTFLOW_TEST_REDIS_STOP"));
    run_or_fail(env_or_empty("BOTFLOW_TEST_REDIS_START"));
    auto resync = client.wait_for("resync", std::chrono::seconds(15), [](const nlohmann::json& m) {
        auto data = m.find("data");
        return data != m.end() && data->is_object() &&
               data->value("reason", "") == "events_may_be_missing";
    });
    ASSERT_TRUE(resync) << "no resync within 15 s of Redis's return; " << client.error();
    EXPECT_TRUE(client.open()) << client.error();

    // And the feed goes on: a message after that is published (Meta retries until 200).
    auto body =
        text_delivery("wamid.after-redis", "34600222333", "Back again?", "Ana", unix_seconds())
            .dump();
    int status = 0;
    ASSERT_TRUE(eventually(
        [&] {
            status = deliver(port, body).status;
            return status == 200;
        },
        std::chrono::seconds(10)))
        << "the webhook still answers " << status;
    auto created =
        client.wait_for("message.created", std::chrono::seconds(10), [](const nlohmann::json& m) {
            auto data = m.find("data");
            if (data == m.end() || !data->is_object()) return false;
            auto message = data->find("message");
            return message != data->end() && message->is_object() &&
                   message->value("whatsapp_message_id", "") == "wamid.after-redis";
        });
    ASSERT_TRUE(created) << client.error();
    EXPECT_TRUE(client.open()) << client.error();
}

}  // namespace
}  // namespace botflow::test
