// The WhatsApp webhook and the conversations API against the real server and PostgreSQL.
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "botflow/whatsapp/webhook.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/server_fixture.hpp"
#include "support/test_env.hpp"
#include "support/whatsapp.hpp"

namespace botflow::test {
namespace {

using nlohmann::json;

class WebhookTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto env = server_env(db_);
        add_webhook(env);
        add_owner(env);
        ASSERT_NO_FATAL_FAILURE(start_signed_in(server_, env, token_));
    }
    HttpResponse deliver(const std::string& body, const std::string& signature = "auto") {
        return test::deliver(server_.port(), body, signature);
    }
    HttpResponse deliver(const json& body) { return deliver(body.dump()); }
    json api(const std::string& method, const std::string& target, const json& body = nullptr,
             int expect = 200) {
        auto r = call_api(server_.port(), token_, method, target, body);
        EXPECT_EQ(r.status, expect) << method << " " << target << " " << r.body;
        return r.body.empty() ? json() : json::parse(r.body);
    }
    long count(const std::string& sql) { return std::stol(db_.scalar(sql)); }
    std::string conversation_of(const std::string& wa_id) {
        return db_.scalar("SELECT id FROM conversations WHERE wa_id = '" + wa_id + "'");
    }

    TestDatabase db_;
    ServerProcess server_;
    std::string token_;
};

TEST_F(WebhookTest, VerificationHandshake) {
    auto ok = request(server_.port(), "GET",
                      "/api/webhook/whatsapp?hub.mode=subscribe&hub.challenge=1158201444"
                      "&hub.verify_token=verify-me-please");
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body, "1158201444");
    EXPECT_EQ(ok.header("content-type").rfind("text/plain", 0), 0u);
    for (const char* bad :
         {"/api/webhook/whatsapp?hub.mode=subscribe&hub.challenge=1&hub.verify_token=nope",
          "/api/webhook/"
          "whatsapp?hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=verify-me-please",
          "/api/webhook/whatsapp"}) {
        auto r = request(server_.port(), "GET", bad);
        EXPECT_EQ(r.status, 403) << bad;
        EXPECT_EQ(r.header("content-type"), "application/problem+json");
    }
}

TEST_F(WebhookTest, SignatureIsRequiredAndNothingIsStoredWithoutIt) {
    auto body = text_delivery("wamid.sig", "111", "hello").dump();
    EXPECT_EQ(deliver(body, "").status, 401);
    EXPECT_EQ(deliver(body, "sha256=" + std::string(64, '0')).status, 401);
    EXPECT_EQ(deliver(body, whatsapp::sign_body(body, Secret("wrong secret"))).status, 401);
    EXPECT_EQ(deliver(body + " ", whatsapp::sign_body(body, Secret(kAppSecret))).status, 401);
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE direction = 'inbound'"), 0);
    EXPECT_EQ(deliver(body).status, 200);
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE direction = 'inbound'"), 1);
}

TEST_F(WebhookTest, BadBodiesAreRefusedClearly) {
    auto r = deliver(std::string("{not json"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    // Meta sends up to 3 MB: 3.5 MB is accepted, over 4 MiB is 413.
    std::string padding(3500 * 1024, ' ');
    auto big = text_delivery("wamid.big", "222", "big").dump();
    big.insert(big.size() - 1, padding);
    EXPECT_EQ(deliver(big).status, 200);
    std::string huge = big;
    huge.insert(huge.size() - 1, std::string(1024 * 1024, ' '));
    EXPECT_EQ(deliver(huge).status, 413);
}

TEST_F(WebhookTest, EveryMessageTypeIsStoredReadably) {
    int n = 0;
    for (const char* name :
         {"inbound-text.json", "inbound-image.json", "inbound-video.json", "inbound-audio.json",
          "inbound-document.json", "inbound-sticker.json", "inbound-location.json",
          "inbound-contacts.json", "inbound-interactive-button-reply.json",
          "inbound-interactive-list-reply.json", "inbound-button-template-quick-reply.json",
          "inbound-reaction.json", "inbound-unsupported.json"}) {
        auto j = fixture(name);
        j["entry"][0]["changes"][0]["value"]["messages"][0]["id"] =
            "wamid.type" + std::to_string(n++);
        auto r = deliver(j);
        EXPECT_EQ(r.status, 200) << name << r.body;
    }
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE direction = 'inbound'"), n);
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE content = ''"), 0);
    EXPECT_EQ(db_.scalar("SELECT content FROM messages WHERE type = 'location'"),
              "[location] Philz Coffee, 101 Forest Ave, Palo Alto, CA 94301 (37.442215, "
              "-122.161659)");
    EXPECT_EQ(db_.scalar("SELECT media_filename FROM messages WHERE type = 'document'"),
              "receipt.pdf");
    EXPECT_EQ(db_.scalar("SELECT metadata->'unsupported'->>'type' FROM messages WHERE type = "
                         "'unsupported'"),
              "edit");
    auto conv = conversation_of("16505551234");
    auto thread = api("GET", "/api/conversations/" + conv + "/messages?limit=200");
    EXPECT_GE(thread["items"].size(), 5u);
    EXPECT_EQ(db_.scalar("SELECT customer_name FROM conversations WHERE wa_id = '16505551234'"),
              "Sheena Nelson");
}

TEST_F(WebhookTest, RedeliveriesAreStoredOnce) {
    auto body = text_delivery("wamid.dup", "333", "only once").dump();
    for (int i = 0; i < 5; ++i) EXPECT_EQ(deliver(body).status, 200);
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE whatsapp_message_id = 'wamid.dup'"), 1);
    EXPECT_EQ(count("SELECT unread_count FROM conversations WHERE wa_id = '333'"), 1);
}

TEST_F(WebhookTest, ConcurrentDeliveriesAreAllStored) {
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    std::mutex failures_mutex;
    std::vector<std::string> failures;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                auto body =
                    text_delivery("wamid.c" + std::to_string(t) + "." + std::to_string(i),
                                  "44" + std::to_string(t % 3), "message " + std::to_string(i))
                        .dump();
                auto r = deliver(body);
                if (r.status == 200) {
                    ++ok;
                } else {
                    std::lock_guard lock(failures_mutex);
                    failures.push_back(std::to_string(r.status) + " " + r.body);
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(ok.load(), 80) << (failures.empty() ? "" : failures.front());
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE direction = 'inbound'"), 80);
    EXPECT_EQ(count("SELECT count(*) FROM conversations"), 3);
    EXPECT_EQ(count("SELECT sum(unread_count) FROM conversations"), 80);
}

TEST_F(WebhookTest, ForeignNumbersAndUnknownFieldsAreAcknowledgedNotStored) {
    auto foreign = text_delivery("wamid.foreign", "555", "not for us");
    foreign["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999999";
    EXPECT_EQ(deliver(foreign).status, 200);
    auto other_field = json::parse(
        R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[
            {"field":"account_update","value":{"event":"VERIFIED_ACCOUNT"}}]}]})");
    EXPECT_EQ(deliver(other_field).status, 200);
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE direction = 'inbound'"), 0);
    EXPECT_TRUE(server_.log_contains("webhook.foreign_number"));
}

TEST_F(WebhookTest, StatusesMoveForwardOnlyAndWaitForTheirMessage) {
    // The owner answered from the phone (coexistence): the statuses arrive first.
    EXPECT_EQ(deliver(status_delivery("wamid.out1", "delivered", "1750000010")).status, 200);
    EXPECT_EQ(count("SELECT count(*) FROM pending_statuses"), 1);
    ASSERT_EQ(deliver(text_delivery("wamid.in1", "16505551234", "hello")).status, 200);
    ASSERT_EQ(deliver(echo_delivery("wamid.out1", "16505551234", "Hi! On my way")).status, 200);
    EXPECT_EQ(count("SELECT count(*) FROM pending_statuses"), 0);
    EXPECT_EQ(db_.scalar("SELECT status FROM messages WHERE whatsapp_message_id = 'wamid.out1'"),
              "delivered");
    EXPECT_EQ(db_.scalar("SELECT sender FROM messages WHERE whatsapp_message_id = 'wamid.out1'"),
              "agent");
    // A person answered: the AI is paused for this conversation.
    EXPECT_EQ(db_.scalar("SELECT ai_enabled FROM conversations WHERE wa_id = '16505551234'"), "f");

    deliver(status_delivery("wamid.out1", "read", "1750000020"));
    deliver(status_delivery("wamid.out1", "delivered", "1750000030"));  // late: ignored
    EXPECT_EQ(db_.scalar("SELECT status FROM messages WHERE whatsapp_message_id = 'wamid.out1'"),
              "read");
    EXPECT_EQ(count("SELECT extract(epoch FROM delivered_at)::bigint FROM messages "
                    "WHERE whatsapp_message_id = 'wamid.out1'"),
              1750000010);

    ASSERT_EQ(deliver(echo_delivery("wamid.out2", "16505551234", "Second")).status, 200);
    deliver(status_delivery("wamid.out2", "failed", "1750000040"));
    deliver(status_delivery("wamid.out2", "read", "1750000050"));  // failed is final
    EXPECT_EQ(db_.scalar("SELECT status || ' ' || error_code FROM messages "
                         "WHERE whatsapp_message_id = 'wamid.out2'"),
              "failed 131049");
}

TEST_F(WebhookTest, CustomersWithoutAPhoneNumberAreFiledByTheirUserId) {
    auto body = json::parse(R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[
        {"field":"messages","value":{"messaging_product":"whatsapp",
         "metadata":{"phone_number_id":"106540352242922"},
         "contacts":[{"profile":{"name":"Nina"},"user_id":"US.1349120865530274"}],
         "messages":[{"from_user_id":"US.1349120865530274","id":"wamid.bsuid1",
                      "timestamp":"1750000000","type":"text","text":{"body":"hi, no number"}}]}}]}]})");
    ASSERT_EQ(deliver(body).status, 200);
    EXPECT_EQ(db_.scalar("SELECT customer_name || '|' || coalesce(wa_id, '-') || '|' || bsuid "
                         "FROM conversations"),
              "Nina|-|US.1349120865530274");
}

TEST_F(WebhookTest, ConversationsListFiltersSearchesAndPages) {
    for (int i = 0; i < 5; ++i) {
        auto from = "77" + std::to_string(i);
        ASSERT_EQ(deliver(text_delivery("wamid.l" + std::to_string(i), from,
                                        i == 3 ? "Do you deliver pizza on Sundays?" : "hello",
                                        i == 1 ? "Marta Lopez" : "Customer " + from))
                      .status,
                  200);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    auto all = api("GET", "/api/conversations");
    ASSERT_EQ(all["items"].size(), 5u);
    auto page1 = api("GET", "/api/conversations?limit=2");
    ASSERT_EQ(page1["items"].size(), 2u);
    ASSERT_TRUE(page1["next_cursor"].is_string());
    auto page2 =
        api("GET", "/api/conversations?limit=2&cursor=" + page1["next_cursor"].get<std::string>());
    auto page3 =
        api("GET", "/api/conversations?limit=2&cursor=" + page2["next_cursor"].get<std::string>());
    EXPECT_EQ(page2["items"].size(), 2u);
    EXPECT_EQ(page3["items"].size(), 1u);
    std::set<std::string> seen;
    for (const auto* p : {&page1, &page2, &page3}) {
        for (const auto& c : (*p)["items"]) seen.insert(c["id"]);
    }
    EXPECT_EQ(seen.size(), 5u);

    EXPECT_EQ(api("GET", "/api/conversations?q=marta")["items"].size(), 1u);
    auto pizza = api("GET", "/api/conversations?q=pizza%20sundays");
    ASSERT_EQ(pizza["items"].size(), 1u);
    EXPECT_EQ(pizza["items"][0]["customer"]["wa_id"], "773");
    EXPECT_EQ(api("GET", "/api/conversations?q=%25")["items"].size(), 0u);  // % is literal

    auto id = conversation_of("770");
    api("PATCH", "/api/conversations/" + id,
        {{"tags", {"vip", "wholesale"}}, {"status", "handed_off"}, {"notes", "Prefers mornings"}});
    EXPECT_EQ(api("GET", "/api/conversations?tag=vip")["items"].size(), 1u);
    EXPECT_EQ(api("GET", "/api/conversations?status=handed_off")["items"].size(), 1u);
    api("POST", "/api/conversations/" + id + "/read", nullptr, 204);
    EXPECT_EQ(api("GET", "/api/conversations?unread=true")["items"].size(), 4u);
    auto toggled = api("PUT", "/api/conversations/" + id + "/ai-toggle", {{"enabled", false}});
    EXPECT_EQ(toggled["ai_enabled"], false);
    EXPECT_EQ(api("GET", "/api/conversations?ai_enabled=false")["items"].size(), 1u);
    auto me = api("GET", "/api/auth/me");
    api("PATCH", "/api/conversations/" + id, {{"assigned_to", me["user"]["id"]}});
    EXPECT_EQ(api("GET", "/api/conversations?assigned=me")["items"].size(), 1u);
    EXPECT_EQ(api("GET", "/api/conversations?assigned=none")["items"].size(), 4u);

    api("GET", "/api/conversations?status=lost", nullptr, 422);
    api("GET", "/api/conversations?cursor=garbage", nullptr, 422);
    api("GET", "/api/conversations?limit=0", nullptr, 422);
    api("PATCH", "/api/conversations/" + id, {{"tags", "vip"}}, 422);
    api("PATCH", "/api/conversations/" + id,
        {{"assigned_to", "00000000-0000-0000-0000-000000000000"}}, 422);
    api("GET", "/api/conversations/not-a-uuid", nullptr, 404);
    api("GET", "/api/conversations/00000000-0000-0000-0000-000000000000", nullptr, 404);
}

TEST_F(WebhookTest, ThreadPagesBackwardsAndForwards) {
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(deliver(text_delivery("wamid.t" + std::to_string(i), "880",
                                        "message " + std::to_string(i), "C", 1750000000 + i))
                      .status,
                  200);
    }
    auto id = conversation_of("880");
    EXPECT_EQ(api("GET", "/api/conversations/" + id)["message_count"], 5);
    auto texts = [](const json& page) {
        std::vector<std::string> out;
        for (const auto& m : page["items"]) out.push_back(m["content"]);
        return out;
    };
    auto newest = api("GET", "/api/conversations/" + id + "/messages?limit=2");
    EXPECT_EQ(texts(newest), (std::vector<std::string>{"message 3", "message 4"}));
    auto older = api("GET", "/api/conversations/" + id + "/messages?limit=2&before=" +
                                newest["older_cursor"].get<std::string>());
    EXPECT_EQ(texts(older), (std::vector<std::string>{"message 1", "message 2"}));
    auto oldest = api("GET", "/api/conversations/" + id + "/messages?limit=2&before=" +
                                 older["older_cursor"].get<std::string>());
    EXPECT_EQ(texts(oldest), (std::vector<std::string>{"message 0"}));
    EXPECT_TRUE(oldest["older_cursor"].is_null());

    auto cursor = newest["newer_cursor"].get<std::string>();
    EXPECT_TRUE(
        api("GET", "/api/conversations/" + id + "/messages?after=" + cursor)["items"].empty());
    ASSERT_EQ(deliver(text_delivery("wamid.t9", "880", "a new one", "C", 1750000100)).status, 200);
    auto since = api("GET", "/api/conversations/" + id + "/messages?after=" + cursor);
    EXPECT_EQ(texts(since), (std::vector<std::string>{"a new one"}));
    api("GET", "/api/conversations/" + id + "/messages?before=x&after=y", nullptr, 422);
    api("GET", "/api/conversations/" + id + "/messages?before=bm90IGEgY3Vyc29y", nullptr, 422);
}

TEST_F(WebhookTest, ExportsAsJsonAndCsv) {
    ASSERT_EQ(deliver(text_delivery("wamid.x1", "120", "=cmd|' /C calc'!A0", "Eve")).status, 200);
    ASSERT_EQ(deliver(text_delivery("wamid.x2", "120", "line one\nline, two", "Eve")).status, 200);
    auto id = conversation_of("120");
    auto j = request(server_.port(), "GET", "/api/conversations/" + id + "/export",
                     {{"Authorization", "Bearer " + token_}});
    ASSERT_EQ(j.status, 200);
    EXPECT_NE(j.header("content-disposition").find("attachment"), std::string::npos);
    EXPECT_EQ(json::parse(j.body)["messages"].size(), 2u);
    auto csv = request(server_.port(), "GET", "/api/conversations/" + id + "/export?format=csv",
                       {{"Authorization", "Bearer " + token_}});
    ASSERT_EQ(csv.status, 200);
    EXPECT_EQ(csv.header("content-type"), "text/csv; charset=utf-8");
    EXPECT_NE(csv.body.find("'=cmd"), std::string::npos);
    EXPECT_NE(csv.body.find("\"line one\nline, two\""), std::string::npos);
    api("GET", "/api/conversations/" + id + "/export?format=xml", nullptr, 422);
}

TEST_F(WebhookTest, ArchiveAndErase) {
    ASSERT_EQ(deliver(text_delivery("wamid.e1", "990", "my address is 1 Main St", "Eve")).status,
              200);
    auto id = conversation_of("990");
    EXPECT_EQ(api("DELETE", "/api/conversations/" + id)["status"], "archived");
    // A new message brings an archived conversation back.
    ASSERT_EQ(deliver(text_delivery("wamid.e2", "990", "hello again", "Eve")).status, 200);
    EXPECT_EQ(db_.scalar("SELECT status FROM conversations WHERE id = '" + id + "'"), "active");
    auto erased = api("DELETE", "/api/conversations/" + id + "?erase=true");
    EXPECT_EQ(erased["messages"], 2);
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE direction = 'inbound'"), 0);
    EXPECT_EQ(db_.scalar("SELECT customer_name FROM conversations WHERE id = '" + id + "'"), "");
    EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'conversation.erase'"), 1);
}

TEST_F(WebhookTest, AConversationHeldElsewhereHoldsUpOnlyItsOwnCustomer) {
    ASSERT_EQ(deliver(text_delivery("wamid.h1", "551", "first", "Hana")).status, 200);
    // Someone holds Hana's conversation (as a long erase would, or a session in psql).
    pqxx::connection c(db_.url());
    pqxx::work hold(c);
    hold.exec("SELECT 1 FROM conversations WHERE wa_id = '551' FOR UPDATE");

    HttpResponse held;
    std::jthread hana([&] { held = deliver(text_delivery("wamid.h2", "551", "second", "Hana")); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    // Another customer's delivery is stored once Hana's has waited its second (one ingestion
    // transaction at a time), not 30 s later.
    auto started = std::chrono::steady_clock::now();
    auto other = deliver(text_delivery("wamid.o1", "552", "hello", "Omar"));
    auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(other.status, 200) << other.body;
    EXPECT_LT(waited, std::chrono::seconds(10));
    hana.join();
    // Hana's is refused with a 503, which Meta retries; nothing of it was stored.
    EXPECT_EQ(held.status, 503) << held.body;
    EXPECT_NE(held.body.find("busy"), std::string::npos) << held.body;
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE whatsapp_message_id = 'wamid.h2'"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE whatsapp_message_id = 'wamid.o1'"), 1);

    // Released: Meta's retry is stored, once, with its counters.
    hold.abort();
    ASSERT_EQ(deliver(text_delivery("wamid.h2", "551", "second", "Hana")).status, 200);
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE whatsapp_message_id = 'wamid.h2'"), 1);
    EXPECT_EQ(db_.scalar("SELECT unread_count FROM conversations WHERE wa_id = '551'"), "2");
}

TEST_F(WebhookTest, OddButWellSignedPayloadsAreStoredNotRetriedForever) {
    auto nul = text_delivery("wamid.nul", "661", std::string("a") + '\0' + "b");
    EXPECT_EQ(deliver(nul).status, 200);
    EXPECT_EQ(db_.scalar("SELECT content FROM messages WHERE whatsapp_message_id = 'wamid.nul'"),
              "ab");
    auto millis = text_delivery("wamid.ms", "662", "milliseconds");
    millis["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = "1750000000000000";
    EXPECT_EQ(deliver(millis).status, 200);
    auto voice = fixture("inbound-audio.json");
    auto& m = voice["entry"][0]["changes"][0]["value"]["messages"][0];
    m["id"] = "wamid.voice";
    m["audio"]["voice"] = "yes";
    EXPECT_EQ(deliver(voice).status, 200);
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE direction = 'inbound'"), 3);
}

TEST_F(WebhookTest, ANumberAndAUserIdOfTheSamePersonBecomeOneConversation) {
    ASSERT_EQ(deliver(text_delivery("wamid.m1", "34611111111", "by number")).status, 200);
    auto by_id = json::parse(R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[
        {"field":"messages","value":{"metadata":{"phone_number_id":"106540352242922"},
         "contacts":[{"profile":{"name":"Nina"},"user_id":"US.42"}],
         "messages":[{"from_user_id":"US.42","id":"wamid.m2","timestamp":"1750000001",
                      "type":"text","text":{"body":"by user id"}}]}}]}]})");
    ASSERT_EQ(deliver(by_id).status, 200);
    EXPECT_EQ(count("SELECT count(*) FROM conversations"), 2);
    auto both = by_id;
    auto& value = both["entry"][0]["changes"][0]["value"];
    value["contacts"][0]["wa_id"] = "34611111111";
    value["messages"][0]["from"] = "34611111111";
    value["messages"][0]["id"] = "wamid.m3";
    ASSERT_EQ(deliver(both).status, 200);
    EXPECT_EQ(count("SELECT count(*) FROM conversations"), 1);
    EXPECT_EQ(
        count("SELECT count(DISTINCT conversation_id) FROM messages WHERE direction = 'inbound'"),
        1);
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE direction = 'inbound'"), 3);
    EXPECT_EQ(db_.scalar("SELECT wa_id || ' ' || bsuid FROM conversations"), "34611111111 US.42");
}

TEST_F(WebhookTest, TheTeamsEditsSurviveNewMessages) {
    ASSERT_EQ(deliver(text_delivery("wamid.n1", "551", "first", "sk8r_boi", 1750000100)).status,
              200);
    auto id = conversation_of("551");
    api("PATCH", "/api/conversations/" + id, {{"customer_name", "Tom Baker"}, {"tags", {"vip"}}});
    api("PUT", "/api/conversations/" + id + "/ai-toggle", {{"enabled", false}});
    ASSERT_EQ(deliver(text_delivery("wamid.n2", "551", "second", "Tommy", 1750000200)).status, 200);
    // Meta re-sends an older message late: the preview stays on the newest.
    ASSERT_EQ(deliver(text_delivery("wamid.n0", "551", "zeroth", "Tommy", 1750000000)).status, 200);
    auto c = api("GET", "/api/conversations/" + id);
    EXPECT_EQ(c["customer"]["name"], "Tom Baker");
    EXPECT_EQ(c["customer"]["profile_name"], "Tommy");
    EXPECT_EQ(c["tags"], json::array({"vip"}));
    EXPECT_EQ(c["ai_enabled"], false);
    EXPECT_EQ(c["last_message_preview"], "second");
    api("GET", "/api/conversations?cursor=" + std::string("OTk5OS05OS05OXx4eHh4"), nullptr, 422);
}

TEST(WebhookNotConnected, AnswersUnavailableSoMetaRetries) {
    TestDatabase db;
    ServerProcess server;
    ASSERT_TRUE(server.start(server_env(db))) << server.log();
    auto body = text_delivery("wamid.nc", "123", "early").dump();
    auto r =
        request(server.port(), "POST", "/api/webhook/whatsapp",
                {{"Content-Type", "application/json"}, {"X-Hub-Signature-256", "sha256=00"}}, body);
    EXPECT_EQ(r.status, 503);
    EXPECT_NE(r.body.find("app secret in Settings > WhatsApp"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace botflow::test
