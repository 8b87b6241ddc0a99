// The dashboard's first-run screen: GET /api/setup (public) and GET /api/setup/checklist,
// against the real server, PostgreSQL and Redis.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "support/http_client.hpp"
#include "support/knowledge.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"
#include "support/whatsapp.hpp"

namespace botflow::test {
namespace {

using nlohmann::json;

constexpr const char* kOwnerEmail = "owner@shop.example";
constexpr const char* kOwnerPassword = "correct horse battery";
constexpr const char* kPublicUrl = "http://bot.shop.example";
constexpr const char* kAccessToken = "test-access-token";

class SetupTest : public ::testing::Test {
protected:
    void start(std::map<std::string, std::string> extra = {}) {
        auto env = server_env(db_);
        env["PUBLIC_URL"] = kPublicUrl;
        // The developer's own WhatsApp settings must not reach the tests (empty: unset).
        for (const char* k : {"WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN",
                              "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_ACCESS_TOKEN", "LLM_MODEL"}) {
            env[k] = "";
        }
        for (auto& [k, v] : extra) env[k] = v;
        ASSERT_TRUE(server_.start(env)) << server_.log();
    }
    void start_with_owner(std::map<std::string, std::string> extra = {}) {
        extra["ADMIN_EMAIL"] = kOwnerEmail;
        extra["ADMIN_PASSWORD"] = kOwnerPassword;
        start(std::move(extra));
        owner_ = login(server_.port(), kOwnerEmail, kOwnerPassword);
    }
    static std::map<std::string, std::string> whatsapp_env() {
        return {{"WHATSAPP_APP_SECRET", kAppSecret},
                {"WHATSAPP_VERIFY_TOKEN", kVerifyToken},
                {"WHATSAPP_PHONE_NUMBER_ID", kNumber},
                {"WHATSAPP_ACCESS_TOKEN", kAccessToken}};
    }
    json setup() {
        auto r = request(server_.port(), "GET", "/api/setup");
        EXPECT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.header("cache-control"), "no-store");
        return r.status == 200 ? json::parse(r.body) : json();
    }
    json checklist(const std::string& token) {
        auto r = call_api(server_.port(), token, "GET", "/api/setup/checklist");
        EXPECT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.header("cache-control"), "no-store");
        return r.status == 200 ? json::parse(r.body) : json::object();
    }
    json ok(const std::string& method, const std::string& target, const json& body = nullptr) {
        auto r = call_api(server_.port(), owner_, method, target, body);
        EXPECT_TRUE(r.status >= 200 && r.status < 300)
            << method << " " << target << ": " << r.status << " " << r.body;
        return r.body.empty() ? json() : json::parse(r.body);
    }

    TestDatabase db_;
    ServerProcess server_;
    std::string owner_;
};

TEST_F(SetupTest, NeedsOwnerUntilTheFirstOwnerRegisters) {
    start();
    EXPECT_EQ(setup(), json({{"needs_owner", true}}));

    ASSERT_TRUE(server_.log_contains("auth.setup_required"));
    std::smatch m;
    auto log = server_.log();
    ASSERT_TRUE(std::regex_search(log, m, std::regex("setup_token=([A-Za-z0-9_-]+)")));
    auto registered = request(server_.port(), "POST", "/api/auth/register",
                              {{"Content-Type", "application/json"}},
                              json{{"email", "ana@shop.example"},
                                   {"password", "a long enough password"},
                                   {"business_name", "Ana's Bakery"},
                                   {"setup_token", m[1].str()}}
                                  .dump());
    ASSERT_EQ(registered.status, 201) << registered.body;

    EXPECT_EQ(setup(), json({{"needs_owner", false}}));
    // A session changes nothing: it reveals the same to everyone.
    auto token = json::parse(registered.body)["token"].get<std::string>();
    auto signed_in = call_api(server_.port(), token, "GET", "/api/setup");
    ASSERT_EQ(signed_in.status, 200);
    EXPECT_EQ(json::parse(signed_in.body), json({{"needs_owner", false}}));
}

TEST_F(SetupTest, AnOwnerFromTheEnvironmentNeedsNoRegistration) {
    start_with_owner();
    EXPECT_EQ(setup(), json({{"needs_owner", false}}));
}

TEST_F(SetupTest, ChecklistNeedsASession) {
    start_with_owner();
    auto anonymous = request(server_.port(), "GET", "/api/setup/checklist");
    EXPECT_EQ(anonymous.status, 401) << anonymous.body;
    EXPECT_EQ(anonymous.header("content-type"), "application/problem+json");
    EXPECT_EQ(call_api(server_.port(), "garbage", "GET", "/api/setup/checklist").status, 401);
}

TEST_F(SetupTest, NothingConnectedOnAFreshServer) {
    start_with_owner();
    auto c = checklist(owner_);
    const auto& w = c["whatsapp"];
    EXPECT_EQ(w["done"], false);
    EXPECT_EQ(w["phone_number_id"]["set"], false);
    EXPECT_EQ(w["access_token"]["set"], false);
    EXPECT_EQ(w["app_secret"]["set"], false);
    EXPECT_EQ(w["verify_token"]["set"], false);
    EXPECT_EQ(w["webhook_url"], std::string(kPublicUrl) + "/api/webhook/whatsapp");
    EXPECT_FALSE(w["verify_token"].contains("value")) << w.dump();
    EXPECT_EQ(w["access_token"]["source"], "none");

    EXPECT_EQ(c["llm"],
              json({{"done", false}, {"key_set", false}, {"model", "openai/gpt-4o-mini"}}));
    EXPECT_EQ(c["knowledge"], json({{"done", false}, {"documents", 0}, {"ready", 0}}));
    // The built-in "general" template is active from the start.
    auto general = db_.scalar("SELECT id FROM prompt_templates WHERE slug = 'general'");
    auto general_name = db_.scalar("SELECT name FROM prompt_templates WHERE slug = 'general'");
    ASSERT_FALSE(general.empty());
    EXPECT_EQ(c["template"], json({{"done", true}, {"id", general}, {"name", general_name}}));
    EXPECT_FALSE(c.contains("ai_enabled")) << "no global AI switch exists";
}

TEST_F(SetupTest, WhatsAppCredentialsComeFromTheEnvironment) {
    start_with_owner(whatsapp_env());
    auto w = checklist(owner_)["whatsapp"];
    EXPECT_EQ(w["done"], true) << w.dump();
    EXPECT_EQ(w["phone_number_id"]["set"], true);
    EXPECT_EQ(w["access_token"]["set"], true);
    EXPECT_EQ(w["app_secret"]["set"], true);
    EXPECT_EQ(w["verify_token"]["set"], true);
    EXPECT_EQ(w["verify_token"]["value"], kVerifyToken);
    EXPECT_EQ(w["phone_number_id"]["value"], kNumber);
    EXPECT_EQ(w["access_token"]["source"], "environment");
    EXPECT_EQ(w["webhook_url"], std::string(kPublicUrl) + "/api/webhook/whatsapp");
    // Never the secrets themselves.
    auto body = call_api(server_.port(), owner_, "GET", "/api/setup/checklist").body;
    EXPECT_EQ(body.find(kAppSecret), std::string::npos) << body;
    EXPECT_EQ(body.find(kAccessToken), std::string::npos) << body;

    // An agent sees what is connected, but not the verify token.
    auto agent = add_agent(server_.port(), owner_, "agent@shop.example");
    ASSERT_FALSE(agent.empty());
    auto seen = checklist(agent);
    EXPECT_EQ(seen["whatsapp"]["done"], true);
    EXPECT_EQ(seen["whatsapp"]["verify_token"]["set"], true);
    EXPECT_EQ(seen.dump().find(kVerifyToken), std::string::npos) << seen.dump();
    EXPECT_EQ(seen.dump().find(kNumber), std::string::npos) << seen.dump();
    EXPECT_FALSE(seen["whatsapp"]["access_token"].contains("last4")) << seen.dump();
    EXPECT_TRUE(seen.contains("llm") && seen.contains("knowledge") && seen.contains("template"));
}

TEST_F(SetupTest, WhatsAppIsDoneOnlyWithAllFourCredentials) {
    auto env = whatsapp_env();
    env["WHATSAPP_ACCESS_TOKEN"] = "";
    start_with_owner(env);
    auto w = checklist(owner_)["whatsapp"];
    EXPECT_EQ(w["done"], false) << w.dump();
    EXPECT_EQ(w["access_token"]["set"], false);
    EXPECT_EQ(w["phone_number_id"]["set"], true);
    EXPECT_EQ(w["app_secret"]["set"], true);
    EXPECT_EQ(w["verify_token"]["set"], true);
}

TEST_F(SetupTest, KnowledgeCountsDocumentsAndThoseTheAiCanUse) {
    start_with_owner();
    ok("POST", "/api/documents/text",
       {{"title", "Opening hours"}, {"content", "We open Monday to Friday, 9:00 to 17:00."}});
    EXPECT_EQ(checklist(owner_)["knowledge"],
              json({{"done", true}, {"documents", 1}, {"ready", 1}}));

    // A file whose extraction failed is a document, but not one the AI can answer from.
    auto r = upload(server_.port(), owner_, "scan.pdf",
                    "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type"
                    "/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R"
                    "/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
    ASSERT_EQ(r.status, 202) << r.body;
    auto doc = wait_processed(server_.port(), owner_, json::parse(r.body)["id"]);
    ASSERT_EQ(doc["status"], "error") << doc.dump();
    EXPECT_EQ(checklist(owner_)["knowledge"],
              json({{"done", true}, {"documents", 2}, {"ready", 1}}));

    // Only the failed one left: nothing to answer from.
    auto items = ok("GET", "/api/documents")["items"];
    for (const auto& d : items) {
        if (d["status"] == "ready") ok("DELETE", "/api/documents/" + d["id"].get<std::string>());
    }
    EXPECT_EQ(checklist(owner_)["knowledge"],
              json({{"done", false}, {"documents", 1}, {"ready", 0}}));
}

TEST_F(SetupTest, TemplateIsTheActiveOne) {
    start_with_owner();
    auto restaurant = db_.scalar("SELECT id FROM prompt_templates WHERE slug = 'restaurant'");
    auto name = db_.scalar("SELECT name FROM prompt_templates WHERE slug = 'restaurant'");
    ASSERT_FALSE(restaurant.empty());
    ok("PUT", "/api/prompts/" + restaurant + "/activate");
    EXPECT_EQ(checklist(owner_)["template"],
              json({{"done", true}, {"id", restaurant}, {"name", name}}));

    db_.exec("UPDATE prompt_templates SET is_active = false");
    EXPECT_EQ(checklist(owner_)["template"],
              json({{"done", false}, {"id", nullptr}, {"name", nullptr}}));
}

TEST_F(SetupTest, LlmKeyFromSettingsOrEnvironment) {
    start_with_owner();
    auto llm = checklist(owner_)["llm"];
    EXPECT_EQ(llm["key_set"], false);
    EXPECT_EQ(llm["done"], false);

    ok("PUT", "/api/settings/ai", {{"api_key", "sk-or-test-key-123"}, {"model", "vendor/model-x"}});
    llm = checklist(owner_)["llm"];
    EXPECT_EQ(llm, json({{"done", true}, {"key_set", true}, {"model", "vendor/model-x"}}));
    EXPECT_EQ(call_api(server_.port(), owner_, "GET", "/api/setup/checklist")
                  .body.find("sk-or-test-key-123"),
              std::string::npos);

    ok("PUT", "/api/settings/ai", {{"api_key", nullptr}});
    EXPECT_EQ(checklist(owner_)["llm"]["key_set"], false);
}

TEST_F(SetupTest, LlmKeyFromTheEnvironmentCounts) {
    start_with_owner({{"LLM_API_KEY", "sk-env-key-456"}, {"LLM_MODEL", "env/model-y"}});
    EXPECT_EQ(checklist(owner_)["llm"],
              json({{"done", true}, {"key_set", true}, {"model", "env/model-y"}}));
}

TEST_F(SetupTest, ALocalLlmServerNeedsNoKey) {
    // Not OpenRouter: a local OpenAI-compatible server answers without a key.
    start_with_owner({{"LLM_BASE_URL", "http://127.0.0.1:9/v1"}});
    EXPECT_EQ(checklist(owner_)["llm"],
              json({{"done", true}, {"key_set", false}, {"model", "openai/gpt-4o-mini"}}));
}

}  // namespace
}  // namespace botflow::test
