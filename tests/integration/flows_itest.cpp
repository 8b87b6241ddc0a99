// Flows through the real server: written as JSON, refused with every problem named, published,
// and walked by a customer in the simulator (a tap, a wrong date asked again, then accepted).
#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <string>

#include "integration/flows_fixture.hpp"
#include "support/ws_client.hpp"

namespace botflow::test {
namespace {

using namespace std::chrono_literals;

TEST_F(FlowsTest, PublishingNamesEveryProblemWithItsNode) {
    auto body = booking();
    body["nodes"][3]["config"]["message"]["text"] = "{{servise}}";
    body["edges"].erase(body["edges"].begin() + 1);
    auto id = create(body);
    auto r = call("POST", "/api/flows/" + id + "/publish");
    ASSERT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    auto problems = json::parse(r.body)["problems"];
    std::string all = problems.dump();
    EXPECT_NE(all.find("\"node\":\"confirm\""), std::string::npos) << all;
    EXPECT_NE(all.find("{{servise}}"), std::string::npos) << all;
    EXPECT_NE(all.find("'valid' leads nowhere"), std::string::npos) << all;
    EXPECT_EQ(count("SELECT count(*) FROM flow_versions"), 0);
}

TEST_F(FlowsTest, ACustomerWalksABookingWithATapAndAWrongDateAskedAgain) {
    auto id = create(booking());
    auto published = call("POST", "/api/flows/" + id + "/publish");
    ASSERT_EQ(published.status, 200) << published.body;
    EXPECT_EQ(json::parse(published.body)["published_version"], 1);

    auto conversation = writes("I'd like to BOOK please");
    ASSERT_TRUE(eventually([&] { return flow_texts(conversation).size() == 1; })) << server_->log();
    EXPECT_EQ(flow_texts(conversation)[0], "Which service? [Haircut | Colour]");
    auto question =
        db_.scalar("SELECT id FROM messages WHERE sender = 'flow' AND conversation_id = '" +
                   conversation + "'");
    ASSERT_TRUE(eventually([&] {
        return db_.scalar("SELECT status FROM messages WHERE id = '" + question + "'") ==
               "delivered";
    }));
    auto tap = call("POST", "/api/simulator/messages",
                    {{"reply", {{"message_id", question}, {"id", "color"}}}});
    ASSERT_EQ(tap.status, 201) << tap.body;
    ASSERT_TRUE(eventually([&] { return flow_texts(conversation).size() == 2; })) << server_->log();
    EXPECT_EQ(flow_texts(conversation)[1], "Which day?");

    writes("whenever suits");
    ASSERT_TRUE(eventually([&] { return flow_texts(conversation).size() == 3; })) << server_->log();
    EXPECT_EQ(flow_texts(conversation)[2], "Please write a date, like tomorrow.");

    writes("24/12/2030");
    ASSERT_TRUE(eventually([&] { return flow_texts(conversation).size() == 4; })) << server_->log();
    EXPECT_EQ(flow_texts(conversation)[3], "Colour on 2030-12-24: booked!");

    ASSERT_TRUE(run_is(conversation, "completed"));
    auto run = run_of(conversation);
    EXPECT_EQ(run["variables"]["service"], "Colour");
    std::string outcomes;
    for (const auto& s : run["steps"])
        outcomes += s["node_id"].get<std::string>() + ":" + s["outcome"].dump() + " ";
    EXPECT_EQ(outcomes,
              "start:\"default\" service:\"asked\" service:\"valid\" when:\"asked\" "
              "when:\"retry\" when:\"valid\" confirm:\"default\" done:null ");
    // The AI answered none of it.
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE sender = 'ai'"), 0);
    // Prometheus counts the run and its steps.
    auto metrics = call("GET", "/metrics").body;
    EXPECT_NE(metrics.find("botflow_flow_runs_started_total 1\n"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("botflow_flow_runs_ended_total{status=\"completed\"} 1\n"),
              std::string::npos);
    EXPECT_NE(metrics.find("botflow_flow_steps_total{type=\"question\",outcome=\"retry\"} 1\n"),
              std::string::npos);
}

TEST_F(FlowsTest, AnEscapeWordLeavesTheFlowForAPerson) {
    published(order_flow());
    auto conversation = writes("order");
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    writes("Human");
    ASSERT_TRUE(eventually([&] {
        return scalar("SELECT status FROM conversations WHERE id = '" + conversation + "'") ==
               "handed_off";
    })) << server_->log();
    auto run = run_of(conversation);
    EXPECT_EQ(run["status"], "handed_off");
    EXPECT_EQ(run["steps"].back()["outcome"], "escaped");
    EXPECT_EQ(flow_texts(conversation).size(), 1u);
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE sender = 'ai'"), 0);
}

TEST_F(FlowsTest, ARunStopsWhenAPersonTakesTheConversation) {
    published(order_flow());
    auto conversation = writes("order");
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    auto off =
        call("PUT", "/api/conversations/" + conversation + "/ai-toggle", {{"enabled", false}});
    ASSERT_EQ(off.status, 200) << off.body;
    writes("A-17");
    EXPECT_TRUE(run_is(conversation, "stopped")) << server_->log();
    EXPECT_EQ(run_of(conversation)["error"], "A person took over the conversation.");
    EXPECT_EQ(flow_texts(conversation).size(), 1u);
}

TEST_F(FlowsTest, ATestOfADraftWithProblemsIsRefusedWithThem) {
    auto body = booking();
    body["nodes"][3]["config"]["message"]["text"] = "{{servise}}";
    auto id = create(body);
    auto conversation = writes("hello");
    auto r = call("POST", "/api/flows/" + id + "/test", {{"conversation_id", conversation}});
    ASSERT_EQ(r.status, 422) << r.body;
    EXPECT_NE(r.body.find("servise"), std::string::npos) << r.body;
    EXPECT_EQ(count("SELECT count(*) FROM flow_runs"), 0);
    // Fixed, it runs, though the conversation is a person's (a test is the owner's to start);
    // the customer's earlier message is not taken as the first answer.
    auto off =
        call("PUT", "/api/conversations/" + conversation + "/ai-toggle", {{"enabled", false}});
    ASSERT_EQ(off.status, 200) << off.body;
    body["nodes"][3]["config"]["message"]["text"] = "{{service}} on {{date}}: booked!";
    ASSERT_EQ(call("PUT", "/api/flows/" + id, body).status, 200);
    r = call("POST", "/api/flows/" + id + "/test", {{"conversation_id", conversation}});
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    EXPECT_TRUE(run_is(conversation, "waiting"));
    EXPECT_EQ(run_of(conversation)["node_id"], "service");
}

TEST_F(FlowsTest, TwoFlowsJumpingToEachOtherAreStoppedByTheStepLimit) {
    auto b = published(jump_flow("never", ""));
    published(jump_flow("loop", b));
    auto a = scalar("SELECT id FROM flows WHERE name = 'Jump on loop'");
    ASSERT_EQ(call("PUT", "/api/flows/" + b, jump_flow("never", a)).status, 200);
    ASSERT_EQ(call("POST", "/api/flows/" + b + "/publish").status, 200);

    auto conversation = writes("loop");
    ASSERT_TRUE(eventually([&] {
        return scalar("SELECT status FROM conversations WHERE id = '" + conversation + "'") ==
               "handed_off";
    })) << server_->log();
    auto failed = scalar("SELECT error FROM flow_runs WHERE status = 'failed'");
    EXPECT_NE(failed.find("50"), std::string::npos) << failed;
    EXPECT_EQ(count("SELECT count(*) FROM flow_runs WHERE status IN ('running', 'waiting')"), 0);
    // One turn's 50 steps and the line that stopped the run: each jump is two of them (the
    // jump, the new run's trigger).
    EXPECT_EQ(count("SELECT count(*) FROM flow_steps"), 51);
    EXPECT_EQ(count("SELECT count(*) FROM flow_steps WHERE outcome = 'jump'"), 25);
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE direction = 'outbound' AND "
                    "sender IN ('flow', 'ai')"),
              0);
}

TEST_F(FlowsTest, ARunKeepsItsVersionWhenANewOneIsPublished) {
    auto id = published(order_flow("v1: {{number}}"));
    auto conversation = writes("order");
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    ASSERT_EQ(call("PUT", "/api/flows/" + id, order_flow("v2: {{number}}")).status, 200);
    auto r = call("POST", "/api/flows/" + id + "/publish");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body)["published_version"], 2);

    writes("A-17");
    ASSERT_TRUE(texts_are(conversation, 2)) << server_->log();
    EXPECT_EQ(flow_texts(conversation)[1], "v1: A-17");
    EXPECT_EQ(run_of(conversation)["version"], 1);

    writes("order");
    ASSERT_TRUE(texts_are(conversation, 3)) << server_->log();
    writes("B-9");
    ASSERT_TRUE(texts_are(conversation, 4)) << server_->log();
    EXPECT_EQ(flow_texts(conversation)[3], "v2: B-9");
}

TEST_F(FlowsTest, ARestartWhileWaitingForAnAnswerResumesWhereItWas) {
    published(order_flow());
    auto conversation = writes("order");
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    server_->signal(SIGKILL);
    server_->wait(std::chrono::seconds(10));
    start();
    writes("C-3");
    ASSERT_TRUE(texts_are(conversation, 2)) << server_->log();
    EXPECT_EQ(flow_texts(conversation)[1], "Order C-3: on its way");
    EXPECT_TRUE(run_is(conversation, "completed"));
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE sender = 'ai'"), 0);
}

TEST_F(FlowsTest, AWrongAnswerKeepsTheQuestionsTimeout) {
    auto flow = order_flow();
    flow["nodes"][1]["config"]["answer"] = "number";
    published(flow);
    auto conversation = writes("order");
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    writes("no idea");
    ASSERT_TRUE(texts_are(conversation, 2)) << server_->log();  // asked again
    // The hour passes after the wrong answer: the timeout still comes.
    db_.exec("UPDATE flow_runs SET wait_until = now() - interval '1 second'");
    db_.exec("UPDATE jobs SET run_at = now() WHERE kind = 'flow_resume' AND state = 'queued'");
    db_.exec("SELECT pg_notify('botflow_jobs', 'flow_resume')");
    ASSERT_TRUE(texts_are(conversation, 3)) << server_->log();
    EXPECT_EQ(flow_texts(conversation)[2], "Still there? Write order.");
    EXPECT_TRUE(run_is(conversation, "completed"));
}

TEST_F(FlowsTest, AnUnansweredQuestionTakesItsTimeout) {
    published(order_flow());
    auto conversation = writes("order");
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    EXPECT_TRUE(run_is(conversation, "waiting"));
    // An hour passes.
    db_.exec("UPDATE flow_runs SET wait_until = now() - interval '1 second'");
    db_.exec("UPDATE jobs SET run_at = now() WHERE kind = 'flow_resume' AND state = 'queued'");
    db_.exec("SELECT pg_notify('botflow_jobs', 'flow_resume')");
    ASSERT_TRUE(texts_are(conversation, 2)) << server_->log();
    EXPECT_EQ(flow_texts(conversation)[1], "Still there? Write order.");
    ASSERT_TRUE(run_is(conversation, "completed"));
    auto run = run_of(conversation);
    std::string outcomes;
    for (const auto& s : run["steps"]) outcomes += s["outcome"].dump() + " ";
    EXPECT_NE(outcomes.find("\"timeout\""), std::string::npos) << outcomes;
}

}  // namespace
TEST_F(FlowsTest, ATestStartsInASimulatorConversationOpenedBeforeTheCustomerWrites) {
    auto id = create(booking());
    auto opened = call("POST", "/api/simulator/conversations",
                       {{"phone", "+1 555 0142"}, {"name", "Tess Test"}});
    ASSERT_EQ(opened.status, 201) << opened.body;
    auto conversation = json::parse(opened.body)["conversation"];
    EXPECT_EQ(conversation["customer"]["name"], "Tess Test") << opened.body;
    auto again = call("POST", "/api/simulator/conversations", {{"phone", "+15550142"}});
    ASSERT_EQ(again.status, 201) << again.body;
    EXPECT_EQ(json::parse(again.body)["conversation"]["id"], conversation["id"]);

    auto r = call("POST", "/api/flows/" + id + "/test", {{"conversation_id", conversation["id"]}});
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_TRUE(texts_are(conversation["id"], 1)) << server_->log();
    EXPECT_EQ(run_of(conversation["id"])["node_id"], "service");

    // Not a phone number; a real customer's number.
    auto bad = call("POST", "/api/simulator/conversations", {{"phone", "call me"}});
    EXPECT_EQ(bad.status, 422) << bad.body;
    EXPECT_NE(bad.body.find("\"phone\""), std::string::npos) << bad.body;
    db_.exec(
        "INSERT INTO conversations (wa_id, phone, customer_name, simulated) "
        "VALUES ('15550177', '+15550177', 'Real Person', false)");
    auto real = call("POST", "/api/simulator/conversations", {{"phone", "+15550177"}});
    EXPECT_EQ(real.status, 409) << real.body;
    EXPECT_EQ(count("SELECT count(*) FROM conversations WHERE simulated"), 1);
}

TEST_F(FlowsTest, TheListSaysWhatStartsEachFlow) {
    create(booking());
    auto r = call("GET", "/api/flows");
    ASSERT_EQ(r.status, 200) << r.body;
    auto item = json::parse(r.body)["items"][0];
    ASSERT_EQ(item["triggers"].size(), 1u) << r.body;
    EXPECT_EQ(item["triggers"][0]["kind"], "keyword");
    EXPECT_EQ(item["triggers"][0]["keywords"][0], "book");
    EXPECT_FALSE(item.contains("document"));
}

// "book": the service (a button each), then what the flow collected goes onto the conversation.
json saving_booking(json save) {
    return {{"name", "Saving booking"},
            {"nodes",
             {node("start", "trigger", {{"kind", "keyword"}, {"keywords", {"book"}}}),
              service_question(), node("keep", "save", std::move(save)), node("done", "end")}},
            {"edges",
             {edge("start", "service"), edge("service", "keep", "valid"), edge("keep", "done")}}};
}

TEST_F(FlowsTest, ASaveStepKeepsWhatTheFlowCollectedOnTheConversation) {
    // Publishing names each problem of a save step.
    auto bad = create(saving_booking(
        {{"fields",
          {{{"name", "Service"}, {"value", "{{servise}}"}}, {{"name", "Service"}, {"value", "x"}}}},
         {"tags", {""}}}));
    auto refused = call("POST", "/api/flows/" + bad + "/publish");
    ASSERT_EQ(refused.status, 422) << refused.body;
    EXPECT_NE(refused.body.find("config.fields[1].name"), std::string::npos) << refused.body;
    EXPECT_NE(refused.body.find("config.tags[0]"), std::string::npos) << refused.body;
    EXPECT_NE(refused.body.find("servise"), std::string::npos) << refused.body;
    ASSERT_EQ(call("DELETE", "/api/flows/" + bad).status, 204);

    published(
        saving_booking({{"fields",
                         {{{"name", "Service"}, {"value", "{{service}}"}},
                          {{"name", "Booked by"}, {"value", "{{customer.name | \"someone\"}}"}}}},
                        {"tags", {"booking", "new"}},
                        {"note", "Wants a {{service}}."}}));
    auto feed = connected();
    auto conversation = writes("book");
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    taps(conversation, 0, "color");
    ASSERT_TRUE(run_is(conversation, "completed")) << server_->log();
    auto r = call("GET", "/api/conversations/" + conversation);
    ASSERT_EQ(r.status, 200) << r.body;
    auto c = json::parse(r.body);
    EXPECT_EQ(c["fields"], json({{"Service", "Colour"}, {"Booked by", "Test customer"}})) << r.body;
    EXPECT_EQ(c["tags"], json({"booking", "new"}));
    EXPECT_NE(c["notes"].get<std::string>().find("[Saving booking] Wants a Colour."),
              std::string::npos)
        << r.body;
    auto run = run_of(conversation);
    EXPECT_EQ(run["steps"][3]["node_type"], "save");
    EXPECT_EQ(run["steps"][3]["input"]["fields"]["Service"], "Colour");
    // Other systems hear of it, with what was kept.
    auto done = feed->find("flow.completed", 20s, data_is("conversation_id", conversation));
    ASSERT_TRUE(done) << tail(feed->all());
    EXPECT_EQ((*done)["data"]["status"], "completed");
    EXPECT_EQ((*done)["data"]["flow_name"], "Saving booking");
    EXPECT_EQ((*done)["data"]["fields"]["Service"], "Colour");
}

TEST_F(FlowsTest, ATapOnTheQuestionsOwnCancelButtonIsItsAnswerNotAnEscape) {
    published({{"name", "Cancellable"},
               {"nodes",
                {node("start", "trigger", {{"kind", "keyword"}, {"keywords", {"visit"}}}),
                 node("sure", "question",
                      {{"prompt",
                        {{"type", "buttons"},
                         {"body", "Keep your visit?"},
                         {"buttons",
                          {{{"id", "keep"}, {"title", "Keep it"}},
                           {{"id", "cancel"}, {"title", "Cancel"}}}}}}}),
                 node("kept", "message", {{"message", {{"text", "See you then."}}}}),
                 node("gone", "message", {{"message", {{"text", "Your visit is cancelled."}}}})}},
               {"edges",
                {edge("start", "sure"), edge("sure", "kept", "button:keep"),
                 edge("sure", "gone", "button:cancel")}}});
    auto conversation = writes("visit");
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    taps(conversation, 0, "cancel");
    ASSERT_TRUE(run_is(conversation, "completed")) << server_->log();
    EXPECT_EQ(flow_texts(conversation)[1], "Your visit is cancelled.");
    auto r = call("GET", "/api/conversations/" + conversation);
    EXPECT_EQ(json::parse(r.body)["status"], "active") << r.body;
    // Written, the same word still leaves the flow for a person.
    writes("visit");
    ASSERT_TRUE(texts_are(conversation, 3)) << server_->log();
    writes("cancel");
    ASSERT_TRUE(run_is(conversation, "handed_off")) << server_->log();
}

TEST_F(FlowsTest, ASaveStepKeepsTheConversationWithinTheApisLimits) {
    published(saving_booking({{"tags", {"booking", "new"}}, {"note", "Wants a {{service}}."}}));
    auto conversation = writes("book");
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    // Nineteen tags and nearly 10,000 bytes of notes already, while the flow asks.
    json tags = json::array();
    for (int i = 0; i < 19; ++i) tags.push_back("t" + std::to_string(i));
    auto prefilled = call("PATCH", "/api/conversations/" + conversation,
                          {{"tags", tags}, {"notes", std::string(9990, 'n')}});
    ASSERT_EQ(prefilled.status, 200) << prefilled.body;
    taps(conversation, 0, "cut");
    ASSERT_TRUE(run_is(conversation, "completed")) << server_->log();
    auto c = json::parse(call("GET", "/api/conversations/" + conversation).body);
    ASSERT_EQ(c["tags"].size(), 20u) << c.dump();
    EXPECT_EQ(c["tags"][19], "booking");
    auto notes = c["notes"].get<std::string>();
    EXPECT_LE(notes.size(), 10000u);
    EXPECT_NE(notes.find("[Saving booking] Wants a Haircut."), std::string::npos);
    // What the flow left can be sent back as it is.
    auto again = call("PATCH", "/api/conversations/" + conversation,
                      {{"tags", c["tags"]}, {"notes", notes}});
    EXPECT_EQ(again.status, 200) << again.body;
}

}  // namespace botflow::test
