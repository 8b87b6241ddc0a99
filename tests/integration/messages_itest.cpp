// Every type BotFlow sends, through the agents' API to the fake Graph API: the Cloud API
// payloads, WhatsApp's limits refused with the field named, files uploaded and sent, and the
// simulator's customer tapping a button.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/server_fixture.hpp"
#include "support/wait.hpp"
#include "support/whatsapp.hpp"

namespace botflow::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class MessagesTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto e = server_env(db_);
        add_owner(e);
        add_whatsapp(e, graph_);
        e["JOB_WORKERS"] = "2";
        ASSERT_NO_FATAL_FAILURE(start_signed_in(server_, e, token_));
    }
    HttpResponse call(const std::string& method, const std::string& target,
                      const json& body = nullptr) {
        return call_api(server_.port(), token_, method, target, body);
    }
    std::string customer_writes(const std::string& wa_id, const std::string& wamid) {
        return test::customer_writes(server_.port(), db_, wa_id, wamid);
    }
    json send(const std::string& conversation, const json& message, int status = 202) {
        auto r = call("POST", "/api/conversations/" + conversation + "/messages", message);
        EXPECT_EQ(r.status, status) << r.body;
        return json::parse(r.body, nullptr, false);
    }
    // The Graph API requests that sent a message, in order.
    std::vector<json> sends() {
        std::vector<json> out;
        for (const auto& r : graph_.requests()) {
            const auto& path = r["path"].get<std::string>();
            if (path.size() > 9 && path.substr(path.size() - 9) == "/messages" &&
                r["body"].is_object() && r["body"].contains("type")) {
                out.push_back(r["body"]);
            }
        }
        return out;
    }

    FakeGraph graph_{kGraphToken};
    TestDatabase db_;
    ServerProcess server_;
    std::string token_;
};

TEST_F(MessagesTest, EveryTypeGoesOutAsTheCloudApiPayload) {
    auto id = customer_writes("34600111222", "wamid.in1");
    auto incoming = db_.scalar("SELECT id FROM messages WHERE whatsapp_message_id = 'wamid.in1'");
    auto buttons = send(id, {{"type", "buttons"},
                             {"body", "Shall we book it?"},
                             {"footer", "Lucky Shrub"},
                             {"buttons",
                              {{{"id", "yes"}, {"title", "Yes"}},
                               {{"id", "no"}, {"title", "No"}},
                               {{"id", "later"}, {"title", "Later"}}}}});
    ASSERT_EQ(buttons["messages"][0]["type"], "buttons");
    EXPECT_EQ(buttons["messages"][0]["payload"]["buttons"][2]["title"], "Later");
    send(id, {{"type", "list"},
              {"body", "Which time?"},
              {"button", "Times"},
              {"sections",
               {{{"title", "Morning"},
                 {"rows",
                  {{{"id", "9"}, {"title", "9:00"}, {"description", "early"}},
                   {{"id", "10"}, {"title", "10:00"}}}}}}}});
    send(id, {{"type", "image"}, {"link", "https://shop.example/menu.png"}, {"caption", "Menu"}});
    send(id, {{"type", "reaction"}, {"message_id", incoming}, {"emoji", "\xF0\x9F\x91\x8D"}});
    send(id, {{"type", "text"}, {"text", "About that"}, {"reply_to", incoming}});
    ASSERT_TRUE(eventually([&] { return sends().size() == 5; })) << server_.log();
    auto out = sends();
    EXPECT_EQ(out[0]["type"], "interactive");
    EXPECT_EQ(out[0]["to"], "+34600111222");
    EXPECT_EQ(out[0]["interactive"]["type"], "button");
    EXPECT_EQ(out[0]["interactive"]["action"]["buttons"][0]["reply"],
              (json{{"id", "yes"}, {"title", "Yes"}}));
    EXPECT_EQ(out[0]["interactive"]["footer"]["text"], "Lucky Shrub");
    EXPECT_EQ(out[1]["interactive"]["type"], "list");
    EXPECT_EQ(out[1]["interactive"]["action"]["button"], "Times");
    EXPECT_EQ(out[1]["interactive"]["action"]["sections"][0]["rows"][0]["description"], "early");
    EXPECT_EQ(out[2]["image"],
              (json{{"link", "https://shop.example/menu.png"}, {"caption", "Menu"}}));
    EXPECT_EQ(out[3]["reaction"]["message_id"], "wamid.in1");
    EXPECT_FALSE(out[3].contains("context"));
    EXPECT_EQ(out[4]["context"]["message_id"], "wamid.in1");
    // Stored with the type and the structure; the thread reads them back.
    auto thread = json::parse(call("GET", "/api/conversations/" + id + "/messages").body);
    std::vector<std::string> types;
    for (const auto& m : thread["items"]) types.push_back(m["type"].get<std::string>());
    EXPECT_EQ(std::count(types.begin(), types.end(), "list"), 1) << thread.dump();
    EXPECT_EQ(db_.scalar("SELECT payload->'sections'->0->'rows'->1->>'title' FROM messages "
                         "WHERE type = 'list'"),
              "10:00");
    EXPECT_EQ(db_.scalar("SELECT content FROM messages WHERE type = 'buttons'"),
              "Shall we book it? [Yes | No | Later]");
}

TEST_F(MessagesTest, AFileIsUploadedOnceAndSentByItsWhatsAppId) {
    auto id = customer_writes("34600111223", "wamid.in2");
    std::string pdf = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    auto r = send_file(server_.port(), token_, "POST", "/api/media", "price list.pdf", pdf);
    ASSERT_EQ(r.status, 201) << r.body;
    auto file = json::parse(r.body);
    EXPECT_EQ(file["kind"], "document");
    EXPECT_EQ(file["mime_type"], "application/pdf");
    auto media = file["id"].get<std::string>();
    auto first = send(id, {{"type", "document"}, {"media_id", media}, {"caption", "Our prices"}});
    send(id, {{"type", "document"}, {"media_id", media}, {"filename", "prices.pdf"}});
    ASSERT_TRUE(eventually([&] { return sends().size() == 2; })) << server_.log();
    auto out = sends();
    ASSERT_TRUE(out[0]["document"].contains("id")) << out[0].dump();
    EXPECT_EQ(out[0]["document"]["id"], out[1]["document"]["id"]);  // uploaded once
    EXPECT_EQ(out[0]["document"]["filename"], "price list.pdf");
    EXPECT_EQ(out[1]["document"]["filename"], "prices.pdf");
    int uploads = 0;
    for (const auto& q : graph_.requests()) {
        if (q["path"].get<std::string>().find("/media") != std::string::npos &&
            q["method"] == "POST") {
            ++uploads;
            EXPECT_EQ(q["body"]["multipart"], true);
        }
    }
    EXPECT_EQ(uploads, 1);
    // The thread shows the file like a customer's.
    auto message = first["messages"][0];
    ASSERT_TRUE(message["media"].is_object()) << message.dump();
    auto got = request(server_.port(), "GET", message["media"]["url"].get<std::string>(),
                       {{"Authorization", "Bearer " + token_}});
    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(got.body, pdf);
}

TEST_F(MessagesTest, WhatWhatsAppWouldRefuseIsRefusedWithTheFieldNamed) {
    auto id = customer_writes("34600111224", "wamid.in3");
    auto r = send(id,
                  {{"type", "buttons"},
                   {"body", "Which day?"},
                   {"buttons",
                    {{{"id", "a"}, {"title", "Monday"}},
                     {{"id", "b"}, {"title", "Tuesday"}},
                     {{"id", "c"}, {"title", "Wednesday afternoon!!"}},
                     {{"id", "d"}, {"title", "Thursday"}}}}},
                  422);
    std::map<std::string, std::string> fields;
    for (const auto& f : r["errors"]) fields[f["field"]] = f["message"];
    EXPECT_EQ(fields["buttons[2].title"], "21 characters, WhatsApp allows 20");
    EXPECT_EQ(fields["buttons"], "4 buttons, WhatsApp allows 3");
    send(id, {{"type", "image"}, {"media_id", "00000000-0000-0000-0000-000000000000"}}, 422);
    send(id,
         {{"type", "reaction"},
          {"message_id", "00000000-0000-0000-0000-000000000000"},
          {"emoji", "x"}},
         422);
    send(id, {{"type", "carousel"}}, 422);
    send(id, {{"text", "x"}, {"reply_to", "'; DROP TABLE messages; --"}}, 422);
    EXPECT_EQ(db_.scalar("SELECT count(*) FROM messages WHERE direction = 'outbound'"), "0");
    // Files WhatsApp does not take, and forms without a file.
    auto exe = send_file(server_.port(), token_, "POST", "/api/media", "a.exe", "MZ\x90\x00rest");
    EXPECT_EQ(exe.status, 415) << exe.body;
    auto nofile =
        request(server_.port(), "POST", "/api/media",
                {{"Authorization", "Bearer " + token_},
                 {"Content-Type", "multipart/form-data; boundary=x"}},
                "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--\r\n");
    EXPECT_EQ(nofile.status, 422) << nofile.body;
    auto json_body = call("POST", "/api/media", {{"file", "x"}});
    EXPECT_EQ(json_body.status, 415);
    EXPECT_EQ(db_.scalar("SELECT count(*) FROM media_uploads"), "0");
}

TEST_F(MessagesTest, TheSimulatorsCustomerTapsAButtonAsWhatsAppDeliversIt) {
    auto r = call("POST", "/api/simulator/messages", {{"phone", "+1 555 0100"}, {"text", "Hi"}});
    ASSERT_EQ(r.status, 201) << r.body;
    auto conversation = json::parse(r.body)["conversation"]["id"].get<std::string>();
    auto sent = send(
        conversation,
        {{"type", "buttons"},
         {"body", "Book for tomorrow?"},
         {"buttons", {{{"id", "yes"}, {"title", "Yes please"}}, {{"id", "no"}, {"title", "No"}}}}});
    auto buttons = sent["messages"][0]["id"].get<std::string>();
    ASSERT_TRUE(eventually([&] {
        return db_.scalar("SELECT status FROM messages WHERE id = '" + buttons + "'") ==
               "delivered";
    }));
    auto tap = call("POST", "/api/simulator/messages",
                    {{"reply", {{"message_id", buttons}, {"id", "yes"}}}});
    ASSERT_EQ(tap.status, 201) << tap.body;
    auto message = json::parse(tap.body)["message"];
    EXPECT_EQ(message["type"], "interactive");
    EXPECT_EQ(message["direction"], "inbound");
    EXPECT_EQ(message["payload"]["reply"],
              (json{{"kind", "button"}, {"id", "yes"}, {"title", "Yes please"}}));
    EXPECT_EQ(message["payload"]["in_reply_to"], buttons);
    // Stored exactly as Meta's webhook would have brought it.
    EXPECT_EQ(db_.scalar("SELECT metadata->'interactive'->>'type' FROM messages "
                         "WHERE id = '" +
                         message["id"].get<std::string>() + "'"),
              "button_reply");
    // Taps that do not exist are refused.
    EXPECT_EQ(call("POST", "/api/simulator/messages",
                   {{"reply", {{"message_id", buttons}, {"id", "maybe"}}}})
                  .status,
              422);
    EXPECT_EQ(call("POST", "/api/simulator/messages",
                   {{"reply", {{"message_id", "1' OR 1=1"}, {"id", "yes"}}}})
                  .status,
              422);
}

}  // namespace
}  // namespace botflow::test
