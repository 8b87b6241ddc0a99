// What a flow makes of customers' words: folding and phrases, variables, answers to
// questions (numbers, emails, phones, dates and times as people write them, choices), the
// conditions and the triggers.
#include "flows/answers.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "flows/logic.hpp"
#include "flows/text.hpp"
#include "flows/variables.hpp"

namespace botflow::flows {
namespace {

using nlohmann::json;

// Monday 7 December 2026, 10:30.
const LocalNow kNow{2026, 12, 7, 10, 30, 1};

QuestionConfig question(json config) {
    Problems problems;
    Node node{"q", NodeType::question, std::move(config), {}};
    auto q = read_question(node, problems);
    EXPECT_TRUE(problems.empty()) << problems.front().field << ": " << problems.front().message;
    return q;
}

Checked answer(const QuestionConfig& q, const std::string& text) {
    return check_answer(q, Reply{text, ""}, kNow);
}

TEST(FlowText, FoldsCaseAndAccentsInSeveralScripts) {
    EXPECT_EQ(fold("Réservér ÇA"), "reserver ca");
    EXPECT_EQ(fold("Straße"), "strasse");
    EXPECT_EQ(fold("ŁÓDŹ"), "lodz");
    EXPECT_EQ(fold("ΚΡΆΤΗΣΗ"), "κρατηση");
    EXPECT_EQ(fold("Заказ Ёлка"), "заказ елка");
    EXPECT_EQ(fold("e\xCC\x81"), "e");  // a decomposed é
}

TEST(FlowText, MatchesPhrasesOnWholeWordsOnly) {
    EXPECT_TRUE(contains_phrase("Hi! Can I BOOK a table?", "book a table"));
    EXPECT_TRUE(contains_phrase("quiero hacer una reserva", "Réserva"));
    EXPECT_FALSE(contains_phrase("I read a notebook", "book"));
    EXPECT_FALSE(contains_phrase("book the table", "book a table"));
    EXPECT_FALSE(contains_phrase("anything", ""));
    EXPECT_TRUE(same_words("  yes,  please ", "Yes please"));
}

TEST(FlowVariables, FindsReferencesWithFallbacksAndRejectsMalformedOnes) {
    std::string error;
    auto refs = references("Hi {{customer.name}}, it is {{ order.status | \"unknown\" }}", error);
    ASSERT_TRUE(error.empty());
    ASSERT_EQ(refs.size(), 2u);
    EXPECT_EQ(refs[0].name, "customer.name");
    EXPECT_EQ(refs[1].name, "order.status");
    EXPECT_EQ(refs[1].fallback, "unknown");
    references("Hi {{customer.name", error);
    EXPECT_NE(error.find("no closing"), std::string::npos);
    error.clear();
    references("{{order.status | unknown}}", error);
    EXPECT_NE(error.find("double quotes"), std::string::npos);
    error.clear();
    references("{{ drop table; }}", error);
    EXPECT_NE(error.find("not a variable"), std::string::npos);
}

TEST(FlowVariables, RendersValuesPathsAndFallbacks) {
    json vars{{"order", {{"status", "shipped"}, {"items", {{{"title", "Lamp"}}}}, {"count", 2}}},
              {"tags", {"vip", "new"}}};
    Lookup lookup = [&vars](const std::string& name) { return find_path(vars, name); };
    EXPECT_EQ(render("{{order.status}} / {{order.items.0.title}} x{{order.count}}", lookup),
              "shipped / Lamp x2");
    EXPECT_EQ(render("{{order.eta | \"soon\"}} {{tags}}", lookup), "soon vip, new");
    EXPECT_EQ(render("{{missing}}!", lookup), "!");
    json body{{"n", "{{order.count}}"}, {"s", "n={{order.count}}"}};
    auto rendered = render_json(body, lookup);
    EXPECT_EQ(rendered["n"], 2);
    EXPECT_EQ(rendered["s"], "n=2");
    json target = json::object();
    set_path(target, "booking.date", "2026-12-08");
    EXPECT_EQ(target["booking"]["date"], "2026-12-08");
}

TEST(FlowAnswers, ChecksNumbersWithRangeAndWholeness) {
    auto q = question({{"prompt", {{"text", "How many people?"}}},
                       {"answer", "number"},
                       {"min", 1},
                       {"max", 12},
                       {"integer", true}});
    EXPECT_EQ(answer(q, " 4 ").value, 4);
    EXPECT_FALSE(answer(q, "13").valid);
    EXPECT_FALSE(answer(q, "2.5").valid);
    EXPECT_FALSE(answer(q, "four").valid);
    auto price = question({{"prompt", {{"text", "Budget?"}}}, {"answer", "number"}});
    EXPECT_DOUBLE_EQ(answer(price, "3,5").value.get<double>(), 3.5);
}

TEST(FlowAnswers, ChecksEmailsAndPhones) {
    auto mail = question({{"prompt", {{"text", "Email?"}}}, {"answer", "email"}});
    EXPECT_EQ(answer(mail, "Ana@Shop.COM").value, "ana@shop.com");
    EXPECT_FALSE(answer(mail, "ana@shop").valid);
    EXPECT_FALSE(answer(mail, "ana shop@x.com").valid);
    auto tel = question({{"prompt", {{"text", "Phone?"}}}, {"answer", "phone"}});
    EXPECT_EQ(answer(tel, "+1 (555) 123-4567").value, "+15551234567");
    EXPECT_EQ(answer(tel, "0044 20 7946 0958").value, "+442079460958");
    EXPECT_FALSE(answer(tel, "12345").valid);
    EXPECT_FALSE(answer(tel, "call me").valid);
}

TEST(FlowAnswers, ReadsDatesAsPeopleWriteThem) {
    EXPECT_EQ(parse_date("tomorrow", kNow), "2026-12-08");
    EXPECT_EQ(parse_date("the day after tomorrow", kNow), "2026-12-09");
    EXPECT_EQ(parse_date("mañana por favor", kNow), "2026-12-08");
    EXPECT_EQ(parse_date("Friday", kNow), "2026-12-11");
    EXPECT_EQ(parse_date("next monday", kNow), "2026-12-14");
    EXPECT_EQ(parse_date("8/12/2026", kNow), "2026-12-08");
    EXPECT_EQ(parse_date("24.12.", kNow), "2026-12-24");
    EXPECT_EQ(parse_date("2027-01-05", kNow), "2027-01-05");
    EXPECT_EQ(parse_date("3 January", kNow), "2027-01-03");  // passed this year: next year's
    EXPECT_EQ(parse_date("le 25 décembre", kNow), "2026-12-25");
    EXPECT_EQ(parse_date("December 31st", kNow), "2026-12-31");
    EXPECT_EQ(parse_date("el 8 de diciembre de 2027", kNow), "2027-12-08");
    EXPECT_FALSE(parse_date("31/02/2027", kNow));
    EXPECT_FALSE(parse_date("whenever", kNow));
}

TEST(FlowAnswers, ReadsTimes) {
    EXPECT_EQ(parse_time("3pm"), "15:00");
    EXPECT_EQ(parse_time("at 3:30 pm"), "15:30");
    EXPECT_EQ(parse_time("15:45"), "15:45");
    EXPECT_EQ(parse_time("um 15h30"), "15:30");
    EXPECT_EQ(parse_time("a las 9"), "09:00");
    EXPECT_EQ(parse_time("12am"), "00:00");
    EXPECT_EQ(parse_time("noon"), "12:00");
    EXPECT_FALSE(parse_time("25:00"));
    EXPECT_FALSE(parse_time("table for 4"));
}

TEST(FlowAnswers, ReadsADateAndATimeTogether) {
    auto q = question({{"prompt", {{"text", "When?"}}}, {"answer", "datetime"}});
    EXPECT_EQ(answer(q, "tomorrow 3pm").value, "2026-12-08 15:00");
    EXPECT_EQ(answer(q, "Friday at 18:30").value, "2026-12-11 18:30");
    EXPECT_FALSE(answer(q, "tomorrow").valid);
    auto d = question({{"prompt", {{"text", "Which day?"}}}, {"answer", "date"}});
    EXPECT_FALSE(answer(d, "the 45th").valid);
}

TEST(FlowAnswers, TakesAChoiceByTapTitleOrNumber) {
    auto q = question(
        {{"prompt",
          {{"type", "buttons"},
           {"body", "Which service?"},
           {"buttons",
            {{{"id", "cut"}, {"title", "Haircut"}}, {{"id", "color"}, {"title", "Colour"}}}}}}});
    auto tapped = check_answer(q, Reply{"Colour", "color"}, kNow);
    EXPECT_TRUE(tapped.valid);
    EXPECT_EQ(tapped.outcome, "button:color");
    EXPECT_EQ(tapped.value, "Colour");
    EXPECT_EQ(answer(q, "haircut").outcome, "button:cut");
    EXPECT_EQ(answer(q, "2").outcome, "button:color");
    EXPECT_FALSE(answer(q, "3").valid);
    EXPECT_FALSE(answer(q, "a massage").valid);
}

TEST(FlowAnswers, ChecksTextLengthAndPatterns) {
    auto q = question({{"prompt", {{"text", "Name?"}}}, {"min_length", 2}, {"max_length", 5}});
    EXPECT_TRUE(answer(q, "Ana").valid);
    EXPECT_FALSE(answer(q, "A").valid);
    EXPECT_TRUE(answer(q, "Zoë").valid);  // characters, not bytes
    EXPECT_FALSE(answer(q, "Anastasia").valid);
    auto order = question({{"prompt", {{"text", "Order number?"}}},
                           {"answer", "regex"},
                           {"pattern", "[A-Z]{2}-\\d{4}"}});
    EXPECT_TRUE(answer(order, " AB-1234 ").valid);
    EXPECT_FALSE(answer(order, "AB-1234x").valid);
}

TEST(FlowPatterns, StopsCatastrophicBacktrackingInsteadOfStalling) {
    std::string error;
    auto p = Pattern::compile("(a+)+$", false, error);
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->search(std::string(5000, 'a') + "!"));  // returns, does not hang
    EXPECT_FALSE(Pattern::compile("(unclosed", false, error));
    EXPECT_NE(error.find("offset"), std::string::npos);
}

TEST(FlowConditions, ComparesNumbersTextAndSets) {
    json vars{{"total", "120"}, {"status", "Shipped"}, {"tags", {"vip"}}, {"empty", ""}};
    Lookup lookup = [&vars](const std::string& name) { return find_path(vars, name); };
    Problems problems;
    auto cond = [&](json rules, const char* match = "all") {
        Node n{"c", NodeType::condition, {{"match", match}, {"rules", std::move(rules)}}, {}};
        return evaluate(read_condition(n, problems), lookup);
    };
    EXPECT_TRUE(cond({{{"variable", "total"}, {"op", "greater_than"}, {"value", 99}}}));
    EXPECT_FALSE(cond({{{"variable", "total"}, {"op", "less_than"}, {"value", "99"}}}));
    EXPECT_TRUE(cond({{{"variable", "status"}, {"op", "equals"}, {"value", "shipped"}}}));
    EXPECT_TRUE(cond({{{"variable", "tags"}, {"op", "contains"}, {"value", "VIP"}}}));
    EXPECT_TRUE(cond({{{"variable", "empty"}, {"op", "is_empty"}}}));
    EXPECT_FALSE(cond({{{"variable", "nowhere"}, {"op", "is_set"}}}));
    EXPECT_TRUE(cond({{{"variable", "status"}, {"op", "matches"}, {"value", "^Ship"}}}));
    EXPECT_TRUE(cond({{{"variable", "status"}, {"op", "equals"}, {"value", "lost"}},
                      {{"variable", "total"}, {"op", "is_set"}}},
                     "any"));
    EXPECT_FALSE(cond({{{"variable", "status"}, {"op", "equals"}, {"value", "lost"}},
                       {{"variable", "total"}, {"op", "is_set"}}}));
    EXPECT_TRUE(problems.empty());
}

TEST(FlowTriggers, MatchKeywordsPatternsPayloadsAndFirstMessages) {
    Problems problems;
    auto trigger = [&](json config) {
        return read_trigger(Node{"t", NodeType::trigger, std::move(config), {}}, problems);
    };
    auto keyword = trigger({{"kind", "keyword"}, {"keywords", {"book", "réserver"}}});
    EXPECT_TRUE(matches(keyword, {"Can I BOOK for two?", "", false}));
    EXPECT_TRUE(matches(keyword, {"je veux RESERVER", "", false}));
    EXPECT_FALSE(matches(keyword, {"my notebook broke", "", false}));
    auto regex = trigger({{"kind", "regex"}, {"pattern", "order\\s*#?\\d+"}});
    EXPECT_TRUE(matches(regex, {"Where is ORDER #123?", "", false}));
    auto payload = trigger({{"kind", "payload"}, {"payloads", {"TRACK"}}});
    EXPECT_TRUE(matches(payload, {"Track my order", "TRACK", false}));
    EXPECT_FALSE(matches(payload, {"TRACK", "", false}));
    auto first = trigger({{"kind", "first_message"}});
    EXPECT_TRUE(matches(first, {"hi", "", true}));
    EXPECT_FALSE(matches(first, {"hi", "", false}));
    EXPECT_TRUE(problems.empty());
    EXPECT_LT(trigger_rank(TriggerKind::payload), trigger_rank(TriggerKind::keyword));
    EXPECT_LT(trigger_rank(TriggerKind::intent), trigger_rank(TriggerKind::any));
}

}  // namespace
}  // namespace botflow::flows
