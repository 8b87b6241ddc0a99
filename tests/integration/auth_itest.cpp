// Accounts and sign-in against the real server, PostgreSQL and Redis.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "botflow/app/app.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

namespace botflow::test {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kOwnerEmail = "owner@shop.example";
constexpr const char* kOwnerPassword = "correct horse battery";
constexpr const char* kPublicUrl = "http://bot.shop.example";

class AuthTest : public ::testing::Test {
protected:
    void start(std::map<std::string, std::string> extra = {}) {
        auto env = server_env(db_);
        env["PUBLIC_URL"] = kPublicUrl;
        for (auto& [k, v] : extra) env[k] = v;
        ASSERT_TRUE(server_.start(env)) << server_.log();
    }
    void start_with_owner() {
        start({{"ADMIN_EMAIL", kOwnerEmail}, {"ADMIN_PASSWORD", kOwnerPassword}});
    }
    HttpResponse call(const std::string& method, const std::string& target,
                      const std::string& token = {}, const json& body = nullptr,
                      Headers headers = {}) {
        if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
        std::string payload;
        if (!body.is_null()) {
            headers.emplace_back("Content-Type", "application/json");
            payload = body.dump();
        }
        return request(server_.port(), method, target, headers, payload);
    }
    HttpResponse login_response(const std::string& email, const std::string& password) {
        return call("POST", "/api/auth/login", {}, {{"email", email}, {"password", password}});
    }
    std::string login(const std::string& email, const std::string& password) {
        auto r = login_response(email, password);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? json::parse(r.body)["token"].get<std::string>() : "";
    }
    // Invites an agent as the owner and accepts the invite; returns the agent's token.
    std::string make_agent(const std::string& owner_token, const std::string& email) {
        auto invite =
            call("POST", "/api/users", owner_token, {{"email", email}, {"role", "agent"}});
        EXPECT_EQ(invite.status, 201) << invite.body;
        auto token = json::parse(invite.body)["invite_token"].get<std::string>();
        auto accepted = call("POST", "/api/auth/accept-invite", {},
                             {{"token", token}, {"password", "agent password 1"}});
        EXPECT_EQ(accepted.status, 200) << accepted.body;
        return json::parse(accepted.body)["token"].get<std::string>();
    }
    void expect_problem(const HttpResponse& r, int status) {
        EXPECT_EQ(r.status, status) << r.body;
        EXPECT_EQ(r.header("content-type"), "application/problem+json") << r.body;
    }

    TestDatabase db_;
    ServerProcess server_;
};

TEST_F(AuthTest, SetupTokenRegistersTheFirstOwnerOnce) {
    start();
    ASSERT_TRUE(server_.log_contains("auth.setup_required"));
    std::smatch m;
    auto log = server_.log();
    ASSERT_TRUE(std::regex_search(log, m, std::regex("setup_token=([A-Za-z0-9_-]+)")));
    std::string token = m[1];
    json body{{"email", "Ana@Shop.example"},
              {"password", "a long enough password"},
              {"business_name", "Ana's Bakery"}};

    expect_problem(call("POST", "/api/auth/register", {}, body), 403);  // no token
    body["setup_token"] = "wrong-token";
    expect_problem(call("POST", "/api/auth/register", {}, body), 403);
    body["setup_token"] = token;
    body["password"] = "short";
    expect_problem(call("POST", "/api/auth/register", {}, body), 422);
    body["password"] = "a long enough password";

    auto r = call("POST", "/api/auth/register", {}, body);
    ASSERT_EQ(r.status, 201) << r.body;
    auto j = json::parse(r.body);
    EXPECT_EQ(j["user"]["email"], "ana@shop.example");
    EXPECT_EQ(j["user"]["role"], "owner");
    EXPECT_EQ(j["business_name"], "Ana's Bakery");
    EXPECT_NE(r.header("set-cookie").find("botflow_session="), std::string::npos);
    EXPECT_NE(r.header("set-cookie").find("HttpOnly"), std::string::npos);
    EXPECT_NE(r.header("set-cookie").find("SameSite=Lax"), std::string::npos);
    EXPECT_EQ(r.header("set-cookie").find("Secure"), std::string::npos);  // http PUBLIC_URL

    auto me = call("GET", "/api/auth/me", j["token"]);
    ASSERT_EQ(me.status, 200);
    EXPECT_EQ(json::parse(me.body)["business_name"], "Ana's Bakery");

    body["email"] = "intruder@evil.example";
    auto again = call("POST", "/api/auth/register", {}, body);
    expect_problem(again, 403);
    EXPECT_NE(again.body.find("Registration is closed"), std::string::npos);
}

TEST_F(AuthTest, OwnerFromEnvironmentSignsInAndOut) {
    start_with_owner();
    auto token = login(kOwnerEmail, kOwnerPassword);
    ASSERT_FALSE(token.empty());
    auto me = call("GET", "/api/auth/me", token);
    ASSERT_EQ(me.status, 200);
    EXPECT_EQ(json::parse(me.body)["role"], "owner");

    EXPECT_EQ(call("POST", "/api/auth/logout", token).status, 204);
    auto after = call("GET", "/api/auth/me", token);
    expect_problem(after, 401);
    EXPECT_NE(after.body.find("session has ended"), std::string::npos);
}

TEST_F(AuthTest, UnknownEmailAndWrongPasswordGetTheSameAnswer) {
    start_with_owner();
    auto wrong = login_response(kOwnerEmail, "not the password");
    auto unknown = login_response("nobody@shop.example", "not the password");
    expect_problem(wrong, 401);
    expect_problem(unknown, 401);
    EXPECT_EQ(json::parse(wrong.body)["detail"], json::parse(unknown.body)["detail"]);
    expect_problem(call("POST", "/api/auth/login", {}, {{"email", kOwnerEmail}}), 422);
    expect_problem(call("POST", "/api/auth/login", {}, nullptr, {{"Content-Type", "text/plain"}}),
                   415);
    auto malformed = request(server_.port(), "POST", "/api/auth/login",
                             {{"Content-Type", "application/json"}}, "{not json");
    expect_problem(malformed, 400);
}

TEST_F(AuthTest, SignInFromAnotherSitesPageIsRefused) {
    start_with_owner();
    auto port = server_.port();
    auto body = json{{"email", kOwnerEmail}, {"password", kOwnerPassword}}.dump();
    auto from = [&](const std::string& origin, const std::string& path, const std::string& b) {
        return request(port, "POST", path,
                       {{"Content-Type", "application/json"}, {"Origin", origin}}, b);
    };
    auto foreign = from("https://evil.example", "/api/auth/login", body);
    expect_problem(foreign, 403);
    EXPECT_EQ(foreign.header("set-cookie"), "");
    EXPECT_NE(foreign.body.find(kPublicUrl), std::string::npos) << foreign.body;
    auto reset = json{{"token", "whatever"}, {"password", "a new long password"}}.dump();
    expect_problem(from("https://evil.example", "/api/auth/reset-password", reset), 403);
    expect_problem(from("https://evil.example", "/api/auth/accept-invite", reset), 403);
    // Our own pages, and a client that is no page at all (curl sends no Origin), sign in.
    EXPECT_EQ(from(kPublicUrl, "/api/auth/login", body).status, 200);
    EXPECT_EQ(login_response(kOwnerEmail, kOwnerPassword).status, 200);
}

TEST_F(AuthTest, AJsonBodyWithoutItsTypeIsRefused) {
    start_with_owner();
    auto port = server_.port();
    auto body = json{{"email", kOwnerEmail}, {"password", kOwnerPassword}}.dump();
    expect_problem(request(port, "POST", "/api/auth/login", {}, body), 415);
    expect_problem(
        request(port, "POST", "/api/auth/login", {{"Content-Type", "text/plain; a=json"}}, body),
        415);
    auto charset = request(port, "POST", "/api/auth/login",
                           {{"Content-Type", "application/json; charset=utf-8"}}, body);
    EXPECT_EQ(charset.status, 200) << charset.body;
}

TEST_F(AuthTest, HostileStringsAreRefusedNotCrashed) {
    start_with_owner();
    // A NUL after a real address must neither find that account nor escape its limits.
    auto r = login_response(std::string(kOwnerEmail) + std::string(1, '\0') + "x", kOwnerPassword);
    EXPECT_TRUE(r.status == 401 || r.status == 422) << r.status << " " << r.body;
    auto owner = login(kOwnerEmail, kOwnerPassword);
    auto users = json::parse(call("GET", "/api/users", owner).body)["items"];
    std::string owner_id = users[0]["id"];
    expect_problem(call("PATCH", "/api/users/" + owner_id, owner,
                        {{"name", std::string("a") + std::string(1, '\0') + "b"}}),
                   422);
    expect_problem(call("PATCH", "/api/users/" + owner_id, owner, {{"disabled", "yes"}}), 422);
    expect_problem(call("PATCH", "/api/users/'%20OR%201=1%20--", owner, {{"name", "x"}}), 404);
    auto sql = login_response("x' OR '1'='1@shop.example", "' OR '1'='1");
    expect_problem(sql, 401);
}

TEST_F(AuthTest, RefreshKeepsTheSessionAndBadTokensAreRefused) {
    start_with_owner();
    auto token = login(kOwnerEmail, kOwnerPassword);
    auto refreshed = call("POST", "/api/auth/refresh", token);
    ASSERT_EQ(refreshed.status, 200) << refreshed.body;
    auto fresh = json::parse(refreshed.body)["token"].get<std::string>();
    EXPECT_EQ(call("GET", "/api/auth/me", fresh).status, 200);
    EXPECT_EQ(call("GET", "/api/auth/me", token).status, 200);  // same session

    expect_problem(call("GET", "/api/auth/me", "garbage"), 401);
    std::string tampered = token;
    tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
    expect_problem(call("GET", "/api/auth/me", tampered), 401);
    // alg "none" with the signature stripped.
    auto dot = token.find('.');
    std::string none =
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0" + token.substr(dot, token.rfind('.') - dot) + ".";
    expect_problem(call("GET", "/api/auth/me", none), 401);
}

TEST_F(AuthTest, PasswordChangeEndsOtherSessions) {
    start_with_owner();
    auto a = login(kOwnerEmail, kOwnerPassword);
    auto b = login(kOwnerEmail, kOwnerPassword);
    expect_problem(
        call("POST", "/api/auth/change-password", a,
             {{"current_password", "wrong one!!"}, {"new_password", "a new password 2"}}),
        422);
    auto changed =
        call("POST", "/api/auth/change-password", a,
             {{"current_password", kOwnerPassword}, {"new_password", "a new password 2"}});
    ASSERT_EQ(changed.status, 200) << changed.body;
    auto c = json::parse(changed.body)["token"].get<std::string>();
    expect_problem(call("GET", "/api/auth/me", b), 401);
    expect_problem(call("GET", "/api/auth/me", a), 401);
    EXPECT_EQ(call("GET", "/api/auth/me", c).status, 200);
    expect_problem(login_response(kOwnerEmail, kOwnerPassword), 401);
    EXPECT_FALSE(login(kOwnerEmail, "a new password 2").empty());
}

TEST_F(AuthTest, InvitedAgentSignsInButCannotManageTheTeam) {
    start_with_owner();
    auto owner = login(kOwnerEmail, kOwnerPassword);
    auto agent = make_agent(owner, "agent@shop.example");
    auto me = call("GET", "/api/auth/me", agent);
    ASSERT_EQ(me.status, 200);
    EXPECT_EQ(json::parse(me.body)["role"], "agent");
    expect_problem(call("GET", "/api/users", agent), 403);
    expect_problem(call("GET", "/api/audit", agent), 403);
    expect_problem(call("POST", "/api/users", agent, {{"email", "x@y.z"}, {"role", "owner"}}), 403);

    // The same invite cannot be used twice, and the email cannot be invited twice.
    auto users = json::parse(call("GET", "/api/users", owner).body)["items"];
    EXPECT_EQ(users.size(), 2u);
    expect_problem(
        call("POST", "/api/users", owner, {{"email", "agent@shop.example"}, {"role", "agent"}}),
        409);
    expect_problem(
        call("POST", "/api/users", owner, {{"email", "z@shop.example"}, {"role", "boss"}}), 422);
}

TEST_F(AuthTest, DisablingAUserEndsTheirSessionsAndTheLastOwnerStays) {
    start_with_owner();
    auto owner = login(kOwnerEmail, kOwnerPassword);
    make_agent(owner, "agent@shop.example");
    auto agent = login("agent@shop.example", "agent password 1");
    auto users = json::parse(call("GET", "/api/users", owner).body)["items"];
    std::string agent_id, owner_id;
    for (const auto& u : users) (u["role"] == "agent" ? agent_id : owner_id) = u["id"];

    auto disabled = call("PATCH", "/api/users/" + agent_id, owner, {{"disabled", true}});
    ASSERT_EQ(disabled.status, 200) << disabled.body;
    expect_problem(call("GET", "/api/auth/me", agent), 401);
    expect_problem(login_response("agent@shop.example", "agent password 1"), 403);

    expect_problem(call("PATCH", "/api/users/" + owner_id, owner, {{"role", "agent"}}), 409);
    expect_problem(call("PATCH", "/api/users/" + owner_id, owner, {{"disabled", true}}), 409);
    expect_problem(call("DELETE", "/api/users/" + owner_id, owner), 409);
    expect_problem(call("PATCH", "/api/users/not-a-uuid", owner, {{"name", "x"}}), 404);
    expect_problem(call("DELETE", "/api/users/00000000-0000-0000-0000-000000000000", owner), 404);
    EXPECT_EQ(call("DELETE", "/api/users/" + agent_id, owner).status, 204);
}

TEST_F(AuthTest, AnInvitedOwnerWhoNeverSignedInDoesNotCountAsTheLastOwner) {
    start_with_owner();
    auto owner = login(kOwnerEmail, kOwnerPassword);
    auto invite =
        call("POST", "/api/users", owner, {{"email", "second@shop.example"}, {"role", "owner"}});
    ASSERT_EQ(invite.status, 201);
    auto users = json::parse(call("GET", "/api/users", owner).body)["items"];
    std::string owner_id;
    for (const auto& u : users) {
        if (u["email"] == kOwnerEmail) owner_id = u["id"];
    }
    expect_problem(call("PATCH", "/api/users/" + owner_id, owner, {{"role", "agent"}}), 409);
    expect_problem(call("DELETE", "/api/users/" + owner_id, owner), 409);

    // Once the second owner has a password, the first may leave (and the audit survives it).
    auto token = json::parse(invite.body)["invite_token"].get<std::string>();
    ASSERT_EQ(call("POST", "/api/auth/accept-invite", {},
                   {{"token", token}, {"password", "second password"}})
                  .status,
              200);
    // Accepting signs in: the team list shows when.
    for (const auto& u : json::parse(call("GET", "/api/users", owner).body)["items"]) {
        if (u["email"] == "second@shop.example") EXPECT_TRUE(u["last_login_at"].is_string()) << u;
    }
    EXPECT_EQ(call("DELETE", "/api/users/" + owner_id, owner).status, 204);
    expect_problem(call("GET", "/api/auth/me", owner), 401);
    auto second = login("second@shop.example", "second password");
    auto audit = json::parse(call("GET", "/api/audit", second).body)["items"];
    bool deleted = false;
    for (const auto& e : audit) deleted = deleted || e["action"] == "user.delete";
    EXPECT_TRUE(deleted) << audit.dump();
}

TEST_F(AuthTest, UsingOneLinkRetiresTheOthers) {
    start_with_owner();
    auto owner = login(kOwnerEmail, kOwnerPassword);
    auto invite =
        call("POST", "/api/users", owner, {{"email", "late@shop.example"}, {"role", "agent"}});
    ASSERT_EQ(invite.status, 201);
    auto invite_token = json::parse(invite.body)["invite_token"].get<std::string>();
    std::map<std::string, std::string> env{{"DATABASE_URL", db_.url()}, {"PUBLIC_URL", kPublicUrl}};
    auto reset = run_botflow({"reset-password", "late@shop.example"}, env);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(reset.output, m, std::regex("token=([A-Za-z0-9_-]+)")));
    ASSERT_EQ(call("POST", "/api/auth/reset-password", {},
                   {{"token", m[1].str()}, {"password", "chosen password"}})
                  .status,
              200);
    expect_problem(call("POST", "/api/auth/accept-invite", {},
                        {{"token", invite_token}, {"password", "hijacked password"}}),
                   422);
    EXPECT_FALSE(login("late@shop.example", "chosen password").empty());
}

TEST_F(AuthTest, CookieSessionsMustComeFromOurOrigin) {
    start_with_owner();
    auto r = login_response(kOwnerEmail, kOwnerPassword);
    auto cookie = r.header("set-cookie").substr(0, r.header("set-cookie").find(';'));
    // Reading with the cookie needs no Origin; changing state does.
    EXPECT_EQ(call("GET", "/api/auth/me", {}, nullptr, {{"Cookie", cookie}}).status, 200);
    expect_problem(call("POST", "/api/auth/refresh", {}, nullptr, {{"Cookie", cookie}}), 403);
    expect_problem(call("POST", "/api/auth/refresh", {}, nullptr,
                        {{"Cookie", cookie}, {"Origin", "https://evil.example"}}),
                   403);
    expect_problem(
        call("POST", "/api/auth/refresh", {}, nullptr,
             {{"Cookie", cookie}, {"Referer", "https://evil.example/" + std::string(kPublicUrl)}}),
        403);
    EXPECT_EQ(
        call("POST", "/api/auth/refresh", {}, nullptr, {{"Cookie", cookie}, {"Origin", kPublicUrl}})
            .status,
        200);
    EXPECT_EQ(call("POST", "/api/auth/refresh", {}, nullptr,
                   {{"Cookie", cookie}, {"Referer", std::string(kPublicUrl) + "/settings"}})
                  .status,
              200);
}

TEST_F(AuthTest, TooManyLoginAttemptsAre429WithRetryAfter) {
    start_with_owner();
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(login_response(kOwnerEmail, "wrong password " + std::to_string(i)).status, 401);
    }
    auto r = login_response(kOwnerEmail, kOwnerPassword);
    expect_problem(r, 429);
    int retry = std::stoi(r.header("retry-after"));
    EXPECT_GT(retry, 0);
    EXPECT_LE(retry, 900);
}

TEST_F(AuthTest, AStrangersWrongPasswordsDoNotKeepTheOwnerOut) {
    start({{"ADMIN_EMAIL", kOwnerEmail}, {"ADMIN_PASSWORD", kOwnerPassword}, {"TRUST_PROXY", "1"}});
    auto from = [&](const std::string& ip, const std::string& password) {
        return call("POST", "/api/auth/login", {}, {{"email", kOwnerEmail}, {"password", password}},
                    {{"X-Forwarded-For", ip}});
    };
    // The stranger's address is refused after 10 failures, and its whole /64 with it.
    for (int i = 0; i < 10; ++i) EXPECT_EQ(from("2001:db8:1:2::7", "guess").status, 401) << i;
    expect_problem(from("2001:db8:1:2::7", "guess"), 429);
    expect_problem(from("2001:db8:1:2:ffff::1", "guess"), 429);
    // The owner, from elsewhere, signs in.
    EXPECT_EQ(from("203.0.113.9", kOwnerPassword).status, 200);
}

TEST_F(AuthTest, ASuccessfulSignInForgetsTheFailuresBeforeIt) {
    start({{"ADMIN_EMAIL", kOwnerEmail}, {"ADMIN_PASSWORD", kOwnerPassword}, {"TRUST_PROXY", "1"}});
    auto from_home = [&](const std::string& password) {
        return call("POST", "/api/auth/login", {}, {{"email", kOwnerEmail}, {"password", password}},
                    {{"X-Forwarded-For", "198.51.100.4"}});
    };
    // Without the reset, the 11th failure below would be refused.
    for (int round = 0; round < 2; ++round) {
        for (int i = 0; i < 9; ++i) EXPECT_EQ(from_home("typo").status, 401) << round << " " << i;
        EXPECT_EQ(from_home(kOwnerPassword).status, 200) << round;
    }
}

TEST_F(AuthTest, AuditRecordsSignInsAndFailures) {
    start_with_owner();
    login_response(kOwnerEmail, "wrong password!");
    auto owner = login(kOwnerEmail, kOwnerPassword);
    auto r = call("GET", "/api/audit?limit=10", owner);
    ASSERT_EQ(r.status, 200) << r.body;
    std::vector<std::string> actions;
    auto body = json::parse(r.body);
    for (const auto& e : body["items"]) actions.push_back(e["action"]);
    EXPECT_NE(std::find(actions.begin(), actions.end(), "user.login"), actions.end());
    EXPECT_NE(std::find(actions.begin(), actions.end(), "user.login_failed"), actions.end());
    expect_problem(call("GET", "/api/audit?limit=0", owner), 422);
    expect_problem(call("GET", "/api/audit?before=abc", owner), 422);
}

TEST_F(AuthTest, OperatorCommandsCreateUsersAndResetPasswords) {
    start_with_owner();
    std::map<std::string, std::string> env{{"DATABASE_URL", db_.url()}, {"PUBLIC_URL", kPublicUrl}};
    auto created = run_botflow({"create-user", "Helper@Shop.example", "--role", "agent"}, env);
    ASSERT_EQ(created.exit_code, 0) << created.output;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(created.output, m,
                                  std::regex("/accept-invite\\?token=([A-Za-z0-9_-]+)")));
    auto accepted = call("POST", "/api/auth/accept-invite", {},
                         {{"token", m[1].str()}, {"password", "helper password"}});
    EXPECT_EQ(accepted.status, 200) << accepted.body;
    EXPECT_EQ(run_botflow({"create-user", "helper@shop.example", "--role", "agent"}, env).exit_code,
              1);

    auto session = login(kOwnerEmail, kOwnerPassword);
    auto reset = run_botflow({"reset-password", kOwnerEmail}, env);
    ASSERT_EQ(reset.exit_code, 0) << reset.output;
    ASSERT_TRUE(
        std::regex_search(reset.output, m, std::regex("/reset-password\\?token=([A-Za-z0-9_-]+)")));
    std::string token = m[1];
    auto done = call("POST", "/api/auth/reset-password", {},
                     {{"token", token}, {"password", "brand new password"}});
    ASSERT_EQ(done.status, 200) << done.body;
    expect_problem(call("GET", "/api/auth/me", session), 401);  // reset ends sessions
    EXPECT_FALSE(login(kOwnerEmail, "brand new password").empty());
    expect_problem(call("POST", "/api/auth/reset-password", {},
                        {{"token", token}, {"password", "another password"}}),
                   422);  // one use only
    EXPECT_EQ(run_botflow({"reset-password", "nobody@shop.example"}, env).exit_code, 1);
}

TEST_F(AuthTest, EveryResponseCarriesSecurityHeaders) {
    start({{"PUBLIC_URL", "https://bot.shop.example"},
           {"ADMIN_EMAIL", kOwnerEmail},
           {"ADMIN_PASSWORD", kOwnerPassword}});
    for (const char* target : {"/api/health", "/", "/api/nope"}) {
        auto r = request(server_.port(), "GET", target);
        EXPECT_EQ(r.header("x-content-type-options"), "nosniff") << target;
        EXPECT_EQ(r.header("x-frame-options"), "DENY") << target;
        EXPECT_FALSE(r.header("referrer-policy").empty()) << target;
        EXPECT_NE(r.header("content-security-policy").find("frame-ancestors 'none'"),
                  std::string::npos)
            << target;
        EXPECT_NE(r.header("strict-transport-security").find("max-age="), std::string::npos)
            << target;
    }
    auto r = login_response(kOwnerEmail, kOwnerPassword);
    EXPECT_NE(r.header("set-cookie").find("; Secure"), std::string::npos);
}

// The route table itself decides what is tested: a route added later is covered by these
// two tests without anyone listing it.
std::vector<http::Route> route_table() {
    auto result = config::load({{"DATABASE_URL", "postgresql://u@127.0.0.1:1/x"},
                                {"REDIS_URL", "redis://127.0.0.1:1"},
                                {"JWT_SECRET", "0123456789abcdef0123456789abcdef"}},
                               config::Purpose::serve);
    App app(std::get<config::Config>(std::move(result)));
    return app.router.routes();
}

std::string concrete_path(const std::string& pattern) {
    return std::regex_replace(pattern, std::regex(":[a-z_]+"),
                              "00000000-0000-0000-0000-000000000000");
}

TEST_F(AuthTest, EveryNonPublicRouteRefusesAnonymousCallers) {
    start_with_owner();
    int checked = 0;
    for (const auto& route : route_table()) {
        if (route.options.access == http::Access::public_) continue;
        std::string method(http::method_name(route.method));
        auto r = call(method, concrete_path(route.pattern), {}, json::object());
        EXPECT_EQ(r.status, 401) << method << " " << route.pattern;
        ++checked;
    }
    EXPECT_GT(checked, 5);
}

TEST_F(AuthTest, EveryOwnerRouteRefusesAgents) {
    start_with_owner();
    auto owner = login(kOwnerEmail, kOwnerPassword);
    auto agent = make_agent(owner, "agent@shop.example");
    int checked = 0;
    for (const auto& route : route_table()) {
        if (route.options.access != http::Access::owner) continue;
        std::string method(http::method_name(route.method));
        auto r = call(method, concrete_path(route.pattern), agent, json::object());
        EXPECT_EQ(r.status, 403) << method << " " << route.pattern;
        ++checked;
    }
    EXPECT_GT(checked, 3);
}

TEST(AuthPublicRoutes, OnlyTheIssuesListIsPublic) {
    std::set<std::string> allowed = {
        "GET /api/health", "GET /api/ready", "GET /metrics", "POST /api/auth/login",
        "POST /api/auth/register", "POST /api/auth/accept-invite", "POST /api/auth/reset-password",
        "POST /api/webhook/whatsapp", "GET /api/webhook/whatsapp",
        // Only whether the first owner is still to be registered.
        "GET /api/setup",
        // Signs in itself: the token may come in the subprotocols.
        "GET /api/ws"};
    for (const auto& route : route_table()) {
        if (route.options.access != http::Access::public_) continue;
        std::string key = std::string(http::method_name(route.method)) + " " + route.pattern;
        EXPECT_TRUE(allowed.count(key)) << key << " is public but not meant to be";
    }
}

}  // namespace
}  // namespace botflow::test
