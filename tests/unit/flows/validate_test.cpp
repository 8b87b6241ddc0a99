// Reading a flow's document and publishing's check of it: every problem named with its node
// and field, none for a sound flow.
#include "flows/validate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "botflow/core/error.hpp"
#include "flows/document.hpp"

namespace botflow::flows {
namespace {

using nlohmann::json;

json node(const std::string& id, const std::string& type, json config = json::object()) {
    return {{"id", id},
            {"type", type},
            {"config", std::move(config)},
            {"position", {{"x", 0}, {"y", 0}}}};
}

json edge(const std::string& source, const std::string& target,
          const std::string& when = "default") {
    return {{"id", source + "-" + target + "-" + when.substr(0, when.find(':'))},
            {"source", source},
            {"target", target},
            {"when", when}};
}

// A small booking flow: asks the service with buttons, the date, and confirms.
json booking() {
    return {{"nodes",
             {node("start", "trigger", {{"kind", "keyword"}, {"keywords", {"book"}}}),
              node("service", "question",
                   {{"prompt",
                     {{"type", "buttons"},
                      {"body", "Hi {{customer.name}}! Which service?"},
                      {"buttons",
                       {{{"id", "cut"}, {"title", "Haircut"}},
                        {{"id", "color"}, {"title", "Colour"}}}}}},
                    {"store_as", "service"}}),
              node("when", "question",
                   {{"prompt", {{"text", "Which day?"}}},
                    {"answer", "date"},
                    {"store_as", "booking.date"},
                    {"reask", "Please write a date, like tomorrow or 12/03."},
                    {"max_attempts", 2}}),
              node("hours", "condition", {{"check", "business_hours"}}),
              node("confirm", "message",
                   {{"message",
                     {{"text", "{{service}} on {{booking.date}}: booked! {{order.id | \"\"}}"}}}}),
              node("save", "api_call",
                   {{"method", "POST"},
                    {"url", "https://api.example.com/bookings"},
                    {"headers", {{"Authorization", "Bearer {{secrets.shop_token}}"}}},
                    {"body", {{"service", "{{service}}"}, {"date", "{{booking.date}}"}}},
                    {"response_variable", "order"}}),
              node("person", "handoff", {{"note", "Booking {{service}} {{booking.date}}"}}),
              node("done", "end")}},
            {"edges",
             {edge("start", "service"), edge("service", "when"), edge("when", "hours", "valid"),
              edge("when", "person", "invalid"), edge("hours", "save", "in_hours"),
              edge("hours", "person", "out_of_hours"), edge("save", "confirm", "2xx"),
              edge("save", "person", "error"), edge("confirm", "done")}}};
}

ValidationContext context() {
    ValidationContext ctx;
    ctx.flow_id = "00000000-0000-4000-8000-000000000001";
    ctx.secrets = {"shop_token"};
    ctx.can_jump_to = [](const std::string& id) {
        return id == "00000000-0000-4000-8000-000000000002";
    };
    return ctx;
}

Problems check(const json& body) { return validate(parse_document(body), context()); }

bool has(const Problems& problems, const std::string& node, const std::string& needle) {
    return std::any_of(problems.begin(), problems.end(), [&](const Problem& p) {
        return (node == "*" || p.node == node) &&
               (p.field + " " + p.message).find(needle) != std::string::npos;
    });
}

std::string dump(const Problems& problems) {
    std::string out;
    for (const auto& p : problems) out += p.node + " " + p.field + ": " + p.message + "\n";
    return out;
}

TEST(FlowDocument, ReadsAndWritesTheSameDocument) {
    auto doc = parse_document(booking());
    EXPECT_EQ(doc.nodes.size(), 8u);
    EXPECT_EQ(to_json(doc), booking());
    EXPECT_EQ(doc.next("hours", "in_hours"), "save");
    EXPECT_EQ(doc.next("service", "button:cut"), "when");  // the default edge
    EXPECT_FALSE(doc.next("done", "default"));
}

TEST(FlowDocument, NamesEveryMalformedField) {
    json body{{"nodes", {node("a", "trigger"), node("a", "teleport"), {{"id", "b c"}}}},
              {"edges", {edge("a", "zzz")}}};
    try {
        parse_document(body);
        FAIL() << "accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::unprocessable);
        std::string fields;
        for (const auto& f : e.fields()) fields += f.field + "=" + f.message + "\n";
        EXPECT_NE(fields.find("nodes[1].id="), std::string::npos) << fields;    // used twice
        EXPECT_NE(fields.find("nodes[1].type="), std::string::npos) << fields;  // unknown
        EXPECT_NE(fields.find("nodes[2].id="), std::string::npos) << fields;    // a space
        EXPECT_NE(fields.find("edges[0].target="), std::string::npos) << fields;
    }
    EXPECT_THROW(parse_document(json::array()), Error);
}

TEST(FlowValidation, ASoundFlowHasNoProblems) {
    auto problems = check(booking());
    EXPECT_TRUE(problems.empty()) << dump(problems);
}

TEST(FlowValidation, NamesUnreachableStepsAndOutcomesLeadingNowhere) {
    auto body = booking();
    body["nodes"].push_back(node("orphan", "message", {{"message", {{"text", "never"}}}}));
    body["edges"].erase(body["edges"].begin() + 6);  // save -> confirm on 2xx
    auto problems = check(body);
    EXPECT_TRUE(has(problems, "orphan", "no trigger leads")) << dump(problems);
    EXPECT_TRUE(has(problems, "save", "'2xx' leads nowhere")) << dump(problems);
    EXPECT_TRUE(has(problems, "confirm", "no trigger leads")) << dump(problems);
}

TEST(FlowValidation, NamesMetasLimitsOnTheFieldThatBreaksThem) {
    auto body = booking();
    auto& buttons = body["nodes"][1]["config"]["prompt"]["buttons"];
    buttons.push_back({{"id", "nails"}, {"title", "Nails"}});
    buttons.push_back({{"id", "beard"}, {"title", "A twenty-one char ttl"}});
    auto problems = check(body);
    EXPECT_TRUE(has(problems, "service", "config.prompt.buttons")) << dump(problems);
    EXPECT_TRUE(has(problems, "service", "21 characters")) << dump(problems);
}

TEST(FlowValidation, NamesUnknownVariablesAndSecrets) {
    auto body = booking();
    body["nodes"][4]["config"]["message"]["text"] = "{{servise}} at {{customer.nam}}";
    body["nodes"][5]["config"]["headers"]["X-Key"] = "{{secrets.missing}}";
    body["nodes"][6]["config"]["note"] = "{{secrets.shop_token}}";
    auto problems = check(body);
    EXPECT_TRUE(has(problems, "confirm", "{{servise}}")) << dump(problems);
    EXPECT_TRUE(has(problems, "confirm", "{{customer.nam}}")) << dump(problems);
    EXPECT_TRUE(has(problems, "save", "no secret named 'missing'")) << dump(problems);
    EXPECT_TRUE(has(problems, "person", "secrets are only for an api_call")) << dump(problems);
}

TEST(FlowValidation, NamesAConditionOnAVariableNoStepStores) {
    auto body = booking();
    body["nodes"][3]["config"] = {
        {"rules",
         {{{"variable", "service"}, {"op", "equals"}, {"value", "Haircut"}},
          {{"variable", "sevrice"}, {"op", "is_set"}}}}};
    auto problems = check(body);
    EXPECT_TRUE(has(problems, "hours", "config.rules[1].variable 'sevrice' is not a variable"))
        << dump(problems);
    EXPECT_FALSE(has(problems, "hours", "rules[0]")) << dump(problems);
}

TEST(FlowValidation, RefusesALoopThatNeverWaitsButNotOneThroughAQuestion) {
    auto body = booking();
    body["nodes"].push_back(
        node("again", "set_variable", {{"assignments", {{{"name", "tries"}, {"value", "1"}}}}}));
    body["edges"][8] = edge("confirm", "again");
    body["edges"].push_back(edge("again", "hours"));
    auto problems = check(body);
    EXPECT_TRUE(has(problems, "*", "loop without waiting")) << dump(problems);

    auto asks_again = booking();
    asks_again["edges"][8] = edge("confirm", "when");          // back to a question: it waits
    asks_again["nodes"].erase(asks_again["nodes"].end() - 1);  // "done" is no longer reached
    auto ok = check(asks_again);
    EXPECT_TRUE(ok.empty()) << dump(ok);
}

TEST(FlowValidation, NamesWrongOutcomesDuplicateEdgesAndStepsAfterAnEnd) {
    auto body = booking();
    body["edges"].push_back(edge("hours", "done", "true"));
    body["edges"].push_back(edge("save", "done", "2xx"));
    body["edges"].push_back(edge("done", "person"));
    body["edges"].push_back(edge("person", "start"));
    auto problems = check(body);
    EXPECT_TRUE(has(problems, "hours", "'true' is not an outcome")) << dump(problems);
    EXPECT_TRUE(has(problems, "save", "two edges leave on '2xx'")) << dump(problems);
    EXPECT_TRUE(has(problems, "done", "nothing can follow it")) << dump(problems);
    EXPECT_TRUE(has(problems, "start", "no step can lead into it")) << dump(problems);
}

TEST(FlowValidation, ChecksEachTypesConfig) {
    json body{
        {"nodes",
         {node("t", "trigger", {{"kind", "regex"}, {"pattern", "(oops"}}),
          node("q", "question",
               {{"prompt", {{"text", "?"}}},
                {"answer", "choice"},
                {"timeout_minutes", 2000},
                {"store_as", "customer.name"}}),
          node("w", "wait", {{"seconds", 0}}),
          node("j", "jump", {{"flow_id", "00000000-0000-4000-8000-000000000009"}}),
          node("c", "condition", {{"rules", {{{"variable", "x"}, {"op", "bigger"}}}}}),
          node("a", "api_call", {{"method", "GET"}, {"url", "ftp://x"}, {"body", {{"a", 1}}}})}},
        {"edges",
         {edge("t", "q"), edge("q", "w", "valid"), edge("w", "c"), edge("c", "a", "true"),
          edge("c", "j", "false"), edge("a", "j", "2xx"), edge("a", "j", "error")}}};
    auto problems = check(body);
    EXPECT_TRUE(has(problems, "t", "not a regular expression")) << dump(problems);
    EXPECT_TRUE(has(problems, "q", "a choice needs a prompt of type buttons")) << dump(problems);
    EXPECT_TRUE(has(problems, "q", "24 hours")) << dump(problems);
    EXPECT_TRUE(has(problems, "q", "'customer' is BotFlow's own")) << dump(problems);
    EXPECT_TRUE(has(problems, "w", "config.seconds")) << dump(problems);
    EXPECT_TRUE(has(problems, "j", "no published flow")) << dump(problems);
    EXPECT_TRUE(has(problems, "c", "config.rules[0].op")) << dump(problems);
    EXPECT_TRUE(has(problems, "a", "must start with https://")) << dump(problems);
    EXPECT_TRUE(has(problems, "a", "a GET request has no body")) << dump(problems);
}

TEST(FlowValidation, NeedsATrigger) {
    json body{{"nodes", {node("m", "message", {{"message", {{"text", "hi"}}}})}},
              {"edges", json::array()}};
    auto problems = check(body);
    EXPECT_TRUE(has(problems, "", "needs a trigger")) << dump(problems);
}

}  // namespace
}  // namespace botflow::flows
