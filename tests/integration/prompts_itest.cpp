// Prompt templates, the business profile and knowledge search against the real server.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <set>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

namespace botflow::test {
namespace {

using nlohmann::json;

class PromptsTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto env = server_env(db_);
        env["ADMIN_EMAIL"] = "owner@shop.example";
        env["ADMIN_PASSWORD"] = "owner password";
        ASSERT_TRUE(server_.start(env)) << server_.log();
        owner_ = login(server_.port(), "owner@shop.example", "owner password");
        agent_ = add_agent(server_.port(), owner_, "agent@shop.example");
        ASSERT_FALSE(agent_.empty());
    }
    HttpResponse call(const std::string& token, const std::string& method,
                      const std::string& target, const json& body = nullptr) {
        return call_api(server_.port(), token, method, target, body);
    }
    json ok(const std::string& method, const std::string& target, const json& body = nullptr,
            int expect = 200) {
        auto r = call(owner_, method, target, body);
        EXPECT_EQ(r.status, expect) << method << " " << target << " " << r.body;
        return r.body.empty() ? json() : json::parse(r.body);
    }
    // A typed-in document with one section per (heading, text).
    std::string add_document(const std::string& title,
                             const std::vector<std::pair<std::string, std::string>>& sections) {
        std::string content;
        for (const auto& [heading, text] : sections)
            content += "# " + heading + "\n\n" + text + "\n\n";
        return ok("POST", "/api/documents/text", {{"title", title}, {"content", content}},
                  201)["id"];
    }

    TestDatabase db_;
    ServerProcess server_;
    std::string owner_, agent_;
};

TEST_F(PromptsTest, BuiltInTemplatesAreSeededWithOneActive) {
    auto list = ok("GET", "/api/prompts")["items"];
    ASSERT_GE(list.size(), 13u);
    int active = 0;
    for (const auto& t : list) {
        EXPECT_TRUE(t["builtin"].get<bool>());
        active += t["active"].get<bool>() ? 1 : 0;
    }
    EXPECT_EQ(active, 1);
    EXPECT_EQ(list[0]["slug"], "general");
    EXPECT_EQ(list[0]["active"], true);
    EXPECT_EQ(list[0]["variables"].size(), 8u);

    // A restart changes nothing (no duplicates, the owner's choice kept).
    auto restaurant = db_.scalar("SELECT id FROM prompt_templates WHERE slug = 'restaurant'");
    ok("PUT", "/api/prompts/" + restaurant + "/activate");
    server_.signal(SIGTERM);
    server_.wait(std::chrono::seconds(10));
    ServerProcess again;
    auto env = server_env(db_);
    ASSERT_TRUE(again.start(env)) << again.log();
    EXPECT_EQ(db_.scalar("SELECT count(*) FROM prompt_templates"), std::to_string(list.size()));
    EXPECT_EQ(db_.scalar("SELECT slug FROM prompt_templates WHERE is_active"), "restaurant");
}

TEST_F(PromptsTest, OwnersWriteTemplatesAndUnknownVariablesAreNamed) {
    auto created =
        ok("POST", "/api/prompts",
           {{"name", "Our voice"}, {"body", "You are {{business_name}}'s helper."}}, 201);
    EXPECT_EQ(created["builtin"], false);
    EXPECT_EQ(created["variables"], json::array({"business_name"}));
    auto id = created["id"].get<std::string>();

    auto bad = call(owner_, "PUT", "/api/prompts/" + id, {{"body", "Hi {{first_name}}"}});
    EXPECT_EQ(bad.status, 422);
    EXPECT_NE(bad.body.find("{{first_name}}"), std::string::npos) << bad.body;
    EXPECT_EQ(call(owner_, "POST", "/api/prompts", {{"name", "x"}, {"body", "{{nope}}"}}).status,
              422);
    EXPECT_EQ(call(owner_, "POST", "/api/prompts", {{"name", "x"}}).status, 422);

    auto changed = ok("PUT", "/api/prompts/" + id, {{"body", "Hello {{customer_name}}"}});
    EXPECT_EQ(changed["body"], "Hello {{customer_name}}");
    EXPECT_EQ(changed["name"], "Our voice");

    // Built-in templates are read-only but can be copied.
    auto general = db_.scalar("SELECT id FROM prompt_templates WHERE slug = 'general'");
    EXPECT_EQ(call(owner_, "PUT", "/api/prompts/" + general, {{"name", "Mine"}}).status, 409);
    EXPECT_EQ(call(owner_, "DELETE", "/api/prompts/" + general).status, 409);
    auto copy = ok("POST", "/api/prompts", {{"copy_from", general}}, 201);
    EXPECT_EQ(copy["builtin"], false);
    EXPECT_NE(copy["name"].get<std::string>().find("(copy)"), std::string::npos);

    // Activation moves, the active one cannot be deleted, others can.
    ok("PUT", "/api/prompts/" + copy["id"].get<std::string>() + "/activate");
    EXPECT_EQ(db_.scalar("SELECT count(*) FROM prompt_templates WHERE is_active"), "1");
    EXPECT_EQ(call(owner_, "DELETE", "/api/prompts/" + copy["id"].get<std::string>()).status, 409);
    EXPECT_EQ(call(owner_, "DELETE", "/api/prompts/" + id).status, 204);
    EXPECT_EQ(call(owner_, "GET", "/api/prompts/" + id).status, 404);
    EXPECT_EQ(call(owner_, "GET", "/api/prompts/not-a-uuid").status, 404);

    // Agents read and preview, but do not write.
    ASSERT_FALSE(agent_.empty());
    EXPECT_EQ(call(agent_, "GET", "/api/prompts").status, 200);
    EXPECT_EQ(call(agent_, "POST", "/api/prompts", {{"name", "x"}, {"body", "y"}}).status, 403);
    EXPECT_EQ(call(agent_, "PUT", "/api/prompts/" + general + "/activate").status, 403);
}

TEST_F(PromptsTest, TheBusinessProfileIsValidated) {
    auto empty = ok("GET", "/api/settings/business");
    EXPECT_EQ(empty["language"], "en");
    json profile = {{"name", "Casa Pepe"},
                    {"language", "es"},
                    {"hours",
                     {{"time_zone", "Europe/Madrid"},
                      {"days",
                       {{"mon", json::array({{{"open", "13:00"}, {"close", "16:00"}},
                                             {{"open", "20:00"}, {"close", "23:30"}}})},
                        {"sun", json::array()}}}}}};
    auto stored = ok("PUT", "/api/settings/business", profile);
    EXPECT_EQ(stored["name"], "Casa Pepe");
    EXPECT_EQ(stored["hours"]["days"]["mon"].size(), 2u);
    EXPECT_EQ(stored["hours"]["days"]["tue"].size(), 0u);
    EXPECT_EQ(ok("GET", "/api/settings/business"), stored);

    auto broken = [&](json p, const std::string& field) {
        auto r = call(owner_, "PUT", "/api/settings/business", p);
        EXPECT_EQ(r.status, 422) << p.dump();
        EXPECT_NE(r.body.find(field), std::string::npos) << r.body;
    };
    auto p = profile;
    p["hours"]["time_zone"] = "Mars/Olympus";
    broken(p, "hours.time_zone");
    p = profile;
    p["hours"]["days"]["mon"][0]["close"] = "12:00";
    broken(p, "hours.days.mon");
    p = profile;
    p["hours"]["days"]["someday"] = json::array();
    broken(p, "hours.days");
    p = profile;
    p["language"] = "english please";
    broken(p, "language");
    p = profile;
    p.erase("name");
    broken(p, "name");
    // Every bad field in one answer, and nothing saved.
    p = profile;
    p["name"] = "";
    p["language"] = "english please";
    p["hours"]["time_zone"] = "Mars/Olympus";
    p["hours"]["days"]["mon"][1]["open"] = "25:00";
    p["hours"]["days"]["sun"] = "closed";
    auto r = call(owner_, "PUT", "/api/settings/business", p);
    EXPECT_EQ(r.status, 422) << r.body;
    std::set<std::string> fields;
    auto problem = json::parse(r.body);
    for (const auto& e : problem["errors"]) fields.insert(e["field"].get<std::string>());
    EXPECT_EQ(fields, (std::set<std::string>{"name", "language", "hours.time_zone",
                                             "hours.days.mon", "hours.days.sun"}))
        << r.body;
    EXPECT_EQ(ok("GET", "/api/settings/business"), stored);
    ASSERT_FALSE(agent_.empty());
    EXPECT_EQ(call(agent_, "PUT", "/api/settings/business", profile).status, 403);
    EXPECT_EQ(db_.scalar("SELECT count(*) FROM audit_log WHERE action = 'settings.business'"), "1");
}

TEST_F(PromptsTest, SearchFindsPassagesEvenMisspelled) {
    add_document("Shipping and returns",
                 {{"Returns",
                   "You can return any item within 30 days for a full refund, as long "
                   "as it is unused and in its original packaging."},
                  {"Shipping",
                   "Orders ship within 2 business days. Delivery takes 3 to 5 days "
                   "in the mainland."}});
    add_document("Menu", {{"Desserts",
                           "Homemade cheesecake, chocolate brownie and seasonal "
                           "fruit."}});
    auto search = [&](const std::string& q) {
        return ok("POST", "/api/documents/search", {{"query", q}, {"limit", 3}})["items"];
    };
    auto hits = search("how do I get a refund");
    ASSERT_FALSE(hits.empty());
    EXPECT_EQ(hits[0]["heading"], "Returns");
    EXPECT_EQ(hits[0]["document"]["title"], "Shipping and returns");
    EXPECT_NE(hits[0]["snippet"].get<std::string>().find("**refund**"), std::string::npos);
    hits = search("refnd");
    ASSERT_FALSE(hits.empty());
    EXPECT_EQ(hits[0]["heading"], "Returns");
    hits = search("cheescake");
    ASSERT_FALSE(hits.empty());
    EXPECT_EQ(hits[0]["heading"], "Desserts");
    EXPECT_TRUE(search("parking garage").empty());
    // Input that is not a query is refused; SQL in it is only text.
    EXPECT_EQ(call(owner_, "POST", "/api/documents/search", {{"query", ""}}).status, 422);
    EXPECT_EQ(call(owner_, "POST", "/api/documents/search", {{"query", "x"}, {"limit", 99}}).status,
              422);
    EXPECT_EQ(search("'; DROP TABLE documents; --").size(), 0u);
    // Whatever a customer types is a query, never a server error.
    for (const char* q :
         {"\"full refund\" -cheesecake", "or", "the a an", "((", "'", "\\",
          "caf\xC3\xA9 \xC3\xB1"
          "and\xC3\xBA",
          "!!!", "a & b | c", "<script>", "refund:*", "full <-> refund", "\"unterminated phrase"}) {
        auto r = call(owner_, "POST", "/api/documents/search", {{"query", q}});
        EXPECT_EQ(r.status, 200) << q << ": " << r.body;
    }
    EXPECT_LT(search("2 adults - 1 child").size(), 3u);  // a minus is not "not": not all 3
    auto phrase = search("\"full refund\" -cheesecake");
    ASSERT_FALSE(phrase.empty());
    EXPECT_EQ(phrase[0]["heading"], "Returns");
    EXPECT_EQ(db_.scalar("SELECT count(*) FROM documents"), "2");
}

TEST_F(PromptsTest, PreviewRendersTheProfileAndTheRetrievedPassages) {
    ok("PUT", "/api/settings/business",
       {{"name", "Casa Pepe"},
        {"hours",
         {{"time_zone", "Europe/Madrid"},
          {"days", {{"fri", json::array({{{"open", "12:00"}, {"close", "23:00"}}})}}}}}});
    add_document("Menu", {{"Desserts",
                           "Homemade cheesecake, chocolate brownie and seasonal "
                           "fruit."}});
    auto general = db_.scalar("SELECT id FROM prompt_templates WHERE slug = 'general'");
    auto out = ok("POST", "/api/prompts/" + general + "/preview",
                  {{"message", "do you have cheesecake?"}, {"customer_name", "Ana"}});
    auto prompt = out["prompt"].get<std::string>();
    EXPECT_NE(prompt.find("Casa Pepe"), std::string::npos);
    EXPECT_NE(prompt.find("Homemade cheesecake"), std::string::npos);
    EXPECT_NE(prompt.find("[1] Menu > Desserts"), std::string::npos);
    EXPECT_NE(prompt.find("Friday: 12:00-23:00"), std::string::npos);
    EXPECT_NE(prompt.find("do you have cheesecake?"), std::string::npos);
    EXPECT_NE(prompt.find("Ana"), std::string::npos);
    EXPECT_EQ(prompt.find("{{"), std::string::npos) << prompt;
    ASSERT_EQ(out["chunks"].size(), 1u);
    EXPECT_EQ(out["chunks"][0]["heading"], "Desserts");

    auto none = ok("POST", "/api/prompts/" + general + "/preview", {{"message", "parking?"}});
    EXPECT_NE(none["prompt"].get<std::string>().find("No passage"), std::string::npos);
    EXPECT_EQ(call(owner_, "POST", "/api/prompts/" + general + "/preview", json::object()).status,
              422);
    EXPECT_EQ(out["draft"], false);

    // A draft: the text being edited, tried before it is saved; the saved text stays.
    auto saved = ok("GET", "/api/prompts/" + general)["body"];
    auto draft = ok("POST", "/api/prompts/" + general + "/preview",
                    {{"message", "do you have cheesecake?"},
                     {"body",
                      "DRAFT for {{business_name}}: answer {{customer_name}} from "
                      "{{relevant_documents}}"}});
    EXPECT_EQ(draft["draft"], true);
    auto drafted = draft["prompt"].get<std::string>();
    EXPECT_NE(drafted.find("DRAFT for Casa Pepe: answer"), std::string::npos) << drafted;
    EXPECT_NE(drafted.find("Homemade cheesecake"), std::string::npos);
    EXPECT_EQ(ok("GET", "/api/prompts/" + general)["body"], saved);
    ASSERT_FALSE(agent_.empty());
    EXPECT_EQ(call(agent_, "POST", "/api/prompts/" + general + "/preview",
                   {{"message", "hi"}, {"body", "Agents try drafts too, {{customer_name}}."}})
                  .status,
              200);
    // A draft is checked as a save would be: unknown variables and empty text are named.
    auto unknown = call(owner_, "POST", "/api/prompts/" + general + "/preview",
                        {{"message", "hi"}, {"body", "Hello {{shoe_size}}"}});
    EXPECT_EQ(unknown.status, 422);
    EXPECT_NE(unknown.body.find("shoe_size"), std::string::npos) << unknown.body;
    EXPECT_NE(unknown.body.find("\"field\":\"body\""), std::string::npos) << unknown.body;
    EXPECT_EQ(call(owner_, "POST", "/api/prompts/" + general + "/preview",
                   {{"message", "hi"}, {"body", ""}})
                  .status,
              422);
    EXPECT_EQ(call(owner_, "POST", "/api/prompts/" + general + "/preview",
                   {{"message", "hi"}, {"body", 42}})
                  .status,
              422);
}

TEST_F(PromptsTest, TheVariablesAreListedWithWhatTheyHold) {
    auto out = ok("GET", "/api/prompts/variables");
    std::vector<std::string> names;
    for (const auto& v : out["items"]) {
        names.push_back(v["name"].get<std::string>());
        EXPECT_FALSE(v["meaning"].get<std::string>().empty()) << v.dump();
    }
    EXPECT_EQ(names, (std::vector<std::string>{"business_name", "customer_name", "customer_message",
                                               "relevant_documents", "conversation_history",
                                               "business_hours", "current_date", "language"}));
    // Every listed variable is one a template may use: a body with all of them saves.
    std::string body;
    for (const auto& n : names) body += "{{" + n + "}} ";
    auto created = call(owner_, "POST", "/api/prompts", {{"name", "All"}, {"body", body}});
    EXPECT_EQ(created.status, 201) << created.body;
    ASSERT_FALSE(agent_.empty());
    EXPECT_EQ(call(agent_, "GET", "/api/prompts/variables").status, 200);
    EXPECT_EQ(call("", "GET", "/api/prompts/variables").status, 401);
}

TEST_F(PromptsTest, TypedDocumentsAreSearchableEditableAndDeletable) {
    auto id = add_document("Opening hours", {{"Summer",
                                              "From June to September we open every day "
                                              "from 10:00 to 22:00."}});
    auto doc = ok("GET", "/api/documents/" + id);
    EXPECT_EQ(doc["type"], "text");
    EXPECT_EQ(doc["status"], "ready");
    EXPECT_EQ(doc["chunk_count"], 1);
    EXPECT_NE(doc["text"].get<std::string>().find("June to September"), std::string::npos);
    EXPECT_EQ(ok("GET", "/api/documents")["items"].size(), 1u);
    auto search = [&](const std::string& q) {
        return ok("POST", "/api/documents/search", {{"query", q}})["items"];
    };
    ASSERT_EQ(search("summer opening").size(), 1u);

    // Agents keep the knowledge too. A new text replaces the old passages in search.
    ASSERT_FALSE(agent_.empty());
    auto patched = call(agent_, "PATCH", "/api/documents/" + id,
                        {{"content", "# Winter\n\nFrom October to May we open 12:00 to 20:00."},
                         {"tags", json::array({"hours"})},
                         {"category", "General"}});
    ASSERT_EQ(patched.status, 200) << patched.body;
    EXPECT_EQ(json::parse(patched.body)["tags"], json::array({"hours"}));
    EXPECT_TRUE(search("June September").empty());
    ASSERT_EQ(search("winter").size(), 1u);
    EXPECT_EQ(search("winter")[0]["heading"], "Winter");

    // Bad input is named.
    EXPECT_EQ(call(owner_, "POST", "/api/documents/text", {{"title", "x"}}).status, 422);
    EXPECT_EQ(
        call(owner_, "POST", "/api/documents/text", {{"title", "x"}, {"content", " \n "}}).status,
        422);
    EXPECT_EQ(call(owner_, "PATCH", "/api/documents/" + id, {{"tags", "hours"}}).status, 422);
    EXPECT_EQ(call(owner_, "PATCH", "/api/documents/" + id, {{"title", ""}}).status, 422);
    EXPECT_EQ(call(owner_, "GET", "/api/documents/00000000-0000-0000-0000-000000000000").status,
              404);
    EXPECT_EQ(call(owner_, "GET", "/api/documents/..%2f..%2fetc").status, 404);

    EXPECT_EQ(call(owner_, "DELETE", "/api/documents/" + id).status, 204);
    EXPECT_TRUE(search("winter").empty());
    EXPECT_EQ(db_.scalar("SELECT count(*) FROM document_chunks"), "0");
    EXPECT_EQ(call(owner_, "DELETE", "/api/documents/" + id).status, 404);
}

TEST_F(PromptsTest, TheDocumentLimitIsEnforced) {
    server_.signal(SIGTERM);
    server_.wait(std::chrono::seconds(10));
    ServerProcess limited;
    auto env = server_env(db_);
    env["KB_MAX_DOCUMENTS"] = "2";
    ASSERT_TRUE(limited.start(env)) << limited.log();
    auto post = [&](const std::string& title) {
        return request(
            limited.port(), "POST", "/api/documents/text",
            {{"Authorization", "Bearer " + owner_}, {"Content-Type", "application/json"}},
            json{{"title", title}, {"content", "Some text"}}.dump());
    };
    EXPECT_EQ(post("one").status, 201);
    EXPECT_EQ(post("two").status, 201);
    auto third = post("three");
    EXPECT_EQ(third.status, 409);
    EXPECT_NE(third.body.find("KB_MAX_DOCUMENTS"), std::string::npos) << third.body;
    EXPECT_EQ(db_.scalar("SELECT count(*) FROM documents"), "2");
}

}  // namespace
}  // namespace botflow::test
