// What the flows' integration tests share: documents written as JSON and a fixture that
// creates, publishes and walks them through the simulator.
#pragma once
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/server_fixture.hpp"
#include "support/wait.hpp"

namespace botflow::test {

using nlohmann::json;

inline json node(const std::string& id, const std::string& type, json config = json::object()) {
    return {{"id", id}, {"type", type}, {"config", std::move(config)}};
}

inline json edge(const std::string& source, const std::string& target,
                 const std::string& when = "default") {
    return {{"id", source + "-" + target}, {"source", source}, {"target", target}, {"when", when}};
}

// "Which service?" with a button each for Haircut (cut) and Colour (color), kept as service.
inline json service_question() {
    return node(
        "service", "question",
        {{"prompt",
          {{"type", "buttons"},
           {"body", "Which service?"},
           {"buttons",
            {{{"id", "cut"}, {"title", "Haircut"}}, {{"id", "color"}, {"title", "Colour"}}}}}},
         {"store_as", "service"}});
}

inline json booking() {
    return {
        {"name", "Booking"},
        {"nodes",
         {node("start", "trigger", {{"kind", "keyword"}, {"keywords", {"book"}}}),
          service_question(),
          node("when", "question",
               {{"prompt", {{"text", "Which day?"}}},
                {"answer", "date"},
                {"store_as", "date"},
                {"reask", "Please write a date, like tomorrow."}}),
          node("confirm", "message", {{"message", {{"text", "{{service}} on {{date}}: booked!"}}}}),
          node("done", "end")}},
        {"edges",
         {edge("start", "service"), edge("service", "when", "valid"),
          edge("when", "confirm", "valid"), edge("confirm", "done")}}};
}

// "order" asks for a number; the answer fills the message, an hour's silence the timeout's.
inline json order_flow(const std::string& done = "Order {{number}}: on its way") {
    return {{"name", "Order"},
            {"nodes",
             {node("start", "trigger", {{"kind", "keyword"}, {"keywords", {"order"}}}),
              node("ask", "question",
                   {{"prompt", {{"text", "Your order number?"}}},
                    {"store_as", "number"},
                    {"timeout_minutes", 60}}),
              node("found", "message", {{"message", {{"text", done}}}}),
              node("late", "message", {{"message", {{"text", "Still there? Write order."}}}}),
              node("done", "end")}},
            {"edges",
             {edge("start", "ask"), edge("ask", "found", "valid"), edge("ask", "late", "timeout"),
              edge("found", "done"), edge("late", "done")}}};
}

inline json jump_flow(const std::string& keyword, const std::string& to) {
    json jump = node("jump", "jump", {{"flow_id", to}});
    if (to.empty()) jump = node("jump", "end");
    return {
        {"name", "Jump on " + keyword},
        {"nodes", {node("start", "trigger", {{"kind", "keyword"}, {"keywords", {keyword}}}), jump}},
        {"edges", {edge("start", "jump")}}};
}

class FlowsTest : public ServerTest {
protected:
    void SetUp() override { start(); }

    std::string create(const json& body) {
        auto r = call("POST", "/api/flows", body);
        EXPECT_EQ(r.status, 201) << r.body;
        return json::parse(r.body)["id"].get<std::string>();
    }
    // The simulator's customer writes; returns the conversation.
    std::string writes(const std::string& text) {
        auto r =
            call("POST", "/api/simulator/messages", {{"phone", "+1 555 0100"}, {"text", text}});
        EXPECT_EQ(r.status, 201) << r.body;
        return json::parse(r.body)["conversation"]["id"].get<std::string>();
    }
    std::string published(const json& body) {
        auto id = create(body);
        auto r = call("POST", "/api/flows/" + id + "/publish");
        EXPECT_EQ(r.status, 200) << r.body;
        return id;
    }
    json run_of(const std::string& conversation) {
        auto r = call("GET", "/api/conversations/" + conversation + "/flow-runs");
        EXPECT_EQ(r.status, 200) << r.body;
        return json::parse(r.body)["items"][0];
    }
    // Whether the conversation's latest run comes to `status` (a last step may still run
    // after the message a test waited for).
    bool run_is(const std::string& conversation, const std::string& status) {
        return eventually([&] { return run_of(conversation)["status"] == status; });
    }
    bool texts_are(const std::string& conversation, std::size_t n) {
        return eventually([&] { return flow_texts(conversation).size() == n; });
    }
    // The id of the conversation's `n`th message from the flow, once WhatsApp delivered it.
    std::string delivered_flow_message(const std::string& conversation, int n) {
        auto id =
            db_.scalar("SELECT id FROM messages WHERE sender = 'flow' AND conversation_id = '" +
                       conversation + "' ORDER BY seq OFFSET " + std::to_string(n) + " LIMIT 1");
        EXPECT_TRUE(eventually([&] {
            return db_.scalar("SELECT status FROM messages WHERE id = '" + id + "'") == "delivered";
        }));
        return id;
    }
    // The customer taps the button or row `choice` of the flow's `n`th message.
    void taps(const std::string& conversation, int n, const std::string& choice) {
        auto message = delivered_flow_message(conversation, n);
        auto r = call("POST", "/api/simulator/messages",
                      {{"reply", {{"message_id", message}, {"id", choice}}}});
        ASSERT_EQ(r.status, 201) << r.body;
    }
    std::vector<std::string> flow_texts(const std::string& conversation) {
        auto rows = db_.scalar(
            "SELECT COALESCE(json_agg(content ORDER BY seq), '[]') FROM messages "
            "WHERE conversation_id = '" +
            conversation + "' AND sender = 'flow'");
        return json::parse(rows).get<std::vector<std::string>>();
    }
};

}  // namespace botflow::test
