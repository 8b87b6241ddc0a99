// util::HttpClient (libcurl multi on Asio) against a real HTTP server: the fake Graph API.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "botflow/core/error.hpp"
#include "botflow/util/http_client.hpp"
#include "support/fake_graph.hpp"

namespace botflow::test {
namespace {

using namespace std::chrono_literals;

struct Outcome {
    std::optional<util::HttpResponse> response;
    std::string error;  // the cause of a thrown Error
};

// A coroutine takes its arguments by value (a capturing lambda would dangle once suspended).
asio::awaitable<void> perform(util::HttpClient* client, Outcome* out, util::HttpRequest r) {
    try {
        out->response = co_await client->request(std::move(r));
    } catch (const Error& e) {
        out->error = e.cause().empty() ? e.detail() : e.cause();
    }
}

// Runs the requests concurrently on one io_context thread and returns their outcomes.
std::vector<Outcome> run_all(std::vector<util::HttpRequest> requests) {
    asio::io_context io;
    util::HttpClient client(io);
    std::vector<Outcome> out(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
        asio::co_spawn(io, perform(&client, &out[i], std::move(requests[i])), asio::detached);
    }
    io.run_for(30s);
    EXPECT_EQ(client.in_flight(), 0);
    return out;
}

util::HttpRequest get(const FakeGraph& fake, const std::string& path) {
    util::HttpRequest r;
    r.url = fake.base_url() + path;
    r.headers.push_back("Authorization: Bearer test-access-token");
    return r;
}

TEST(HttpClient, PostsAndReadsJson) {
    FakeGraph fake;
    auto r = get(fake, "/v25.0/123/messages");
    r.method = "POST";
    r.headers.emplace_back("Content-Type: application/json");
    r.body = R"({"messaging_product":"whatsapp","to":"+15551234567","type":"text",)"
             R"("text":{"body":"hi"}})";
    auto out = run_all({r});
    ASSERT_TRUE(out[0].response) << out[0].error;
    EXPECT_EQ(out[0].response->status, 200);
    EXPECT_EQ(out[0].response->header("content-type"), "application/json");
    auto body = nlohmann::json::parse(out[0].response->body);
    EXPECT_EQ(body["messages"][0]["id"], "wamid.FAKE00000001");
    auto seen = fake.requests();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0]["body"]["text"]["body"], "hi");
}

TEST(HttpClient, ManyExchangesAtOnceOnOneThread) {
    FakeGraph fake;
    fake.rules(nlohmann::json::array({{{"match", "media"}, {"times", -1}, {"delay_ms", 200}}}));
    fake.add_media("m1", "image/png", "png bytes");
    std::vector<util::HttpRequest> requests(40, get(fake, "/v25.0/m1"));
    auto started = std::chrono::steady_clock::now();
    auto out = run_all(requests);
    auto took = std::chrono::steady_clock::now() - started;
    for (const auto& o : out) {
        ASSERT_TRUE(o.response) << o.error;
        EXPECT_EQ(o.response->status, 200);
    }
    // Forty 200 ms answers, one after another, would take 8 s.
    EXPECT_LT(took, 2s);
}

TEST(HttpClient, StreamsBodiesAndEnforcesTheSizeLimit) {
    FakeGraph fake;
    std::string big(300000, 'x');
    fake.add_media("big", "application/pdf", big);
    auto stream = get(fake, "/_media/big");
    auto collected = std::make_shared<std::string>();
    auto pieces = std::make_shared<int>(0);
    stream.on_data = [collected, pieces](std::string_view piece) {
        collected->append(piece);
        ++*pieces;
        return true;
    };
    auto limited = get(fake, "/_media/big");
    limited.max_response_bytes = 1000;
    auto out = run_all({stream, limited});
    ASSERT_TRUE(out[0].response) << out[0].error;
    EXPECT_EQ(*collected, big);
    EXPECT_GT(*pieces, 1);
    EXPECT_TRUE(out[0].response->body.empty());
    EXPECT_FALSE(out[1].response);
    EXPECT_NE(out[1].error.find("larger than 1000 bytes"), std::string::npos) << out[1].error;
}

TEST(HttpClient, TransportFailuresThrowWithCurlsReason) {
    FakeGraph fake;
    fake.rules(nlohmann::json::array({{{"match", "media"}, {"times", 1}, {"delay_ms", 3000}},
                                      {{"match", "download"}, {"times", 1}, {"drop", true}}}));
    auto slow = get(fake, "/v25.0/nothing");
    slow.timeout = 300ms;
    auto dropped = get(fake, "/_media/nothing");
    util::HttpRequest refused;
    refused.url = "http://127.0.0.1:1/";
    util::HttpRequest bad_scheme;
    bad_scheme.url = "file:///etc/passwd";
    auto out = run_all({slow, dropped, refused, bad_scheme});
    for (const auto& o : out) EXPECT_FALSE(o.response) << o.response->status;
    EXPECT_NE(out[0].error.find("imed out"), std::string::npos) << out[0].error;
    EXPECT_FALSE(out[1].error.empty());
    EXPECT_FALSE(out[2].error.empty());
    EXPECT_FALSE(out[3].error.empty());
}

TEST(HttpClient, ShutdownFailsWhatIsInFlight) {
    FakeGraph fake;
    fake.rules(nlohmann::json::array({{{"match", "media"}, {"times", -1}, {"delay_ms", 5000}}}));
    asio::io_context io;
    util::HttpClient client(io);
    Outcome out;
    asio::co_spawn(io, perform(&client, &out, get(fake, "/v25.0/x")), asio::detached);
    asio::steady_timer later(io, 200ms);
    later.async_wait([&](boost::system::error_code) { client.shutdown(); });
    auto started = std::chrono::steady_clock::now();
    io.run_for(10s);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    EXPECT_FALSE(out.response);
    EXPECT_NE(out.error.find("shutting down"), std::string::npos) << out.error;
}

}  // namespace
}  // namespace botflow::test
