// Settings > WhatsApp: credentials saved from the dashboard (over the environment's, sealed in
// PostgreSQL) reach the webhook, the sender and the other replicas; the connection check asks
// the fake Graph API and reports what the webhook has seen.
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "botflow/whatsapp/webhook.hpp"
#include "support/fake_graph.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"
#include "support/wait.hpp"
#include "support/whatsapp.hpp"

namespace botflow::test {
namespace {

using nlohmann::json;

constexpr const char* kOwnerEmail = "owner@shop.example";
constexpr const char* kOwnerPassword = "owner password";
constexpr const char* kSavedToken = "EAAG-saved-system-user-token-0001";
constexpr const char* kSavedSecret = "0123456789abcdef0123456789abcdef";
constexpr const char* kSavedVerify = "saved-verify-token";

class WhatsAppSettingsTest : public ::testing::Test {
protected:
    WhatsAppSettingsTest() : graph_(kSavedToken) {}

    std::map<std::string, std::string> env(bool connected) {
        auto e = server_env(db_);
        e["ADMIN_EMAIL"] = kOwnerEmail;
        e["ADMIN_PASSWORD"] = kOwnerPassword;
        e["GRAPH_API_BASE"] = graph_.base_url();
        for (const char* k : {"WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN",
                              "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_ACCESS_TOKEN"}) {
            e[k] = "";
        }
        if (connected) {
            e["WHATSAPP_APP_SECRET"] = kAppSecret;
            e["WHATSAPP_VERIFY_TOKEN"] = kVerifyToken;
            e["WHATSAPP_PHONE_NUMBER_ID"] = kNumber;
            e["WHATSAPP_ACCESS_TOKEN"] = "env-access-token-not-for-the-fake";
        }
        return e;
    }
    void start(bool connected) {
        server_ = std::make_unique<ServerProcess>();
        ASSERT_TRUE(server_->start(env(connected))) << server_->log();
        owner_ = login(server_->port(), kOwnerEmail, kOwnerPassword);
        ASSERT_FALSE(owner_.empty());
    }
    HttpResponse call(const std::string& method, const std::string& target,
                      const json& body = nullptr, std::uint16_t port = 0) {
        return call_api(port ? port : server_->port(), owner_, method, target, body);
    }
    json put(const json& body) {
        auto r = call("PUT", "/api/settings/whatsapp", body);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? json::parse(r.body) : json();
    }
    json get(const std::string& token) {
        auto r = call_api(server_->port(), token, "GET", "/api/settings/whatsapp");
        EXPECT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.header("cache-control"), "no-store");
        return r.status == 200 ? json::parse(r.body) : json();
    }
    json check() {
        auto r = call("POST", "/api/settings/whatsapp/check");
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? json::parse(r.body) : json();
    }
    static json item(const json& verdict, const std::string& id) {
        for (const auto& c : verdict["checks"]) {
            if (c["id"] == id) return c;
        }
        ADD_FAILURE() << "no check " << id << " in " << verdict.dump();
        return json::object();
    }
    int verify(const std::string& token, std::uint16_t port = 0) {
        return request(
                   port ? port : server_->port(), "GET",
                   "/api/webhook/whatsapp?hub.mode=subscribe&hub.challenge=42&hub.verify_token=" +
                       token)
            .status;
    }
    HttpResponse deliver_signed(const std::string& body, const std::string& secret) {
        return deliver(server_->port(), body, whatsapp::sign_body(body, Secret(secret)));
    }
    std::string scalar(const std::string& sql) { return db_.scalar(sql); }

    TestDatabase db_;
    FakeGraph graph_;
    std::unique_ptr<ServerProcess> server_;
    std::string owner_;
};

TEST_F(WhatsAppSettingsTest, CredentialsSavedInSettingsConnectAServerStartedWithoutThem) {
    start(false);
    auto body =
        text_delivery("wamid.before", "15551230001", "Too early", "Ana", unix_seconds()).dump();
    EXPECT_EQ(deliver_signed(body, kSavedSecret).status, 503);
    EXPECT_EQ(verify(kSavedVerify), 403);

    auto saved = put({{"phone_number_id", kNumber},
                      {"access_token", kSavedToken},
                      {"app_secret", kSavedSecret},
                      {"verify_token", kSavedVerify}});
    EXPECT_EQ(saved["done"], true) << saved.dump();
    for (const char* k : {"phone_number_id", "access_token", "app_secret", "verify_token"}) {
        EXPECT_EQ(saved[k]["source"], "settings") << k;
    }
    EXPECT_EQ(saved["phone_number_id"]["value"], kNumber);
    EXPECT_EQ(saved["access_token"]["last4"], "0001");
    EXPECT_EQ(saved["app_secret"]["last4"], "cdef");
    EXPECT_EQ(saved["verify_token"]["value"], kSavedVerify);
    EXPECT_EQ(saved.dump().find(kSavedToken), std::string::npos);
    EXPECT_EQ(saved.dump().find(kSavedSecret), std::string::npos);

    // The secrets are sealed at rest; the audit log says what changed, not to what.
    auto at_rest = scalar(
        "SELECT string_agg(coalesce(value::text, '') || encode(coalesce(encrypted_value, ''), "
        "'escape'), ' ') FROM settings WHERE key LIKE 'whatsapp.%'");
    EXPECT_EQ(at_rest.find(kSavedToken), std::string::npos);
    EXPECT_EQ(at_rest.find(kSavedSecret), std::string::npos);
    EXPECT_EQ(at_rest.find(kSavedVerify), std::string::npos);
    auto audit = json::parse(
        scalar("SELECT details::text FROM audit_log WHERE action = 'settings.whatsapp'"));
    EXPECT_EQ(audit, json({{"phone_number_id", kNumber},
                           {"access_token", "replaced"},
                           {"app_secret", "replaced"},
                           {"verify_token", "replaced"}}));

    // The webhook, the verification and the sender use them at once.
    EXPECT_EQ(verify(kSavedVerify), 200);
    EXPECT_EQ(verify(kVerifyToken), 403);
    EXPECT_EQ(deliver_signed(body, kAppSecret).status, 401);
    EXPECT_EQ(deliver_signed(body, kSavedSecret).status, 200);
    auto conversation = scalar("SELECT id FROM conversations WHERE wa_id = '15551230001'");
    ASSERT_FALSE(conversation.empty());
    auto reply = call("POST", "/api/conversations/" + conversation + "/messages",
                      {{"text", "Hello from the shop"}});
    ASSERT_EQ(reply.status, 202) << reply.body;
    ASSERT_TRUE(eventually([&] { return graph_.sent().size() == 1; })) << graph_.requests();
    bool via_saved = false;
    for (const auto& r : graph_.requests()) {
        if (r["method"] == "POST" && r["path"] == "/v25.0/" + std::string(kNumber) + "/messages" &&
            r["authorization"] == std::string("Bearer ") + kSavedToken) {
            via_saved = true;
        }
    }
    EXPECT_TRUE(via_saved) << graph_.requests();

    // A restart reads them back.
    server_->signal(SIGTERM);
    ASSERT_TRUE(server_->wait(std::chrono::seconds(30)).has_value());
    start(false);
    EXPECT_EQ(verify(kSavedVerify), 200);
    EXPECT_EQ(get(owner_)["done"], true);
}

TEST_F(WhatsAppSettingsTest, SavedValuesOverrideTheEnvironmentAndNullGivesItBack) {
    start(true);
    auto before = get(owner_);
    EXPECT_EQ(before["verify_token"]["source"], "environment");
    EXPECT_EQ(before["verify_token"]["value"], kVerifyToken);
    EXPECT_EQ(verify(kVerifyToken), 200);

    auto saved = put({{"verify_token", kSavedVerify}});
    EXPECT_EQ(saved["verify_token"]["source"], "settings");
    EXPECT_EQ(saved["app_secret"]["source"], "environment") << "fields left out stay";
    EXPECT_EQ(verify(kVerifyToken), 403);
    EXPECT_EQ(verify(kSavedVerify), 200);

    auto restored = put({{"verify_token", nullptr}});
    EXPECT_EQ(restored["verify_token"]["source"], "environment");
    EXPECT_EQ(verify(kVerifyToken), 200);
    EXPECT_EQ(verify(kSavedVerify), 403);
    EXPECT_EQ(scalar("SELECT count(*) FROM settings WHERE key = 'whatsapp.verify_token'"), "0");
}

TEST_F(WhatsAppSettingsTest, BadValuesAreRefusedNamingEachFieldAndNothingIsSaved) {
    start(true);
    auto r = call("PUT", "/api/settings/whatsapp",
                  {{"phone_number_id", "+1 555 0100"},
                   {"access_token", "Bearer EAAG-some-token-with-a-prefix"},
                   {"app_secret", "1234567890123456"},
                   {"verify_token", "short"},
                   {"webhook_url", "https://evil.example"}});
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    auto problem = json::parse(r.body);
    std::map<std::string, std::string> fields;
    for (const auto& e : problem["errors"]) {
        fields[e["field"].get<std::string>()] = e["message"].get<std::string>();
    }
    EXPECT_EQ(fields.size(), 5u) << r.body;
    EXPECT_NE(fields["phone_number_id"].find("Phone number ID"), std::string::npos);
    EXPECT_NE(fields["access_token"].find("Bearer"), std::string::npos);
    EXPECT_NE(fields["app_secret"].find("App ID"), std::string::npos);
    EXPECT_NE(fields["verify_token"].find("8 to 200"), std::string::npos);
    EXPECT_TRUE(fields.count("webhook_url"));
    EXPECT_EQ(scalar("SELECT count(*) FROM settings WHERE key LIKE 'whatsapp.%'"), "0");

    EXPECT_EQ(call("PUT", "/api/settings/whatsapp", {{"access_token", 42}}).status, 422);
    auto not_object =
        call_api(server_->port(), owner_, "PUT", "/api/settings/whatsapp", json::array({1, 2}));
    EXPECT_EQ(not_object.status, 400) << not_object.body;
    // A SQL-looking id is just refused as not numeric.
    EXPECT_EQ(call("PUT", "/api/settings/whatsapp", {{"phone_number_id", "1; DROP TABLE settings"}})
                  .status,
              422);
    EXPECT_EQ(scalar("SELECT count(*) FROM settings WHERE key LIKE 'whatsapp.%'"), "0");
}

TEST_F(WhatsAppSettingsTest, AgentsSeeWhatIsConnectedButChangeNothing) {
    start(true);
    auto agent = add_agent(server_->port(), owner_, "agent@shop.example");
    ASSERT_FALSE(agent.empty());

    auto seen = get(agent);
    EXPECT_EQ(seen["done"], true);
    EXPECT_EQ(seen.dump().find(kVerifyToken), std::string::npos) << seen.dump();
    EXPECT_EQ(seen.dump().find(kNumber), std::string::npos) << seen.dump();
    EXPECT_FALSE(seen["access_token"].contains("last4"));
    EXPECT_EQ(call_api(server_->port(), agent, "PUT", "/api/settings/whatsapp",
                       {{"verify_token", "agent-chosen-token"}})
                  .status,
              403);
    EXPECT_EQ(call_api(server_->port(), agent, "POST", "/api/settings/whatsapp/check").status, 403);
    EXPECT_EQ(request(server_->port(), "GET", "/api/settings/whatsapp").status, 401);
}

TEST_F(WhatsAppSettingsTest, CheckReportsWhatMetaKnowsAndWhatTheWebhookSaw) {
    graph_.add_phone_number(kNumber, "+1 555-0100", "Jasper's Market");
    start(false);
    auto empty = check();
    EXPECT_EQ(empty["ok"], false);
    EXPECT_EQ(item(empty, "credentials")["status"], "error");
    EXPECT_NE(item(empty, "credentials")["message"].get<std::string>().find("the access token"),
              std::string::npos);
    EXPECT_EQ(item(empty, "meta")["status"], "error");
    EXPECT_TRUE(graph_.requests().empty()) << "Meta is not asked without credentials";

    put({{"phone_number_id", kNumber},
         {"access_token", kSavedToken},
         {"app_secret", kSavedSecret},
         {"verify_token", kSavedVerify}});
    auto fresh = check();
    EXPECT_EQ(fresh["ok"], true) << fresh.dump();
    EXPECT_EQ(item(fresh, "credentials")["status"], "ok");
    EXPECT_EQ(item(fresh, "meta")["status"], "ok");
    EXPECT_NE(
        item(fresh, "meta")["message"].get<std::string>().find("+1 555-0100 (Jasper's Market)"),
        std::string::npos);
    EXPECT_EQ(fresh["number"]["verified_name"], "Jasper's Market");
    EXPECT_EQ(item(fresh, "webhook")["status"], "warning") << "Meta has not called yet";
    auto asked = graph_.requests().back();
    EXPECT_EQ(asked["method"], "GET");
    EXPECT_EQ(asked["path"], "/v25.0/" + std::string(kNumber) +
                                 "?fields=display_phone_number,verified_name,quality_rating");
    EXPECT_EQ(asked["authorization"], std::string("Bearer ") + kSavedToken);

    // Meta verifies, then delivers: all is well.
    EXPECT_EQ(verify(kSavedVerify), 200);
    EXPECT_EQ(item(check(), "webhook")["status"], "warning") << "verified, nothing delivered";
    auto body = text_delivery("wamid.check1", "15551230002", "Hi").dump();
    EXPECT_EQ(deliver_signed(body, kSavedSecret).status, 200);
    auto delivered = check();
    EXPECT_EQ(item(delivered, "webhook")["status"], "ok") << delivered.dump();
    EXPECT_TRUE(delivered["webhook"]["last_delivery_ms"].is_number_integer());

    // Then a delivery signed with another secret: the app secret is wrong.
    EXPECT_EQ(deliver_signed(body, "some-other-app-secret").status, 401);
    auto wrong = check();
    EXPECT_EQ(wrong["ok"], false);
    EXPECT_EQ(item(wrong, "webhook")["status"], "error");
    EXPECT_NE(item(wrong, "webhook")["message"].get<std::string>().find("app secret"),
              std::string::npos);
    // A stray request without a well-formed signature is not taken for Meta's.
    EXPECT_EQ(deliver_signed(body, kSavedSecret).status, 200);
    EXPECT_EQ(deliver(server_->port(), body, "sha256=not-hex").status, 401);
    EXPECT_EQ(item(check(), "webhook")["status"], "ok");

    // Saving the secret again: what was seen before says nothing of the new one.
    EXPECT_EQ(put({{"app_secret", kSavedSecret}})["version"], 2);
    auto saved = check();
    EXPECT_EQ(item(saved, "webhook")["status"], "warning") << saved.dump();
    EXPECT_TRUE(saved["webhook"]["last_delivery_ms"].is_null()) << saved.dump();
}

TEST_F(WhatsAppSettingsTest, CheckExplainsWhatMetaRefused) {
    graph_.add_phone_number(kNumber, "+1 555-0100", "Jasper's Market", "RED");
    start(false);
    put({{"phone_number_id", kNumber},
         {"access_token", "EAAG-a-token-meta-does-not-know"},
         {"app_secret", kSavedSecret},
         {"verify_token", kSavedVerify}});
    auto token = item(check(), "meta");
    EXPECT_EQ(token["status"], "error");
    EXPECT_NE(token["message"].get<std::string>().find("refused the access token"),
              std::string::npos)
        << token.dump();

    put({{"access_token", kSavedToken}, {"phone_number_id", "999000111222333"}});
    auto number = item(check(), "meta");
    EXPECT_EQ(number["status"], "error");
    EXPECT_NE(number["message"].get<std::string>().find("no phone number with the ID "
                                                        "999000111222333"),
              std::string::npos)
        << number.dump();

    put({{"phone_number_id", kNumber}});
    auto red = item(check(), "meta");
    EXPECT_EQ(red["status"], "warning") << red.dump();
    EXPECT_NE(red["message"].get<std::string>().find("RED"), std::string::npos);

    graph_.rules(json::array({{{"match", "phone"}, {"code", 10}}}));
    auto permission = item(check(), "meta");
    EXPECT_NE(permission["message"].get<std::string>().find("whatsapp_business_messaging"),
              std::string::npos)
        << permission.dump();

    graph_.rules(json::array({{{"match", "phone"}, {"drop", true}, {"times", -1}}}));
    auto unreachable = item(check(), "meta");
    EXPECT_EQ(unreachable["status"], "error");
    EXPECT_NE(unreachable["message"].get<std::string>().find("could not be reached"),
              std::string::npos)
        << unreachable.dump();

    // A verification with another token is reported too.
    EXPECT_EQ(verify("not-the-verify-token"), 403);
    auto hook = item(check(), "webhook");
    EXPECT_EQ(hook["status"], "error");
    EXPECT_NE(hook["message"].get<std::string>().find("verify token"), std::string::npos);
}

TEST_F(WhatsAppSettingsTest, ASaveOnOneReplicaReachesTheOthers) {
    auto e = env(true);
    server_ = std::make_unique<ServerProcess>();
    ServerProcess replica;
    bool first = false, second = false;
    std::thread a([&] { first = server_->start(e); });
    std::thread b([&] { second = replica.start(e); });
    a.join();
    b.join();
    ASSERT_TRUE(first) << server_->log();
    ASSERT_TRUE(second) << replica.log();
    owner_ = login(server_->port(), kOwnerEmail, kOwnerPassword);
    ASSERT_FALSE(owner_.empty());
    EXPECT_EQ(verify(kVerifyToken, replica.port()), 200);

    put({{"verify_token", kSavedVerify}});
    EXPECT_TRUE(eventually([&] { return verify(kSavedVerify, replica.port()) == 200; }))
        << replica.log();
    EXPECT_EQ(verify(kVerifyToken, replica.port()), 403);

    // What the other replica's webhook saw counts in a check made on this one.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // later than the last success
    EXPECT_EQ(request(replica.port(), "GET",
                      "/api/webhook/whatsapp?hub.mode=subscribe&hub.challenge=1&hub.verify_token="
                      "wrong-token-here")
                  .status,
              403);
    EXPECT_TRUE(eventually([&] {
        return item(check(), "webhook")["message"].get<std::string>().find("verify token") !=
               std::string::npos;
    }));
}

}  // namespace
}  // namespace botflow::test
