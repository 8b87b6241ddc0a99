// The four pre-built bots (templates/flows/*.json): listed, copied into a draft, published and
// walked end to end by a customer in the simulator, one wrong answer each, checking what the
// bot said, how its run ended and what it saved on the conversation for the team.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "integration/flows_fixture.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

namespace botflow::test {
namespace {

constexpr auto npos = std::string::npos;

// What a bot's file says, to compare a copy with.
json bot_file(const std::string& key) {
    std::ifstream in(std::string(BOTFLOW_SOURCE_DIR) + "/templates/flows/" + key + ".json");
    return json::parse(in, nullptr, false);
}

// "node:outcome " for every step of a run, in order.
std::string outcomes(const json& run) {
    if (!run.is_object() || !run.contains("steps")) return "(no run)";
    std::string out;
    for (const auto& s : run["steps"]) {
        out += s["node_id"].get<std::string>() + ":" + s["outcome"].dump() + " ";
    }
    return out;
}

std::vector<std::string> row_titles(const json& list) {
    std::vector<std::string> out;
    if (!list.is_object() || !list.contains("sections")) return out;
    for (const auto& section : list["sections"]) {
        for (const auto& row : section["rows"]) out.push_back(row["title"].get<std::string>());
    }
    return out;
}

std::string row_id(const json& list, const std::string& title) {
    if (!list.is_object() || !list.contains("sections")) return {};
    for (const auto& section : list["sections"]) {
        for (const auto& row : section["rows"]) {
            if (row["title"] == title) return row["id"].get<std::string>();
        }
    }
    return {};
}

// The shop's order API (tests/fakes/order_api.py) runs beside every test, reachable on this
// machine because FLOW_API_ALLOWLIST lets calls reach it, as a business's internal API would.
class FlowBotsTest : public FlowsTest {
protected:
    FlowBotsTest() {
        orders_ = start_fake("order_api.py", {"--prefix", "/api"}, orders_port_);
        extra_["FLOW_API_ALLOWLIST"] = "127.0.0.1";
    }
    ~FlowBotsTest() override { stop_fake(orders_); }

    std::string orders_base() { return "http://127.0.0.1:" + std::to_string(orders_port_); }
    json order_requests() {
        return json::parse(request(orders_port_, "GET", "/_fake/requests").body);
    }

    // The owner copies a bot into a new flow of their own.
    json copied(const std::string& key, const json& body = json::object()) {
        auto r = call("POST", "/api/flow-templates/" + key + "/copy", body);
        EXPECT_EQ(r.status, 201) << r.body;
        auto flow = json::parse(r.body, nullptr, false);
        return flow.is_object() ? flow : json::object();
    }
    std::string copied_and_published(const std::string& key) {
        auto id = copied(key).value("id", std::string());
        auto r = call("POST", "/api/flows/" + id + "/publish");
        EXPECT_EQ(r.status, 200) << r.body;
        return id;
    }
    json conversation(const std::string& id) {
        auto r = call("GET", "/api/conversations/" + id);
        EXPECT_EQ(r.status, 200) << r.body;
        return json::parse(r.body);
    }
    // The structured message (its payload) of the flow's `n`th message to the conversation.
    json flow_payload(const std::string& conversation, int n) {
        return json::parse(db_.scalar(
            "SELECT COALESCE(payload::text, 'null') FROM messages WHERE sender = 'flow' AND "
            "conversation_id = '" +
            conversation + "' ORDER BY seq OFFSET " + std::to_string(n) + " LIMIT 1"));
    }
    // A hair salon open Monday to Saturday, 9 to 5, closed on Sundays.
    void opens_monday_to_saturday() {
        json days = json::object();
        for (const char* d : {"mon", "tue", "wed", "thu", "fri", "sat"}) {
            days[d] = json::array({{{"open", "09:00"}, {"close", "17:00"}}});
        }
        days["sun"] = json::array();
        json hours = {{"time_zone", "UTC"}, {"days", days}};
        auto r = call("PUT", "/api/settings/business",
                      {{"name", "Bright Hair Studio"}, {"hours", hours}});
        ASSERT_EQ(r.status, 200) << r.body;
    }
    // The date "Monday" means to the business (UTC): the next Monday, a week ahead on a Monday.
    std::string next_monday() {
        return scalar(
            "SELECT to_char((now() AT TIME ZONE 'UTC')::date + "
            "(8 - extract(isodow FROM now() AT TIME ZONE 'UTC')::int), 'YYYY-MM-DD')");
    }
    // The owner points the order bot at their shop's API and switches it on, as the bot's
    // description tells them to, then publishes the edited draft.
    void switch_on_the_shop_api(const std::string& id) {
        auto r = call("GET", "/api/flows/" + id);
        ASSERT_EQ(r.status, 200) << r.body;
        auto document = json::parse(r.body)["document"];
        for (auto& n : document["nodes"]) {
            if (n["id"] == "settings") n["config"]["assignments"][0]["value"] = true;
            if (n["id"] == "lookup") {
                n["config"]["url"] = orders_base() + "/api/orders/{{order.number}}";
            }
        }
        auto put = call("PUT", "/api/flows/" + id, {{"document", document}});
        ASSERT_EQ(put.status, 200) << put.body;
        auto published = call("POST", "/api/flows/" + id + "/publish");
        ASSERT_EQ(published.status, 200) << published.body;
    }
    // Whether today's knowledge-gap report lists the question (as the report words it: lower
    // case, punctuation dropped) for this conversation, for this reason.
    bool gap_reported(const std::string& conversation, const std::string& question,
                      const std::string& reason) {
        auto r = call("GET", "/api/analytics/performance?period=today");
        if (r.status != 200) return false;
        auto report = json::parse(r.body);
        for (const auto& g : report["knowledge_gaps"]) {
            if (g["question"] == question && g["reason"] == reason &&
                g["conversation_id"] == conversation) {
                return true;
            }
        }
        return false;
    }

    pid_t orders_ = -1;
    std::uint16_t orders_port_ = 0;
};

TEST_F(FlowBotsTest, TheFourBotsAreListedAndEachCopyIsADraftThatPassesTheCheck) {
    auto r = call("GET", "/api/flow-templates");
    ASSERT_EQ(r.status, 200) << r.body;
    auto list = json::parse(r.body);
    const json& items = list.is_array() ? list : list["items"];
    std::set<std::string> keys;
    for (const auto& t : items) {
        keys.insert(t.value("key", std::string()));
        EXPECT_FALSE(t.value("name", std::string()).empty()) << t.dump();
    }
    EXPECT_EQ(keys, (std::set<std::string>{"booking", "faq", "lead-generation", "order-tracking"}))
        << r.body;

    // A copy is the bot's document as a draft of the owner's own, nothing published yet.
    auto file = bot_file("booking");
    auto first = copied("booking");
    EXPECT_EQ(first["name"], "Book an appointment");
    EXPECT_EQ(first["description"], file["description"]);
    EXPECT_TRUE(first["published_version"].is_null()) << first.dump();
    EXPECT_EQ(first["status"], "draft");
    EXPECT_EQ(first["document"]["nodes"], file["nodes"]);
    EXPECT_EQ(first["document"]["edges"], file["edges"]);
    // Names stay unique: a second copy is numbered, and the owner may name it.
    EXPECT_EQ(copied("booking")["name"], "Book an appointment 2");
    EXPECT_EQ(copied("booking", {{"name", "Salon bookings"}})["name"], "Salon bookings");
    // A name the owner chose is theirs as given: taken, it is a conflict, not renumbered.
    EXPECT_EQ(call("POST", "/api/flow-templates/booking/copy", {{"name", "Salon bookings"}}).status,
              409);
    EXPECT_EQ(call("POST", "/api/flow-templates/no-such-bot/copy", json::object()).status, 404);

    // Every bot passes publishing's check as it comes, with nothing set up first.
    for (const auto& key : keys) {
        auto id = copied(key).value("id", std::string());
        auto v = call("POST", "/api/flows/" + id + "/validate");
        ASSERT_EQ(v.status, 200) << v.body;
        EXPECT_EQ(json::parse(v.body)["valid"], true) << key << ": " << v.body;
    }
}

TEST_F(FlowBotsTest, BookingAsksAgainForAClosedDayAndOffersThatDaysOpeningTimes) {
    ASSERT_NO_FATAL_FAILURE(opens_monday_to_saturday());
    copied_and_published("booking");
    auto c = writes("Hi! Can I book a haircut?");
    ASSERT_TRUE(texts_are(c, 1)) << server_->log();
    EXPECT_EQ(flow_payload(c, 0)["type"], "list");
    taps(c, 0, "haircut");
    ASSERT_TRUE(texts_are(c, 2)) << server_->log();

    // Sunday is closed: asked again, with the opening hours.
    writes("Sunday");
    ASSERT_TRUE(texts_are(c, 3)) << server_->log();
    EXPECT_NE(flow_texts(c)[2].find("Sunday: closed"), npos) << flow_texts(c)[2];
    EXPECT_NE(flow_texts(c)[2].find("Monday: 09:00-17:00"), npos) << flow_texts(c)[2];

    // Monday: the times are that day's hourly starts that end by closing time.
    writes("Monday");
    ASSERT_TRUE(texts_are(c, 4)) << server_->log();
    auto monday = next_monday();
    EXPECT_EQ(flow_texts(c)[3],
              "Lovely. What time would suit you on " + monday + "? [Pick a time]");
    auto times = flow_payload(c, 3);
    EXPECT_EQ(row_titles(times), (std::vector<std::string>{"09:00", "10:00", "11:00", "12:00",
                                                           "13:00", "14:00", "15:00", "16:00"}))
        << times.dump();
    taps(c, 3, row_id(times, "10:00"));
    ASSERT_TRUE(texts_are(c, 5)) << server_->log();

    writes("Ana Lopez");
    ASSERT_TRUE(texts_are(c, 6)) << server_->log();
    auto summary = flow_texts(c)[5];
    for (const auto& part : {"Service: Haircut", "Time: 10:00", "Name: Ana Lopez"}) {
        EXPECT_NE(summary.find(part), npos) << summary;
    }
    EXPECT_NE(summary.find("Day: " + monday), npos) << summary;
    taps(c, 5, "confirm");
    ASSERT_TRUE(run_is(c, "completed")) << server_->log();
    ASSERT_TRUE(texts_are(c, 7));
    EXPECT_EQ(flow_texts(c)[6].rfind("You're booked in, Ana Lopez!", 0), 0u) << flow_texts(c)[6];

    auto run = run_of(c);
    EXPECT_EQ(outcomes(run),
              "start:\"default\" service:\"asked\" service:\"valid\" day:\"asked\" "
              "day:\"retry\" day:\"valid\" time:\"asked\" time:\"valid\" name:\"asked\" "
              "name:\"valid\" confirm:\"asked\" confirm:\"button:confirm\" saved:\"default\" "
              "booked:\"default\" done:null ");
    auto saved = conversation(c);
    EXPECT_EQ(
        saved["fields"],
        json({{"Service", "Haircut"}, {"Day", monday}, {"Time", "10:00"}, {"Name", "Ana Lopez"}}))
        << saved.dump();
    EXPECT_EQ(saved["tags"], json::array({"booking"}));
    EXPECT_NE(saved["notes"].get<std::string>().find("[Book an appointment] Booked on WhatsApp: "
                                                     "Haircut on " +
                                                     monday + " at 10:00 for Ana Lopez."),
              npos)
        << saved.dump();
}

TEST_F(FlowBotsTest, OrderTrackingOutOfTheBoxHandsTheOrderNumberToTheTeam) {
    copied_and_published("order-tracking");
    auto c = writes("Where is my order?");
    ASSERT_TRUE(texts_are(c, 1)) << server_->log();
    writes("?!");
    ASSERT_TRUE(texts_are(c, 2)) << server_->log();
    EXPECT_NE(flow_texts(c)[1].find("like A-1042"), npos) << flow_texts(c)[1];
    writes("A-1042");
    ASSERT_TRUE(run_is(c, "handed_off")) << server_->log();
    ASSERT_TRUE(texts_are(c, 3));
    EXPECT_EQ(flow_texts(c)[2],
              "Thank you! Someone from the team will look up order A-1042 and reply here as "
              "soon as they can.");

    EXPECT_EQ(outcomes(run_of(c)),
              "start:\"default\" settings:\"default\" number:\"asked\" number:\"retry\" "
              "number:\"valid\" enabled:\"false\" team_check:\"default\" "
              "manual_saved:\"default\" manual_person:\"handed_off\" ");
    auto saved = conversation(c);
    EXPECT_EQ(saved["status"], "handed_off");
    EXPECT_EQ(saved["fields"], json({{"Order number", "A-1042"}})) << saved.dump();
    EXPECT_EQ(saved["tags"], json::array({"order"}));
    EXPECT_NE(saved["notes"].get<std::string>().find("Please look up order A-1042"), npos)
        << saved.dump();
    // Switched off, the bot never calls the shop's API.
    EXPECT_EQ(order_requests().size(), 0u);
}

TEST_F(FlowBotsTest, OrderTrackingWithTheShopsApiSaysWhereTheOrderIs) {
    auto id = copied("order-tracking").value("id", std::string());
    ASSERT_NO_FATAL_FAILURE(switch_on_the_shop_api(id));
    auto c = writes("Hi, can you track my parcel?");
    ASSERT_TRUE(texts_are(c, 1)) << server_->log();

    // The shop has no such order (404): the customer is told and asked again.
    writes("X-2001");
    ASSERT_TRUE(texts_are(c, 3)) << server_->log();
    EXPECT_EQ(flow_texts(c)[1],
              "I couldn't find an order with the number X-2001. Please check it against your "
              "confirmation email.");
    EXPECT_EQ(flow_texts(c)[2], flow_texts(c)[0]);

    writes("A-1042");
    ASSERT_TRUE(texts_are(c, 4)) << server_->log();
    auto found = flow_texts(c)[3];
    for (const auto& part :
         {"order A-1042", "Status: shipped", "Carrier: DHL", "Expected: 2026-12-10"}) {
        EXPECT_NE(found.find(part), npos) << found;
    }
    ASSERT_TRUE(run_is(c, "completed")) << server_->log();
    auto run = run_of(c);
    EXPECT_EQ(run["variables"]["lookup_status"], 200);
    EXPECT_NE(outcomes(run).find("lookup:\"error\" not_found:\"true\" unknown:\"default\" "
                                 "number:\"asked\" number:\"valid\" enabled:\"true\" "
                                 "lookup:\"2xx\" found:\"default\" found_saved:\"default\" "
                                 "done:null "),
              npos)
        << outcomes(run);

    auto saved = conversation(c);
    EXPECT_EQ(saved["fields"], json({{"Order number", "A-1042"}, {"Order status", "shipped"}}))
        << saved.dump();
    EXPECT_NE(saved["status"], "handed_off");
    auto requests = order_requests();
    ASSERT_EQ(requests.size(), 2u) << requests.dump();
    EXPECT_EQ(requests[0]["path"], "/api/orders/X-2001");
    EXPECT_EQ(requests[1]["path"], "/api/orders/A-1042");
}

TEST_F(FlowBotsTest, FaqReportsAnAnswerThatDidNotHelpAndHandsOverOnRequest) {
    llm_.rules({{{"reply", "We're open Monday to Saturday, from 9am to 5pm."}, {"times", -1}}});
    copied_and_published("faq");
    auto c = writes("Quick question: do you open on Sundays?");
    ASSERT_TRUE(texts_are(c, 1)) << server_->log();
    EXPECT_EQ(flow_texts(c)[0], "Did that help? [Yes | No]");
    EXPECT_EQ(scalar("SELECT content FROM messages WHERE sender = 'ai' AND conversation_id = '" +
                     c + "'"),
              "We're open Monday to Saturday, from 9am to 5pm.");
    // The keyword took the message, so the model was asked once: for the answer, with the
    // bot's instructions, not to classify the message.
    auto requests = chat_requests();
    ASSERT_EQ(requests.size(), 1u);
    auto system = requests[0]["body"]["messages"][0]["content"].get<std::string>();
    EXPECT_NE(system.find("in two or three short, friendly sentences"), npos) << system;

    taps(c, 0, "no");
    ASSERT_TRUE(texts_are(c, 2)) << server_->log();
    EXPECT_EQ(flow_texts(c)[1].rfind("Sorry that didn't help.", 0), 0u) << flow_texts(c)[1];
    // The owner sees the question in the knowledge-gap report, to add its answer.
    EXPECT_TRUE(eventually([&] {
        return gap_reported(c, "quick question do you open on sundays", "not_helpful");
    })) << call("GET", "/api/analytics/performance?period=today").body;

    taps(c, 1, "person");
    ASSERT_TRUE(run_is(c, "handed_off")) << server_->log();
    ASSERT_TRUE(texts_are(c, 3));
    EXPECT_EQ(outcomes(run_of(c)),
              "start:\"default\" keep_question:\"default\" answer:\"default\" "
              "helped:\"asked\" helped:\"button:no\" gap:\"default\" offer:\"asked\" "
              "offer:\"button:person\" passing:\"default\" to_team:\"handed_off\" ");
    auto saved = conversation(c);
    EXPECT_EQ(saved["status"], "handed_off");
    EXPECT_EQ(saved["tags"], json::array({"faq-unanswered"}));
    EXPECT_NE(saved["notes"].get<std::string>().find(
                  "The answer did not help with this question: \"Quick question: do you open "
                  "on Sundays?\""),
              npos)
        << saved.dump();
}

TEST_F(FlowBotsTest, LeadGenerationHandsAHotLeadToTheTeamWithItsScore) {
    copied_and_published("lead-generation");
    auto c = writes("Hello, could I get a quote for a new website?");
    ASSERT_TRUE(texts_are(c, 1)) << server_->log();
    taps(c, 0, "new");  // 20 points
    ASSERT_TRUE(texts_are(c, 2)) << server_->log();
    taps(c, 1, "over-20k");  // 40 points
    ASSERT_TRUE(texts_are(c, 3)) << server_->log();
    taps(c, 2, "month");  // 30 points
    ASSERT_TRUE(texts_are(c, 4)) << server_->log();
    writes("Sam Reed");
    ASSERT_TRUE(texts_are(c, 5)) << server_->log();
    EXPECT_EQ(flow_texts(c)[4].rfind("Nice to meet you, Sam Reed!", 0), 0u) << flow_texts(c)[4];

    writes("sam at example dot com");
    ASSERT_TRUE(texts_are(c, 6)) << server_->log();
    EXPECT_NE(flow_texts(c)[5].find("like name@example.com"), npos) << flow_texts(c)[5];
    writes("Sam.Reed@Example.com");
    ASSERT_TRUE(texts_are(c, 7)) << server_->log();
    writes("+44 7700 900123");
    ASSERT_TRUE(run_is(c, "handed_off")) << server_->log();
    ASSERT_TRUE(texts_are(c, 8));
    EXPECT_EQ(flow_texts(c)[7].rfind("Thank you, Sam Reed! This sounds like a great fit", 0), 0u)
        << flow_texts(c)[7];

    EXPECT_EQ(run_of(c)["variables"]["lead"]["score"], 90);
    auto saved = conversation(c);
    EXPECT_EQ(saved["status"], "handed_off");
    EXPECT_EQ(saved["fields"], json({{"Need", "A new project"},
                                     {"Budget", "Over $20,000"},
                                     {"Timing", "This month"},
                                     {"Name", "Sam Reed"},
                                     {"Email", "sam.reed@example.com"},
                                     {"Phone", "+447700900123"},
                                     {"Score", "90"}}))
        << saved.dump();
    EXPECT_EQ(saved["tags"], json::array({"lead", "hot-lead"}));
    EXPECT_NE(saved["notes"].get<std::string>().find(
                  "Hot lead (90 points): Sam Reed. Need: A new project. Budget: Over $20,000. "
                  "Timing: This month. Email: sam.reed@example.com. Phone: +447700900123."),
              npos)
        << saved.dump();
}

TEST_F(FlowBotsTest, LeadGenerationThanksAColdLeadAndKeepsANoteForTheTeam) {
    copied_and_published("lead-generation");
    auto c = writes("What are your prices?");
    ASSERT_TRUE(texts_are(c, 1)) << server_->log();
    // Written instead of tapped: a row's number, a title, a button's title in lower case.
    writes("3");  // Just information: 0 points
    ASSERT_TRUE(texts_are(c, 2)) << server_->log();
    writes("Under $1,000");
    ASSERT_TRUE(texts_are(c, 3)) << server_->log();
    writes("just looking");
    ASSERT_TRUE(texts_are(c, 4)) << server_->log();
    writes("Jo King");
    ASSERT_TRUE(texts_are(c, 5)) << server_->log();
    writes("jo@example.org");
    ASSERT_TRUE(texts_are(c, 6)) << server_->log();
    writes("020 7946 0958");
    ASSERT_TRUE(run_is(c, "completed")) << server_->log();
    ASSERT_TRUE(texts_are(c, 7));
    EXPECT_NE(flow_texts(c)[6].find("We'll send the details to jo@example.org"), npos)
        << flow_texts(c)[6];

    auto saved = conversation(c);
    EXPECT_NE(saved["status"], "handed_off");
    EXPECT_EQ(saved["fields"]["Need"], "Just information") << saved.dump();
    EXPECT_EQ(saved["fields"]["Budget"], "Under $1,000");
    EXPECT_EQ(saved["fields"]["Timing"], "Just looking");
    EXPECT_EQ(saved["fields"]["Score"], "0");
    EXPECT_EQ(saved["tags"], json::array({"lead"}));
    EXPECT_NE(saved["notes"].get<std::string>().find(
                  "[Qualify a lead] Lead (0 points): Jo King. Need: Just information."),
              npos)
        << saved.dump();
}

}  // namespace
}  // namespace botflow::test
