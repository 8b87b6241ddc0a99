// The dashboard's live feed (GET /api/ws) end to end: the real server, PostgreSQL and Redis,
// the fake LLM and the fake Graph API in tests/fakes/, and a WebSocket client
// (support/ws_client.hpp). Each event is produced by the action that causes it in real life.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "support/server_fixture.hpp"
#include "support/wait.hpp"
#include "support/whatsapp.hpp"
#include "support/ws_client.hpp"

namespace botflow::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class WsTest : public ServerTest {
protected:
    std::string add_document(const std::string& title) {
        auto r = call("POST", "/api/documents/text",
                      {{"title", title}, {"content", "What the document " + title + " says."}});
        EXPECT_EQ(r.status, 201) << r.body;
        return r.status == 201 ? json::parse(r.body)["id"].get<std::string>() : std::string();
    }
};

// --- signing in ---------------------------------------------------------------------------

TEST_F(WsTest, OnlySignedInClientsFromOurOwnPagesGetASocket) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto refusal = [&](const WsOptions& options) {
        WsClient c;
        EXPECT_FALSE(c.connect(port_, options)) << options.target;
        return c.refusal();
    };
    auto anonymous = refusal({});
    EXPECT_EQ(anonymous.status, 401) << anonymous.body;
    EXPECT_EQ(anonymous.header("content-type"), "application/problem+json");

    WsOptions forged;
    forged.bearer = "not-a-session-token";
    auto bad = refusal(forged);
    EXPECT_EQ(bad.status, 401) << bad.body;
    EXPECT_EQ(bad.header("content-type"), "application/problem+json");

    // The owner's cookie on another site's page must not open the owner's feed.
    WsOptions cross_site;
    cross_site.cookie = token_;
    cross_site.origin = "https://evil.example";
    auto cross = refusal(cross_site);
    EXPECT_EQ(cross.status, 403) << cross.body;
    EXPECT_EQ(cross.header("content-type"), "application/problem+json");
    WsOptions no_origin;
    no_origin.cookie = token_;
    EXPECT_EQ(refusal(no_origin).status, 403);

    // The dashboard in a browser: the session cookie, from our own origin.
    WsOptions browser;
    browser.cookie = token_;
    browser.origin = kPublicUrl;
    WsClient page;
    ASSERT_TRUE(page.connect(port_, browser)) << page.error();
    auto hello = page.next(10s);
    ASSERT_TRUE(hello) << page.error();
    EXPECT_EQ((*hello)["type"], "ready");

    // Other clients: the token in the subprotocol list; the server answers botflow.v1.
    WsOptions tool;
    tool.bearer = token_;
    WsClient cli;
    ASSERT_TRUE(cli.connect(port_, tool)) << cli.error();
    EXPECT_EQ(cli.subprotocol(), "botflow.v1");
    auto first = cli.next(10s);
    ASSERT_TRUE(first) << cli.error();
    EXPECT_EQ((*first)["type"], "ready") << first->dump();
    EXPECT_TRUE(null_id(*first)) << first->dump();
    EXPECT_TRUE((*first)["ts"].is_number_integer()) << first->dump();
    EXPECT_GE(number_at(*first, {"data", "last_id"}), 0) << first->dump();
    EXPECT_TRUE(cli.ping());

    // Not a WebSocket at all.
    auto plain = request(port_, "GET", "/api/ws", {{"Authorization", "Bearer " + token_}});
    EXPECT_EQ(plain.status, 426) << plain.body;
}

TEST_F(WsTest, SigningOutClosesTheSocketWith1008) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto other = login(port_, kOwnerEmail, kOwnerPassword);
    ASSERT_FALSE(other.empty());
    WsOptions session;
    session.bearer = other;
    auto leaving = connected(port_, session);
    auto staying = connected();
    ASSERT_EQ(call_api(port_, other, "POST", "/api/auth/logout").status, 204);
    auto code = leaving->close_code(8s);
    ASSERT_TRUE(code) << "still open 8 s after signing out; " << leaving->error();
    EXPECT_EQ(*code, 1008);
    // The same user's other session is not touched.
    EXPECT_TRUE(staying->open()) << staying->error();
    EXPECT_TRUE(staying->ping());
}

// --- each event from what causes it -----------------------------------------------------

TEST_F(WsTest, AnIncomingMessageIsPublished) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto c = connected();
    auto id = customer_writes("Does it come in blue?", "wamid.mc1");
    auto e = c->wait_for("message.created", 15s, message_is("whatsapp_message_id", "wamid.mc1"));
    ASSERT_TRUE(e) << tail(c->all());
    EXPECT_GT(event_id(*e), 0) << e->dump();
    EXPECT_TRUE((*e)["ts"].is_number_integer()) << e->dump();
    auto data = (*e)["data"];
    EXPECT_EQ(data["conversation_id"], id);
    auto message = data["message"];
    EXPECT_EQ(message["id"],
              scalar("SELECT id FROM messages WHERE whatsapp_message_id = 'wamid.mc1'"));
    EXPECT_EQ(message["conversation_id"], id);
    EXPECT_EQ(message["direction"], "inbound");
    EXPECT_EQ(message["sender"], "customer");
    EXPECT_EQ(message["type"], "text");
    EXPECT_EQ(message["content"], "Does it come in blue?");
    EXPECT_TRUE(message["status"].is_string()) << message.dump();
    EXPECT_TRUE(message["created_at"].is_string()) << message.dump();
    // The same time, in the same form, as the API gives it.
    EXPECT_EQ(message["created_at"], scalar("SELECT to_json(created_at) #>> '{}' FROM messages "
                                            "WHERE whatsapp_message_id = 'wamid.mc1'"));
}

TEST_F(WsTest, ADeliveryStatusIsPublished) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto c = connected();
    auto id = customer_writes("Hello?", "wamid.mu1");
    auto r = call("POST", "/api/conversations/" + id + "/messages", {{"text", "Hi Ana, yes!"}});
    ASSERT_EQ(r.status, 202) << r.body;
    auto msg = json::parse(r.body)["messages"][0]["id"].get<std::string>();
    std::string wamid;
    ASSERT_TRUE(eventually([&] {
        wamid = scalar("SELECT whatsapp_message_id FROM messages WHERE id = '" + msg +
                       "' AND status = 'sent'");
        return !wamid.empty();
    })) << server_->log();
    ASSERT_EQ(deliver(port_, status_delivery(wamid, "delivered", "1900000000").dump()).status, 200);
    auto e = c->wait_for("message.updated", 15s, [&](const json& m) {
        return text_at(m, {"data", "message_id"}) == msg &&
               text_at(m, {"data", "status"}) == "delivered";
    });
    ASSERT_TRUE(e) << tail(c->all());
    auto data = (*e)["data"];
    EXPECT_EQ(data["conversation_id"], id);
    EXPECT_TRUE(data.contains("error_reason")) << data.dump();
    EXPECT_TRUE(data["error_reason"].is_null()) << data.dump();
}

TEST_F(WsTest, ASimulatorReplyIsPublishedAsDelivered) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto c = connected();
    auto sim = call("POST", "/api/simulator/messages",
                    {{"phone", "+34600999111"}, {"name", "Sim"}, {"text", "Hi there"}});
    ASSERT_EQ(sim.status, 201) << sim.body;
    auto id = json::parse(sim.body)["conversation"]["id"].get<std::string>();
    auto r = call("POST", "/api/conversations/" + id + "/messages", {{"text", "Hello from us"}});
    ASSERT_EQ(r.status, 202) << r.body;
    auto msg = json::parse(r.body)["messages"][0]["id"].get<std::string>();
    // Never sent to WhatsApp, so no status webhook will come: the feed says it at once.
    auto e = c->wait_for("message.updated", 15s, [&](const json& m) {
        return text_at(m, {"data", "message_id"}) == msg &&
               text_at(m, {"data", "status"}) == "delivered";
    });
    ASSERT_TRUE(e) << tail(c->all());
    EXPECT_EQ((*e)["data"]["conversation_id"], id);
    EXPECT_TRUE(graph_.sent().empty());
}

TEST_F(WsTest, AConversationChangeIsPublishedAsTheApiShowsIt) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto c = connected();
    auto id = customer_writes("Hello", "wamid.cu1");
    auto r = call("PATCH", "/api/conversations/" + id,
                  {{"tags", json::array({"vip"})}, {"notes", "Prefers mornings"}});
    ASSERT_EQ(r.status, 200) << r.body;
    auto e = c->wait_for("conversation.updated", 15s, [&](const json& m) {
        return text_at(m, {"data", "conversation", "id"}) == id &&
               text_at(m, {"data", "conversation", "notes"}) == "Prefers mornings";
    });
    ASSERT_TRUE(e) << tail(c->all());
    auto published = (*e)["data"]["conversation"];
    auto got = call("GET", "/api/conversations/" + id);
    ASSERT_EQ(got.status, 200) << got.body;
    auto shown = json::parse(got.body);
    for (auto it = shown.begin(); it != shown.end(); ++it) {
        EXPECT_TRUE(published.contains(it.key()))
            << it.key() << " missing from " << published.dump();
    }
    for (const char* key : {"id", "customer", "status", "ai_enabled", "tags", "notes"}) {
        EXPECT_EQ(published[key], shown[key]) << key;
    }
}

TEST_F(WsTest, ACustomerAskingForAPersonIsPublishedAsAHandoff) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto c = connected();
    auto id = customer_writes("I want to talk to a person please", "wamid.ho1");
    auto handoff = c->find("conversation.handoff", 20s, data_is("conversation_id", id));
    ASSERT_TRUE(handoff) << server_->log() << tail(c->all());
    auto reason = text_at(*handoff, {"data", "reason"});
    EXPECT_FALSE(reason.empty()) << handoff->dump();
    EXPECT_EQ(reason, scalar("SELECT handoff_reason FROM conversations WHERE id = '" + id + "'"));
    auto typing = c->find("ai.typing", 10s, data_is("conversation_id", id));
    ASSERT_TRUE(typing) << tail(c->all());
    EXPECT_TRUE((*typing)["data"]["typing"].is_boolean()) << typing->dump();
}

TEST_F(WsTest, AnAgentTypingIsShownToTheOthersButNotEchoed) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto id = customer_writes("Hello", "wamid.at1");
    auto me = json::parse(call("GET", "/api/auth/me").body)["user"]["id"].get<std::string>();
    auto a = connected();
    auto b = connected();
    ASSERT_TRUE(a->send(json{{"type", "typing"}, {"conversation_id", id}}));
    auto e = b->wait_for("agent.typing", 10s, data_is("conversation_id", id));
    ASSERT_TRUE(e) << tail(b->all());
    EXPECT_EQ(text_at(*e, {"data", "user_id"}), me) << e->dump();
    EXPECT_GT(event_id(*e), 0) << e->dump();
    // Commands are handled in order: by the time the pong is back, an echo would have come.
    ASSERT_TRUE(a->ping());
    EXPECT_EQ(a->count("agent.typing"), 0u) << tail(a->all());
}

TEST_F(WsTest, ANewDocumentIsPublished) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto c = connected();
    auto doc = add_document("Opening hours");
    ASSERT_FALSE(doc.empty());
    auto e = c->find("document.updated", 15s, [&](const json& m) {
        return text_at(m, {"data", "document_id"}) == doc &&
               text_at(m, {"data", "status"}) == "ready";
    });
    ASSERT_TRUE(e) << tail(c->all());
    EXPECT_EQ(scalar("SELECT status FROM documents WHERE id = '" + doc + "'"), "ready");
}

TEST_F(WsTest, ASendThatFailsForGoodIsPublishedAsAFailedJob) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto c = connected();
    auto id = customer_writes("Hello?", "wamid.jf1");
    // The AI's answer goes out first; from then on WhatsApp refuses every message for good.
    ASSERT_TRUE(eventually([&] { return graph_.sent().size() == 1; })) << server_->log();
    graph_.rules(
        json::array({{{"match", "messages"}, {"status", 400}, {"code", 131047}, {"times", -1}}}));
    auto r = call("POST", "/api/conversations/" + id + "/messages", {{"text", "Are you there?"}});
    ASSERT_EQ(r.status, 202) << r.body;
    auto msg = json::parse(r.body)["messages"][0]["id"].get<std::string>();

    auto e = c->find("job.failed", 30s, data_is("kind", "whatsapp_send"));
    ASSERT_TRUE(e) << server_->log() << tail(c->all());
    EXPECT_FALSE(text_at(*e, {"data", "error"}).empty()) << e->dump();
    std::string dead;
    ASSERT_TRUE(eventually([&] {
        dead = scalar("SELECT id FROM jobs WHERE kind = 'whatsapp_send' AND state = 'dead'");
        return !dead.empty();
    }));
    auto job = (*e)["data"]["job_id"];
    EXPECT_EQ(job.is_string() ? job.get<std::string>() : job.dump(), dead) << e->dump();
    // The message turns failed, with the reason the dashboard shows.
    auto failed = c->find("message.updated", 15s, [&](const json& m) {
        return text_at(m, {"data", "message_id"}) == msg &&
               text_at(m, {"data", "status"}) == "failed";
    });
    ASSERT_TRUE(failed) << tail(c->all());
    EXPECT_FALSE(text_at(*failed, {"data", "error_reason"}).empty()) << failed->dump();
}

// --- subscriptions: the streamed answer -------------------------------------------------

TEST_F(WsTest, TheStreamedAnswerGoesOnlyToSubscribers) {
    ASSERT_NO_FATAL_FAILURE(start());
    llm_.rules({{{"reply", "First answer."}},
                {{"reply", "one two three four five"}, {"token_delay_ms", 150}}});
    auto a = connected();
    auto b = connected();
    auto id = customer_writes("Hello", "wamid.sd1");
    auto ai_answer = [id](const std::string& text) -> WsPredicate {
        return [id, text](const json& m) {
            return text_at(m, {"data", "conversation_id"}) == id &&
                   text_at(m, {"data", "message", "sender"}) == "ai" &&
                   text_at(m, {"data", "message", "content"}) == text;
        };
    };
    // The first answer ends before A subscribes.
    ASSERT_TRUE(a->find("message.created", 20s, ai_answer("First answer.")))
        << server_->log() << tail(a->all());
    ASSERT_TRUE(a->send(json{{"type", "subscribe"}, {"conversation_id", id}}));
    ASSERT_TRUE(a->ping());  // the subscription is in place
    customer_writes("Tell me more", "wamid.sd2");

    std::vector<json> deltas;
    for (;;) {
        auto d = a->wait_for("ai.delta", 20s, data_is("conversation_id", id));
        if (!d) break;
        deltas.push_back((*d)["data"]);
        if (deltas.back()["done"] == true) break;
    }
    ASSERT_FALSE(deltas.empty()) << server_->log() << tail(a->all());
    EXPECT_EQ(deltas.back()["done"], true) << tail(a->all());
    EXPECT_EQ(deltas.back()["text"], "one two three four five");
    EXPECT_GE(deltas.size(), 3u) << "want at least two partial texts before the whole one"
                                 << tail(a->all());
    for (std::size_t i = 1; i < deltas.size(); ++i) {
        auto before = text_at(deltas[i - 1], {"text"});
        auto now = text_at(deltas[i], {"text"});
        EXPECT_EQ(now.rfind(before, 0), 0u) << "\"" << before << "\" then \"" << now << "\"";
    }

    // B did not subscribe: it sees the answer as a message, and that the AI was typing, but
    // never the stream. Events come in order, so the answer's message comes after its deltas.
    ASSERT_TRUE(b->find("message.created", 20s, ai_answer("one two three four five")))
        << tail(b->all());
    EXPECT_EQ(b->count("ai.delta"), 0u) << tail(b->all());
    EXPECT_GE(b->count("ai.typing", data_is("conversation_id", id)), 1u) << tail(b->all());
}

// --- resuming -----------------------------------------------------------------------------

TEST_F(WsTest, ReconnectingWithSinceReplaysWhatWasMissedInOrder) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto watcher = connected();  // stays connected: sees every event
    auto c = connected();
    add_document("One");
    auto second = add_document("Two");
    ASSERT_TRUE(c->find("document.updated", 15s, data_is("document_id", second))) << tail(c->all());
    long long last = 0;
    for (const auto& m : c->all()) last = std::max(last, event_id(m));
    ASSERT_GT(last, 0);
    c->close();

    std::vector<std::string> missed{add_document("Three"), add_document("Four"),
                                    add_document("Five")};
    ASSERT_TRUE(watcher->find("document.updated", 15s, data_is("document_id", missed.back())))
        << tail(watcher->all());
    std::vector<long long> expected;
    for (const auto& m : watcher->all()) {
        if (event_id(m) > last) expected.push_back(event_id(m));
    }
    ASSERT_EQ(expected.size(), 3u) << "events after " << last << tail(watcher->all());

    WsOptions resume;
    resume.bearer = token_;
    resume.target = "/api/ws?since=" + std::to_string(last);
    WsClient again;
    ASSERT_TRUE(again.connect(port_, resume)) << again.error();
    auto ready = again.next(10s);
    ASSERT_TRUE(ready) << again.error();
    EXPECT_EQ((*ready)["type"], "ready") << ready->dump();
    EXPECT_GE(number_at(*ready, {"data", "last_id"}), expected.back()) << ready->dump();
    for (std::size_t i = 0; i < expected.size(); ++i) {
        auto m = again.next(10s);
        ASSERT_TRUE(m) << "replayed " << i << " of 3" << tail(again.all());
        EXPECT_EQ((*m)["type"], "document.updated") << m->dump();
        EXPECT_EQ(event_id(*m), expected[i]) << m->dump();
        EXPECT_EQ(text_at(*m, {"data", "document_id"}), missed[i]) << m->dump();
    }
    // Nothing else was replayed: what comes next is the answer to a ping.
    ASSERT_TRUE(again.send(json{{"type", "ping"}}));
    auto after = again.next(10s);
    ASSERT_TRUE(after) << again.error();
    EXPECT_EQ((*after)["type"], "pong") << after->dump();

    // An id this server never gave out: the client must refetch everything.
    WsOptions ahead = resume;
    ahead.target = "/api/ws?since=999999999";
    WsClient confused;
    ASSERT_TRUE(confused.connect(port_, ahead)) << confused.error();
    auto hello = confused.next(10s);
    ASSERT_TRUE(hello);
    EXPECT_EQ((*hello)["type"], "ready") << hello->dump();
    auto resync = confused.next(10s);
    ASSERT_TRUE(resync) << confused.error();
    EXPECT_EQ((*resync)["type"], "resync") << resync->dump();
    EXPECT_TRUE(null_id(*resync)) << resync->dump();
    EXPECT_FALSE(text_at(*resync, {"data", "reason"}).empty()) << resync->dump();
}

// --- back pressure --------------------------------------------------------------------------

TEST_F(WsTest, AClientThatDoesNotReadIsClosedAndTheOthersCarryOn) {
    // Bigger than one delivery's burst of events (20 messages), so that a client that reads
    // never hits it; far smaller than what the flood below sends.
    extra_["WS_QUEUE_LIMIT"] = "100";
    ASSERT_NO_FATAL_FAILURE(start());
    const std::string customer = "34600777000";
    auto id = customer_writes("Hello", "wamid.fl", customer);
    ASSERT_EQ(call("PATCH", "/api/conversations/" + id, {{"ai_enabled", false}}).status, 200);
    auto reader = connected();
    WsOptions slow_options;
    slow_options.bearer = token_;
    slow_options.receive_buffer = 4096;
    slow_options.read = false;
    WsClient slow;
    ASSERT_TRUE(slow.connect(port_, slow_options)) << slow.error();

    // 1,200 messages of over 400 bytes, 20 to a delivery: far more than the slow client's
    // socket buffers and its queue hold.
    auto flood_wamid = [](int delivery, int i) {
        return "wamid.fl-" + std::to_string(delivery) + "-" + std::to_string(i);
    };
    const std::string filler(400, '.');
    for (int d = 0; d < 60; ++d) {
        auto body = text_delivery(flood_wamid(d, 0), customer, "", "Ana", unix_seconds());
        auto& messages = body["entry"][0]["changes"][0]["value"]["messages"];
        json one = messages[0];
        messages = json::array();
        for (int i = 0; i < 20; ++i) {
            one["id"] = flood_wamid(d, i);
            one["text"]["body"] = "message " + std::to_string(d * 20 + i) + " " + filler;
            messages.push_back(one);
        }
        auto r = deliver(port_, body.dump());
        ASSERT_EQ(r.status, 200) << r.body;
        // Paced by the client that reads, however busy the machine: it is never more than one
        // delivery behind, while the slow client falls further behind with each.
        ASSERT_TRUE(reader->find("message.created", 30s,
                                 message_is("whatsapp_message_id", flood_wamid(d, 19))))
            << reader->error() << tail(reader->all());
    }
    auto code = slow.drain_until_close(30s);
    ASSERT_TRUE(code) << "the slow client was not closed with a close frame: " << slow.error();
    EXPECT_EQ(*code, 1013);

    // The client that reads had every message and is still connected.
    ASSERT_TRUE(reader->find("message.created", 60s,
                             message_is("whatsapp_message_id", flood_wamid(59, 19))))
        << reader->error() << tail(reader->all());
    EXPECT_TRUE(reader->open()) << reader->error();
    EXPECT_EQ(reader->count("message.created",
                            [](const json& m) {
                                return text_at(m, {"data", "message", "whatsapp_message_id"})
                                           .rfind("wamid.fl-", 0) == 0;
                            }),
              1200u);

    // The server carries on for a newcomer.
    auto fresh = connected();
    customer_writes("Still there?", "wamid.after-flood", "34600777001");
    EXPECT_TRUE(
        fresh->find("message.created", 15s, message_is("whatsapp_message_id", "wamid.after-flood")))
        << tail(fresh->all());

    // Over 1,024 events since the start: the replay buffer no longer reaches back to id 1.
    WsOptions stale_options;
    stale_options.bearer = token_;
    stale_options.target = "/api/ws?since=1";
    WsClient stale;
    ASSERT_TRUE(stale.connect(port_, stale_options)) << stale.error();
    auto hello = stale.next(10s);
    ASSERT_TRUE(hello);
    EXPECT_EQ((*hello)["type"], "ready") << hello->dump();
    auto resync = stale.next(10s);
    ASSERT_TRUE(resync) << stale.error();
    EXPECT_EQ((*resync)["type"], "resync") << resync->dump();
}

// --- commands -------------------------------------------------------------------------------

TEST_F(WsTest, CommandsAreAnsweredAndBadOnesRefusedWithoutClosing) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto c = connected();
    ASSERT_TRUE(c->send(json{{"type", "ping"}}));
    auto pong = c->wait_for("pong", 5s);
    ASSERT_TRUE(pong) << tail(c->all());
    EXPECT_TRUE(null_id(*pong)) << pong->dump();

    ASSERT_TRUE(c->send("{not json"));
    auto malformed = c->wait_for("error", 5s);
    ASSERT_TRUE(malformed) << tail(c->all());
    EXPECT_TRUE(null_id(*malformed)) << malformed->dump();
    EXPECT_FALSE(text_at(*malformed, {"data", "message"}).empty()) << malformed->dump();
    EXPECT_TRUE(c->ping()) << "the socket must stay open after a malformed command";

    ASSERT_TRUE(c->send(json{{"type", "dance"}}));
    auto unknown = c->wait_for("error", 5s);
    ASSERT_TRUE(unknown) << tail(c->all());
    EXPECT_FALSE(text_at(*unknown, {"data", "message"}).empty()) << unknown->dump();
    EXPECT_TRUE(c->ping());
    EXPECT_TRUE(c->open());

    // A frame over 64 KiB: closed with 1009 (message too big).
    c->send(json{{"type", "ping"}, {"pad", std::string(70000, 'x')}});
    auto code = c->close_code(10s);
    ASSERT_TRUE(code) << c->error();
    EXPECT_EQ(*code, 1009);
}

}  // namespace
}  // namespace botflow::test
