// Flows and the AI: an ai_response step answers with the flow's facts, the step's instructions
// and only the documents of its tag, and hands over when the AI does; an intent trigger starts
// its flow when the model is sure enough, records what the call cost, and leaves the message
// to the AI when it is not.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "integration/flows_fixture.hpp"

namespace botflow::test {
namespace {

// "help": which product? (buttons), then the AI answers about it, then a closing message.
json help_flow() {
    return {
        {"name", "Product help"},
        {"nodes",
         {node("start", "trigger", {{"kind", "keyword"}, {"keywords", {"help"}}}),
          node("which", "question",
               {{"prompt",
                 {{"type", "buttons"},
                  {"body", "Which product?"},
                  {"buttons",
                   {{{"id", "kettle"}, {"title", "Kettle"}},
                    {{"id", "toaster"}, {"title", "Toaster"}}}}}},
                {"store_as", "product"}}),
          node("ai", "ai_response",
               {{"instructions", "Answer only about the {{product}}."},
                {"document_tag", "manuals"}}),
          node("bye", "message", {{"message", {{"text", "Anything else about the {{product}}?"}}}}),
          node("done", "end")}},
        {"edges",
         {edge("start", "which"), edge("which", "ai", "valid"), edge("ai", "bye"),
          edge("bye", "done")}}};
}

json intent_flow(double threshold) {
    return {{"name", "Track order"},
            {"nodes",
             {node("start", "trigger",
                   {{"kind", "intent"},
                    {"description", "The customer wants to know where their order is."},
                    {"threshold", threshold}}),
              node("ask", "question",
                   {{"prompt", {{"text", "Your order number?"}}}, {"store_as", "n"}}),
              node("done", "end")}},
            {"edges", {edge("start", "ask"), edge("ask", "done", "valid")}}};
}

class FlowsAiTest : public FlowsTest {
protected:
    void document(const std::string& title, const std::string& content, const json& tags) {
        auto r = call("POST", "/api/documents/text",
                      {{"title", title}, {"content", content}, {"tags", tags}});
        ASSERT_EQ(r.status, 201) << r.body;
        auto id = json::parse(r.body)["id"].get<std::string>();
        ASSERT_TRUE(eventually([&] {
            return scalar("SELECT status FROM documents WHERE id = '" + id + "'") == "ready";
        }));
    }
    std::vector<std::string> ai_texts(const std::string& conversation) {
        return json::parse(db_.scalar("SELECT COALESCE(json_agg(content ORDER BY seq), '[]') FROM "
                                      "messages WHERE conversation_id = '" +
                                      conversation + "' AND sender = 'ai'"))
            .get<std::vector<std::string>>();
    }
};

TEST_F(FlowsAiTest, AnAiStepAnswersWithTheFlowsFactsAndOnlyItsTaggedDocuments) {
    document("Kettle manual", "To descale the kettle, boil vinegar and water once a month.",
             {"manuals"});
    document("Kettle blog", "Our blog says: descale the kettle with lemons, never vinegar.",
             json::array());
    llm_.rules({{{"reply", "Boil vinegar and water once a month."}, {"times", -1}}});
    published(help_flow());
    auto conversation = writes("help, how do I descale my kettle?");
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    taps(conversation, 0, "kettle");
    ASSERT_TRUE(texts_are(conversation, 2)) << server_->log();
    EXPECT_EQ(flow_texts(conversation)[1], "Anything else about the Kettle?");
    ASSERT_EQ(ai_texts(conversation),
              std::vector<std::string>{"Boil vinegar and water once a month."});
    // The answer came between the question and the closing message.
    EXPECT_EQ(scalar("SELECT string_agg(sender, ',' ORDER BY seq) FROM messages WHERE "
                     "direction = 'outbound' AND conversation_id = '" +
                     conversation + "'"),
              "flow,ai,flow");

    auto requests = chat_requests();
    ASSERT_EQ(requests.size(), 1u);
    auto system = requests[0]["body"]["messages"][0]["content"].get<std::string>();
    EXPECT_NE(system.find("boil vinegar and water"), std::string::npos) << system;
    EXPECT_EQ(system.find("lemons"), std::string::npos) << system;
    EXPECT_NE(system.find("- product: Kettle"), std::string::npos) << system;
    EXPECT_NE(system.find("Answer only about the Kettle."), std::string::npos) << system;
    // The AI answers the customer's last message: the tap.
    EXPECT_EQ(requests[0]["body"]["messages"][1]["content"], "Kettle");
    // Its figures, like any AI answer's.
    EXPECT_GT(std::stod(scalar("SELECT cost_usd FROM messages WHERE sender = 'ai'")), 0);
    EXPECT_TRUE(run_is(conversation, "completed"));
}

TEST_F(FlowsAiTest, AnAiStepThatHandsOverEndsTheRunHandedOff) {
    llm_.rules({{{"reply", "[HANDOFF]"}, {"times", -1}}});
    published(help_flow());
    auto conversation = writes("help");
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    taps(conversation, 0, "toaster");
    ASSERT_TRUE(eventually([&] {
        return scalar("SELECT status FROM conversations WHERE id = '" + conversation + "'") ==
               "handed_off";
    })) << server_->log();
    EXPECT_TRUE(run_is(conversation, "handed_off"));
    // The handoff message went instead, and the flow said nothing more.
    EXPECT_TRUE(texts_are(conversation, 1));
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE ai_mode = 'handoff' AND "
                    "conversation_id = '" +
                    conversation + "'"),
              1);
}

TEST_F(FlowsAiTest, AnIntentTriggerStartsItsFlowOnlyWhenTheModelIsSure) {
    published(intent_flow(0.7));
    llm_.rules({{{"reply", "{\"intent\": 1, \"confidence\": 0.92}"}}});
    auto conversation = writes("hey where is my parcel??");
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    EXPECT_EQ(flow_texts(conversation)[0], "Your order number?");
    auto requests = chat_requests();
    ASSERT_EQ(requests.size(), 1u);
    auto system = requests[0]["body"]["messages"][0]["content"].get<std::string>();
    EXPECT_NE(system.find("1. The customer wants to know where their order is."), std::string::npos)
        << system;
    EXPECT_EQ(requests[0]["body"]["stream"], false);
    // The classification's cost is on the customer's message, where the reports count it.
    EXPECT_GT(std::stod(scalar("SELECT cost_usd FROM messages WHERE direction = 'inbound'")), 0);
    writes("A-1");
    ASSERT_TRUE(eventually([&] { return run_of(conversation)["status"] == "completed"; }));

    // Unsure: the AI answers instead, and no run starts.
    llm_.clear();
    llm_.rules(
        {{{"reply", "{\"intent\": 1, \"confidence\": 0.4}"}}, {{"reply", "Happy to help!"}}});
    writes("is the shop open on monday");
    ASSERT_TRUE(eventually([&] {
        return count("SELECT count(*) FROM messages WHERE sender = 'ai'") == 1;
    })) << server_->log();
    EXPECT_EQ(count("SELECT count(*) FROM flow_runs"), 1);
    EXPECT_EQ(chat_requests().size(), 2u);
}

}  // namespace
}  // namespace botflow::test
