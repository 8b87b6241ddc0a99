// The real botflow binary over HTTP: system routes, errors, limits, timeouts, static files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

namespace botflow::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ServerTest : public ::testing::Test {
protected:
    void start(std::map<std::string, std::string> extra = {}) {
        auto env = server_env(db_);
        for (auto& [k, v] : extra) env[k] = v;
        ASSERT_TRUE(server_.start(env)) << server_.log();
    }
    HttpResponse get(const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& headers = {}) {
        return request(server_.port(), "GET", target, headers);
    }
    void expect_problem(const HttpResponse& r, int status) {
        EXPECT_EQ(r.status, status) << r.body;
        EXPECT_EQ(r.header("content-type"), "application/problem+json");
        auto body = json::parse(r.body);
        EXPECT_EQ(body["status"], status);
        EXPECT_TRUE(body["type"].is_string());
        EXPECT_TRUE(body["title"].is_string());
        EXPECT_FALSE(body["detail"].get<std::string>().empty());
        EXPECT_EQ(body["request_id"], r.header("x-request-id"));
    }
    bool wait_ready(std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (get("/api/ready").status == 200) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }

    TestDatabase db_;
    ServerProcess server_;
};

TEST_F(ServerTest, HealthAnswersAndEchoesRequestId) {
    start();
    auto r = get("/api/health", {{"X-Request-Id", "trace-42"}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("x-request-id"), "trace-42");
    EXPECT_EQ(json::parse(r.body)["status"], "ok");
    EXPECT_TRUE(server_.log_contains("request_id=trace-42"));

    auto generated = get("/api/health", {{"X-Request-Id", "bad id with spaces"}});
    EXPECT_EQ(generated.header("x-request-id").size(), 16u);
}

TEST_F(ServerTest, ReadyWhenPostgresAndRedisAnswer) {
    start();
    ASSERT_TRUE(wait_ready(std::chrono::seconds(5)));
    auto body = json::parse(get("/api/ready").body);
    EXPECT_EQ(body["checks"]["postgres"], "ok");
    EXPECT_EQ(body["checks"]["redis"], "ok");
}

TEST_F(ServerTest, ReadyNamesRedisWhenItIsUnreachable) {
    start({{"REDIS_URL", "redis://127.0.0.1:1"}});
    auto r = get("/api/ready");
    expect_problem(r, 503);
    auto body = json::parse(r.body);
    EXPECT_EQ(body["checks"]["postgres"], "ok");
    EXPECT_EQ(body["checks"]["redis"], "unavailable");
    EXPECT_NE(body["detail"].get<std::string>().find("Redis"), std::string::npos);
    EXPECT_EQ(get("/api/health").status, 200);
}

TEST_F(ServerTest, MetricsInPrometheusFormat) {
    start();
    get("/api/health");
    get("/api/nothing-here");
    auto r = get("/metrics");
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.header("content-type").find("text/plain"), std::string::npos);
    for (const char* line :
         {"botflow_http_requests_total{method=\"GET\",route=\"/api/health\",status=\"200\"} 1",
          "botflow_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1",
          "botflow_http_request_duration_seconds_bucket{route=\"/api/health\",le=\"+Inf\"} 1",
          "botflow_db_pool_connections{state=\"size\"} 4", "botflow_db_pool_waiting ",
          "botflow_redis_connected ", "botflow_build_info{version=\"0.1.0\""}) {
        EXPECT_NE(r.body.find(line), std::string::npos) << line << "\n" << r.body;
    }
}

TEST_F(ServerTest, MetricsRequireTheTokenWhenOneIsSet) {
    start({{"METRICS_TOKEN", "a-long-metrics-token-123"}});
    expect_problem(get("/metrics"), 401);
    expect_problem(get("/metrics", {{"Authorization", "Bearer wrong-token-wrong-token"}}), 401);
    EXPECT_EQ(get("/metrics", {{"Authorization", "Bearer a-long-metrics-token-123"}}).status, 200);
}

TEST_F(ServerTest, UnknownApiRouteIs404Problem) {
    start();
    auto r = get("/api/does-not-exist");
    expect_problem(r, 404);
    EXPECT_EQ(json::parse(r.body)["instance"], "/api/does-not-exist");
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
    start();
    auto r = request(server_.port(), "DELETE", "/api/health");
    expect_problem(r, 405);
    EXPECT_EQ(r.header("allow"), "GET, HEAD");
    auto post_static = request(server_.port(), "POST", "/index.html", {}, "x");
    expect_problem(post_static, 405);
}

TEST_F(ServerTest, HeadAnswersHeadersWithoutBody) {
    start();
    auto r = request(server_.port(), "HEAD", "/api/health");
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.body.empty());
    EXPECT_NE(r.header("content-length"), "0");
}

TEST_F(ServerTest, BodyOverTheLimitIs413BeforeItIsSent) {
    start();
    Connection c(server_.port());
    c.send("POST /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152\r\n\r\n");
    auto r = c.read_response();
    ASSERT_TRUE(r);
    expect_problem(*r, 413);
    EXPECT_NE(json::parse(r->body)["detail"].get<std::string>().find("1048576"), std::string::npos);
}

TEST_F(ServerTest, BodyOverTheLimitSentAnywayStillGets413NotAReset) {
    start();
    Connection c(server_.port());
    // The client sends its whole body without waiting; the server must not close on unread
    // bytes (which makes the kernel send RST and lose the 413).
    c.send("POST /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152\r\n\r\n" +
           std::string(2097152, 'x'));
    auto r = c.read_response();
    ASSERT_TRUE(r) << "no 413 received";
    expect_problem(*r, 413);
}

TEST_F(ServerTest, ExpectContinueIsAnsweredBeforeTheBody) {
    start();
    Connection c(server_.port());
    std::string body = R"({"email":"nobody@example.com","password":"not a password"})";
    c.send(
        "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Expect: 100-continue\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n");
    auto interim = c.read_available(std::chrono::seconds(2));
    EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue\r\n", 0), 0u) << interim;
    c.send(body);
    auto r = c.read_response();
    ASSERT_TRUE(r);
    expect_problem(*r, 401);  // the body was read and the route answered

    // Too large: refused at once, no 100 Continue.
    Connection big(server_.port());
    big.send(
        "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
        "Content-Length: 5000000\r\n\r\n");
    auto refused = big.read_available(std::chrono::seconds(2));
    EXPECT_EQ(refused.rfind("HTTP/1.1 413", 0), 0u) << refused.substr(0, 80);
}

TEST_F(ServerTest, ChunkedBodyOverTheLimitIs413) {
    start();
    Connection c(server_.port());
    c.send("POST /api/health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    std::string chunk(64 * 1024, 'a');
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    for (int i = 0; i < 20; ++i) {
        if (!c.send(size + chunk + "\r\n")) break;
    }
    auto r = c.read_response();
    ASSERT_TRUE(r);
    expect_problem(*r, 413);
}

TEST_F(ServerTest, OversizedHeaderIs431) {
    start();
    Connection c(server_.port());
    c.send("GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n");
    auto r = c.read_response();
    ASSERT_TRUE(r);
    expect_problem(*r, 431);
}

TEST_F(ServerTest, MalformedRequestIs400) {
    start();
    Connection c(server_.port());
    c.send("GET /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n");
    auto r = c.read_response();
    ASSERT_TRUE(r);
    expect_problem(*r, 400);
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
    start();
    Connection c(server_.port());
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(c.send("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"));
        auto r = c.read_response();
        ASSERT_TRUE(r) << "request " << i;
        EXPECT_EQ(r->status, 200);
    }
}

TEST_F(ServerTest, SlowLorisConnectionIsClosed) {
    start({{"HTTP_IDLE_TIMEOUT_SECONDS", "1"}});
    Connection c(server_.port());
    c.send("GET /api/health HTTP/1.1\r\nHost: x\r\n");
    // Keep dribbling header bytes: the deadline covers the whole header, not each byte.
    auto started = std::chrono::steady_clock::now();
    bool closed = false;
    for (int i = 0; i < 30 && !closed; ++i) {
        c.send("X-Drip: a\r\n");
        closed = c.closed_within(std::chrono::milliseconds(200));
    }
    EXPECT_TRUE(closed);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
    start({{"HTTP_IDLE_TIMEOUT_SECONDS", "1"}});
    Connection c(server_.port());
    c.send("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(c.read_response());
    EXPECT_TRUE(c.closed_within(std::chrono::seconds(3)));
}

TEST_F(ServerTest, ServesTheOpenApiDocumentWithThisServersUrl) {
    start({{"PUBLIC_URL", "https://support.example.com/"},
           {"ADMIN_EMAIL", "owner@example.com"},
           {"ADMIN_PASSWORD", "owner password"}});
    expect_problem(get("/api/openapi.json"), 401);
    auto token = login(server_.port(), "owner@example.com", "owner password");
    auto r = get("/api/openapi.json", {{"Authorization", "Bearer " + token}});
    ASSERT_EQ(r.status, 200);
    auto doc = json::parse(r.body);
    EXPECT_EQ(doc["openapi"], "3.1.0");
    EXPECT_EQ(doc["servers"][0]["url"], "https://support.example.com");
    EXPECT_TRUE(doc["paths"].contains("/api/health"));
}

class StaticFilesTest : public ServerTest {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("botflow-web-" + std::to_string(getpid()));
        outside_ = fs::temp_directory_path() / ("botflow-secret-" + std::to_string(getpid()));
        fs::create_directories(root_ / "_next/static/chunks");
        fs::create_directories(root_ / "docs");
        write(root_ / "index.html", "<h1>home</h1>");
        write(root_ / "about.html", "<h1>about</h1>");
        write(root_ / "docs/index.html", "<h1>docs</h1>");
        write(root_ / "404.html", "<h1>not here</h1>");
        write(root_ / "_next/static/chunks/app-3f2a.js", "console.log(1)");
        write(root_ / "logo.svg", "<svg/>");
        write(root_ / ".env", "SECRET=1");
        write(outside_, "top secret");
        fs::create_symlink(outside_, root_ / "leak.txt");
        start({{"WEB_DIR", root_.string()}});
    }
    void TearDown() override {
        fs::remove_all(root_);
        fs::remove(outside_);
    }
    static void write(const fs::path& p, const std::string& content) {
        std::ofstream(p) << content;
    }
    fs::path root_;
    fs::path outside_;
};

TEST_F(StaticFilesTest, ServesIndexWithoutCaching) {
    auto r = get("/");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "<h1>home</h1>");
    EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(r.header("cache-control"), "no-cache");
    EXPECT_FALSE(r.header("etag").empty());
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutable) {
    auto r = get("/_next/static/chunks/app-3f2a.js");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(r.header("cache-control"), "public, max-age=31536000, immutable");
    EXPECT_EQ(get("/logo.svg").header("content-type"), "image/svg+xml");
}

TEST_F(StaticFilesTest, ConditionalGetAnswers304) {
    auto first = get("/about.html");
    ASSERT_EQ(first.status, 200);
    auto again = get("/about.html", {{"If-None-Match", first.header("etag")}});
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
    EXPECT_EQ(again.header("etag"), first.header("etag"));
    auto other = get("/about.html", {{"If-None-Match", "\"something-else\""}});
    EXPECT_EQ(other.status, 200);
}

TEST_F(StaticFilesTest, ClientRoutesResolveToHtml) {
    EXPECT_EQ(get("/about").body, "<h1>about</h1>");
    EXPECT_EQ(get("/docs").body, "<h1>docs</h1>");
    EXPECT_EQ(get("/docs/").body, "<h1>docs</h1>");
}

TEST_F(StaticFilesTest, UnknownPageGetsThe404Page) {
    auto r = get("/no/such/page");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body, "<h1>not here</h1>");
}

TEST_F(StaticFilesTest, TraversalTricksAre404) {
    for (const char* target :
         {"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/docs/..%2f..%2fetc%2fpasswd",
          "/%2E%2E%5C%2E%2E%5Cetc%5Cpasswd", "/docs/%2e%2e/%2e%2e/etc/passwd", "/index.html%00.js",
          "/.env", "/%2eenv", "/leak.txt", "/docs/%2fetc%2fpasswd", "/..", "/%ZZ"}) {
        auto r = get(target);
        EXPECT_TRUE(r.status == 404 || r.status == 400) << target << " -> " << r.status;
        EXPECT_EQ(r.body.find("top secret"), std::string::npos) << target;
        EXPECT_EQ(r.body.find("root:"), std::string::npos) << target;
        EXPECT_EQ(r.body.find("SECRET=1"), std::string::npos) << target;
    }
}

// Railway's variables only: the public domain it generated, and the parts its PostgreSQL and
// Redis services set (no PUBLIC_URL, DATABASE_URL or REDIS_URL).
TEST_F(ServerTest, OnRailwayTheUrlDatabaseAndRedisComeFromRailwaysVariables) {
    std::smatch pg, rd;
    const std::string db_url = db_.url(), redis = redis_url();
    ASSERT_TRUE(std::regex_match(db_url, pg,
                                 std::regex(R"(postgres(?:ql)?://([^@:/]+)@([^:/]+):(\d+)/(.+))")))
        << db_url;
    ASSERT_TRUE(std::regex_match(redis, rd, std::regex(R"(redis://([^:/]+):(\d+)/?)"))) << redis;
    start({{"DATABASE_URL", ""},
           {"REDIS_URL", ""},
           {"PUBLIC_URL", ""},
           {"RAILWAY_PUBLIC_DOMAIN", "botflow-production.up.railway.app"},
           {"PGUSER", pg[1]},
           {"PGHOST", pg[2]},
           {"PGPORT", pg[3]},
           {"PGDATABASE", pg[4]},
           {"REDISHOST", rd[1]},
           {"REDISPORT", rd[2]}});
    ASSERT_TRUE(wait_ready(std::chrono::seconds(10))) << server_.log();
    const std::string url = "https://botflow-production.up.railway.app";
    EXPECT_TRUE(server_.log_contains("url=" + url + " ")) << server_.log();
    // No owner yet: the one-time setup link in the deploy log is on that URL.
    EXPECT_TRUE(server_.log_contains("setup_url=" + url + "/setup?token=")) << server_.log();
    // Secure cookies and HSTS follow the https URL.
    EXPECT_NE(get("/api/health").header("strict-transport-security"), "");
}

TEST(ServerConfig, OnRailwayAMissingDatabaseSaysWhichVariableAndWhereToSetIt) {
    auto r = run_botflow({"serve"}, {{"DATABASE_URL", ""},
                                     {"PGHOST", ""},
                                     {"REDIS_URL", ""},
                                     {"REDISHOST", ""},
                                     {"RAILWAY_PUBLIC_DOMAIN", "botflow-production.up.railway.app"},
                                     {"JWT_SECRET", "test-secret-test-secret-test-secret-0123"}});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("DATABASE_URL = ${{Postgres.DATABASE_URL}}"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("REDIS_URL = ${{Redis.REDIS_URL}}"), std::string::npos) << r.output;
}

TEST(ServerConfig, InvalidEnvironmentExits2NamingEachVariable) {
    auto r = run_botflow({"serve"}, {{"DATABASE_URL", "mysql://nope"},
                                     {"REDIS_URL", ""},
                                     {"PORT", "70000"},
                                     {"DB_POOL_SIZE", "zero"}});
    EXPECT_EQ(r.exit_code, 2);
    for (const char* name : {"DATABASE_URL", "REDIS_URL", "PORT", "DB_POOL_SIZE"}) {
        EXPECT_NE(r.output.find(std::string("  ") + name + " "), std::string::npos) << name << "\n"
                                                                                    << r.output;
    }
}

}  // namespace
}  // namespace botflow::test
