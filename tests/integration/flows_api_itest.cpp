// A flow's api_call against a business's own API (tests/fakes/order_api.py): the answer's
// fields fill the next message, a secret authorises the call and is never logged, a 404 takes
// `error`, and an address the environment does not allow is refused. And a list question:
// the customer picks a row.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>

#include "integration/flows_fixture.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

namespace botflow::test {
namespace {

constexpr const char* kOrdersToken = "shop-orders-token";

json tracking_flow(const std::string& base) {
    return {
        {"name", "Track"},
        {"nodes",
         {node("start", "trigger", {{"kind", "keyword"}, {"keywords", {"track"}}}),
          node("ask", "question",
               {{"prompt", {{"text", "Your order number?"}}}, {"store_as", "number"}}),
          node("look", "api_call",
               {{"url", base + "/api/orders/{{number}}"},
                {"headers", {{"Authorization", "Bearer {{secrets.orders}}"}}},
                {"timeout_ms", 3000},
                {"response_variable", "found"},
                {"fields",
                 {{{"variable", "status"}, {"path", "order.status"}},
                  {{"variable", "first_item"}, {"path", "order.items.0.name"}}}}}),
          node("tell", "message",
               {{"message",
                 {{"text",
                   "Order {{number}} ({{first_item}}) is {{status}}, with "
                   "{{found.order.carrier | \"the courier\"}}."}}}}),
          node("sorry", "message", {{"message", {{"text", "I could not find order {{number}}."}}}}),
          node("done", "end")}},
        {"edges",
         {edge("start", "ask"), edge("ask", "look", "valid"), edge("look", "tell", "2xx"),
          edge("look", "sorry", "error"), edge("tell", "done"), edge("sorry", "done")}}};
}

json list_flow() {
    json rows = json::array();
    for (auto [id, title] : {std::pair{"north", "North shop"}, {"south", "South shop"}}) {
        rows.push_back({{"id", id}, {"title", title}, {"description", "Open 9 to 5"}});
    }
    return {{"name", "Shops"},
            {"nodes",
             {node("start", "trigger", {{"kind", "keyword"}, {"keywords", {"shops"}}}),
              node("pick", "question",
                   {{"prompt",
                     {{"type", "list"},
                      {"body", "Which shop?"},
                      {"button", "Shops"},
                      {"sections", {{{"title", "Shops"}, {"rows", rows}}}}}},
                    {"store_as", "shop"}}),
              node("north", "message", {{"message", {{"text", "North: 1 High Street."}}}}),
              node("other", "message", {{"message", {{"text", "{{shop}}: 9 Low Road."}}}}),
              node("done", "end")}},
            {"edges",
             {edge("start", "pick"), edge("pick", "north", "row:north"),
              edge("pick", "other", "valid"), edge("north", "done"), edge("other", "done")}}};
}

class FlowsApiTest : public FlowsTest {
protected:
    FlowsApiTest() {
        orders_ =
            start_fake("order_api.py", {"--token", kOrdersToken, "--prefix", "/api"}, orders_port_);
        extra_["FLOW_API_ALLOWLIST"] = "127.0.0.1";
    }
    ~FlowsApiTest() override { stop_fake(orders_); }
    std::string base() { return "http://127.0.0.1:" + std::to_string(orders_port_); }
    json order_requests() {
        return json::parse(request(orders_port_, "GET", "/_fake/requests").body);
    }

    pid_t orders_ = -1;
    std::uint16_t orders_port_ = 0;
};

TEST_F(FlowsApiTest, AnApiCallsAnswerFillsTheNextMessage) {
    ASSERT_EQ(call("PUT", "/api/flow-secrets/orders", {{"value", kOrdersToken}}).status, 204);
    published(tracking_flow(base()));
    auto conversation = writes("track");
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    writes("A 17/b");
    ASSERT_TRUE(texts_are(conversation, 2)) << server_->log();
    EXPECT_EQ(flow_texts(conversation)[1], "Order A 17/b (Blue mug) is shipped, with DHL.");

    auto requests = order_requests();
    ASSERT_EQ(requests.size(), 1u) << requests.dump();
    // The variable is percent-encoded in the URL; the secret went in its header.
    EXPECT_EQ(requests[0]["path"], "/api/orders/A%2017%2Fb");
    EXPECT_EQ(requests[0]["headers"]["authorization"], std::string("Bearer ") + kOrdersToken);
    EXPECT_FALSE(requests[0]["headers"]["idempotency-key"].get<std::string>().empty());
    // The log keeps the call, never the secret.
    ASSERT_TRUE(eventually([&] { return run_of(conversation)["status"] == "completed"; }));
    auto run = run_of(conversation);
    EXPECT_EQ(run["status"], "completed");
    EXPECT_EQ(run.dump().find(kOrdersToken), std::string::npos) << run.dump();
    EXPECT_EQ(server_->log().find(kOrdersToken), std::string::npos);
    EXPECT_EQ(run["variables"]["status"], "shipped");

    // An unknown order: the API's 404 takes `error`.
    writes("track");
    ASSERT_TRUE(texts_are(conversation, 3)) << server_->log();
    writes("X-9");
    ASSERT_TRUE(texts_are(conversation, 4)) << server_->log();
    EXPECT_EQ(flow_texts(conversation)[3], "I could not find order X-9.");
    std::string errors;
    auto second = run_of(conversation);
    for (const auto& s : second["steps"]) {
        if (s["node_id"] == "look") errors += s["error"].dump();
    }
    EXPECT_NE(errors.find("404"), std::string::npos) << errors;
}

TEST_F(FlowsApiTest, AnAnswerTooDeepOrWithANulTakesError) {
    ASSERT_EQ(call("PUT", "/api/flow-secrets/orders", {{"value", kOrdersToken}}).status, 204);
    published(tracking_flow(base()));
    std::string deep(5000, '[');
    deep += std::string(5000, ']');
    json rules = {{{"match", "order"}, {"status", 200}, {"body", deep}},
                  {{"match", "order"},
                   {"status", 200},
                   {"body", {{"order", {{"status", std::string("ship\0ped", 8)}}}}}}};
    ASSERT_EQ(request(orders_port_, "POST", "/_fake/rules", {{"Content-Type", "application/json"}},
                      json{{"rules", rules}}.dump())
                  .status,
              200);
    auto conversation = writes("track");
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    for (const auto& number : {"D-1", "D-2"}) {
        auto before = flow_texts(conversation).size();
        writes(number);
        ASSERT_TRUE(texts_are(conversation, before + 1)) << server_->log();
        EXPECT_EQ(flow_texts(conversation).back(),
                  std::string("I could not find order ") + number + ".");
        ASSERT_TRUE(run_is(conversation, "completed"));
        writes("track");
        ASSERT_TRUE(texts_are(conversation, before + 2)) << server_->log();
    }
    std::string errors;
    auto runs = json::parse(call("GET", "/api/conversations/" + conversation + "/flow-runs").body);
    for (const auto& run : runs["items"]) {
        for (const auto& s : run["steps"]) errors += s["error"].dump() + " ";
    }
    EXPECT_NE(errors.find("nested too deeply"), std::string::npos) << errors;
    EXPECT_NE(errors.find("NUL"), std::string::npos) << errors;
}

TEST_F(FlowsApiTest, AnAddressTheEnvironmentDoesNotAllowIsRefused) {
    extra_.erase("FLOW_API_ALLOWLIST");
    start();
    ASSERT_EQ(call("PUT", "/api/flow-secrets/orders", {{"value", kOrdersToken}}).status, 204);
    published(tracking_flow(base()));
    auto conversation = writes("track");
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    writes("A-1");
    ASSERT_TRUE(texts_are(conversation, 2)) << server_->log();
    EXPECT_EQ(flow_texts(conversation)[1], "I could not find order A-1.");
    EXPECT_EQ(order_requests().size(), 0u);
    std::string errors;
    auto run = run_of(conversation);
    for (const auto& s : run["steps"]) errors += s["error"].dump();
    EXPECT_NE(errors.find("FLOW_API_ALLOWLIST"), std::string::npos) << errors;
}

TEST_F(FlowsApiTest, ACustomerPicksARowOfAList) {
    published(list_flow());
    auto conversation = writes("shops");
    ASSERT_TRUE(texts_are(conversation, 1)) << server_->log();
    taps(conversation, 0, "south");
    ASSERT_TRUE(texts_are(conversation, 2)) << server_->log();
    EXPECT_EQ(flow_texts(conversation)[1], "South shop: 9 Low Road.");

    writes("shops");
    ASSERT_TRUE(texts_are(conversation, 3)) << server_->log();
    taps(conversation, 2, "north");
    ASSERT_TRUE(texts_are(conversation, 4)) << server_->log();
    EXPECT_EQ(flow_texts(conversation)[3], "North: 1 High Street.");
    std::string outcomes;
    auto run = run_of(conversation);
    for (const auto& s : run["steps"]) outcomes += s["outcome"].dump() + " ";
    EXPECT_NE(outcomes.find("\"row:north\""), std::string::npos) << outcomes;
}

}  // namespace
}  // namespace botflow::test
