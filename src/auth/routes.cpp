// /api/auth/*: register (setup token), login, logout, me, refresh, change and reset password,
// accept an invite.
#include <pqxx/pqxx>

#include "auth_common.hpp"
#include "botflow/auth/rate_limit.hpp"
#include "botflow/auth/sessions.hpp"
#include "botflow/config/config.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/http/router.hpp"
#include "botflow/store/db.hpp"
#include "botflow/util/redis_client.hpp"

namespace botflow::auth {
namespace {

using http::Request;
using http::Response;

constexpr long kAttemptLimit = 10;
constexpr std::chrono::seconds kAttemptWindow{15 * 60};

asio::awaitable<void> limit_by_ip(Module& mod, const Request& req, const std::string& what) {
    co_await count_attempt(
        mod.redis,
        mod.config.redis_prefix + "rl:" + what + ":ip:" + limit_address(client_ip(mod, req)),
        kAttemptLimit, kAttemptWindow, what);
}

// Sign-in counts failures only, so that a stranger's wrong passwords cannot keep the owner
// out: per address and account (tight, reset by a success), per address (any account), and
// per account (loose; past kDelayAfter, each failure makes the next attempt wait longer).
constexpr long kPairLimit = 10;
constexpr long kAddressLimit = 30;
constexpr long kAccountLimit = 50;
constexpr long kDelayAfter = 20;

struct LoginKeys {
    std::string pair, address, account, hold;
};

LoginKeys login_keys(Module& mod, const Request& req, const std::string& email) {
    auto base = mod.config.redis_prefix + "rl:login:";
    auto address = limit_address(client_ip(mod, req));
    auto account = util::sha256_hex(email);
    return {base + "pair:" + util::sha256_hex(address + " " + email), base + "ip:" + address,
            base + "email:" + account, base + "hold:" + account};
}

asio::awaitable<void> check_login(Module& mod, const LoginKeys& k, bool account) {
    co_await check_failures(mod.redis, k.pair, kPairLimit, "", "sign-in");
    co_await check_failures(mod.redis, k.address, kAddressLimit, "", "sign-in");
    if (account) co_await check_failures(mod.redis, k.account, kAccountLimit, k.hold, "sign-in");
}

asio::awaitable<void> count_login_failure(Module& mod, const LoginKeys& k, bool account) {
    co_await count_failure(mod.redis, k.pair, kAttemptWindow);
    co_await count_failure(mod.redis, k.address, kAttemptWindow);
    if (!account) co_return;
    auto n = co_await count_failure(mod.redis, k.account, kAttemptWindow);
    if (n > kDelayAfter) {
        auto wait = std::min<long>(1L << std::min<long>(n - kDelayAfter, 10), 900);
        co_await hold_off(mod.redis, k.hold, std::chrono::seconds(wait));
    }
}

asio::awaitable<void> limit_by_email(Module& mod, const std::string& email,
                                     const std::string& what) {
    co_await count_attempt(
        mod.redis, mod.config.redis_prefix + "rl:" + what + ":email:" + util::sha256_hex(email),
        kAttemptLimit, kAttemptWindow, what);
}

std::string email_field(const nlohmann::json& body) {
    auto raw = http::required_string(body, "email", 254);
    auto email = config::normalize_email(raw);
    if (!email) {
        throw Error(Errc::unprocessable, "email must be an email address.", {},
                    {{"email", "must be an email address"}});
    }
    return *email;
}

asio::awaitable<std::optional<std::string>> business_name(Module& mod) {
    auto read = [](pqxx::dbtransaction& tx) -> std::optional<std::string> {
        auto v = store::get_setting(tx, "business_name");
        if (v && v->is_string()) return v->get<std::string>();
        return std::nullopt;
    };
    co_return co_await mod.db.run(std::move(read));
}

asio::awaitable<Response> handle_register(Module& mod, Request& req) {
    refuse_foreign_origin(mod, req);
    auto body = http::json_object_body(req);
    co_await limit_by_ip(mod, req, "setup");
    auto has_users = [](pqxx::dbtransaction& tx) { return store::count_users(tx) > 0; };
    if (co_await mod.db.run(std::move(has_users))) throw registration_closed();
    std::string token = body.contains("setup_token") && body["setup_token"].is_string()
                            ? body["setup_token"].get<std::string>()
                            : std::string(req.header("x-setup-token"));
    if (token.empty()) {
        throw Error(Errc::forbidden,
                    "A setup token is required: the server logs it at start (auth.setup_required) "
                    "while no owner exists.");
    }
    auto email = email_field(body);
    auto password = http::required_string(body, "password", kMaxPasswordBytes);
    check_password_rules(password);
    auto business = http::required_string(body, "business_name", 200);
    auto name = http::optional_string(body, "name", 200).value_or("");
    auto hash = co_await hash_off_thread(mod, password);
    auto ip = client_ip(mod, req);
    auto create = [email, name, hash, business, token, ip](pqxx::dbtransaction& tx) {
        store::lock_first_owner(tx);
        if (store::count_users(tx) > 0) throw registration_closed();
        if (!store::consume_auth_token(tx, "setup", util::sha256_hex(token))) {
            throw Error(Errc::forbidden,
                        "The setup token is wrong or expired. Find the current one in the server "
                        "log (auth.setup_required), or restart the server for a new one.");
        }
        auto user = store::insert_user(tx, email, name, "owner", hash);
        store::put_setting(tx, "business_name", business, user.id);
        store::insert_audit(tx, {user.id,
                                 "user.register",
                                 "user",
                                 user.id,
                                 ip,
                                 {{"email", email}, {"business_name", business}}});
        return user;
    };
    auto user = co_await mod.db.run(std::move(create));
    spdlog::info("auth.registered request_id={} user={}", req.request_id, user.id);
    auto issued = co_await mod.sessions.create(user.id, user.role);
    co_return signed_in(mod, 201, issued, user, business);
}

asio::awaitable<Response> handle_login(Module& mod, Request& req) {
    refuse_foreign_origin(mod, req);
    auto body = http::json_object_body(req);
    auto raw_email = http::required_string(body, "email", 254);
    auto password = http::required_string(body, "password", kMaxPasswordBytes);
    // Only a well-formed address is looked up or counted per account: any other string would
    // be a fresh per-email counter while naming the same account.
    auto normalized = config::normalize_email(raw_email);
    std::string email = normalized.value_or("");
    auto keys = login_keys(mod, req, email);
    co_await check_login(mod, keys, normalized.has_value());

    auto find = [email](pqxx::dbtransaction& tx) -> std::optional<store::User> {
        if (email.empty()) return std::nullopt;
        return store::find_user_by_email(tx, email);
    };
    auto user = co_await mod.db.run(std::move(find));
    std::optional<std::string> hash;
    if (user) hash = user->password_hash;
    auto check = [password, hash]() {
        if (hash) return verify_password(password, *hash);
        verify_password_dummy(password);  // the same work, so the answer takes as long
        return false;
    };
    bool ok = co_await mod.hashing.run(std::move(check));
    auto ip = client_ip(mod, req);
    if (!ok) {
        // Named first: braced lists inside co_await trip g++ 12.
        store::AuditEntry failed{user ? std::optional<std::string>(user->id) : std::nullopt,
                                 "user.login_failed",
                                 "user",
                                 user ? user->id : "",
                                 ip,
                                 nlohmann::json{{"email", normalized ? email : "(malformed)"}}};
        co_await audit(mod, std::move(failed));
        co_await count_login_failure(mod, keys, normalized.has_value());
        throw Error(Errc::unauthorized, "The email or password is wrong.");
    }
    if (user->disabled) {
        store::AuditEntry refused{user->id, "user.login_refused",
                                  "user",   user->id,
                                  ip,       nlohmann::json{{"reason", "disabled"}}};
        co_await audit(mod, std::move(refused));
        throw Error(Errc::forbidden, "This account is disabled; ask the owner to enable it.");
    }
    std::vector<std::string> reset{keys.pair, keys.hold};
    co_await clear_failures(mod.redis, std::move(reset));
    auto issued = co_await mod.sessions.create(user->id, user->role);
    auto record = [id = user->id, ip](pqxx::dbtransaction& tx) {
        store::touch_login(tx, id);
        store::insert_audit(tx, {id, "user.login", "user", id, ip, nlohmann::json::object()});
    };
    co_await mod.db.run(std::move(record));
    auto business = co_await business_name(mod);
    co_return signed_in(mod, 200, issued, *user, business);
}

asio::awaitable<Response> handle_logout(Module& mod, Request& req) {
    co_await mod.sessions.end(claims_of(req));
    Response r = Response::no_content();
    r.headers.emplace_back("Set-Cookie", session_cookie(mod, "", 0));
    co_return r;
}

asio::awaitable<Response> handle_me(Module& mod, Request& req) {
    auto id = req.principal->user_id;
    auto find = [id](pqxx::dbtransaction& tx) { return store::find_user(tx, id); };
    auto user = co_await mod.db.run(std::move(find));
    if (!user) throw Error(Errc::unauthorized, "This account no longer exists.");
    auto business = co_await business_name(mod);
    co_return Response::json(
        200, {{"user", user_json(*user)},
              {"role", user->role},
              {"business_name", business ? nlohmann::json(*business) : nlohmann::json(nullptr)}});
}

asio::awaitable<Response> handle_refresh(Module& mod, Request& req) {
    auto issued = co_await mod.sessions.refresh(claims_of(req));
    Response r = http::no_store(Response::json(200, token_json(issued)));
    r.headers.emplace_back("Set-Cookie",
                           session_cookie(mod, issued.token, kSessionLifetime.count()));
    co_return r;
}

asio::awaitable<Response> handle_change_password(Module& mod, Request& req) {
    auto body = http::json_object_body(req);
    auto current = http::required_string(body, "current_password", kMaxPasswordBytes);
    auto next = http::required_string(body, "new_password", kMaxPasswordBytes);
    check_password_rules(next, "new_password");
    co_await limit_by_email(mod, req.principal->user_id, "password-change");
    auto id = req.principal->user_id;
    auto find = [id](pqxx::dbtransaction& tx) { return store::find_user(tx, id); };
    auto user = co_await mod.db.run(std::move(find));
    if (!user || !user->password_hash) throw Error(Errc::unauthorized, "Sign in again.");
    auto check = [current, hash = *user->password_hash]() {
        return verify_password(current, hash);
    };
    if (!co_await mod.hashing.run(std::move(check))) {
        throw Error(Errc::unprocessable, "The current password is wrong.", {},
                    {{"current_password", "is wrong"}});
    }
    auto hash = co_await hash_off_thread(mod, next);
    auto ip = client_ip(mod, req);
    auto store_it = [id, hash, ip](pqxx::dbtransaction& tx) {
        store::set_password(tx, id, hash);
        store::retire_user_tokens(tx, id);
        store::insert_audit(
            tx, {id, "user.password_changed", "user", id, ip, nlohmann::json::object()});
    };
    co_await mod.db.run(std::move(store_it));
    // Every session of the user ends (a stolen one too); this browser gets a fresh one.
    co_await mod.sessions.end_all(id);
    auto issued = co_await mod.sessions.create(id, user->role);
    Response r = http::no_store(Response::json(200, token_json(issued)));
    r.headers.emplace_back("Set-Cookie",
                           session_cookie(mod, issued.token, kSessionLifetime.count()));
    co_return r;
}

// Shared by accept-invite and reset-password: redeem a one-time token, set the password.
asio::awaitable<store::User> redeem(Module& mod, Request& req, const std::string& kind,
                                    const std::string& action) {
    auto body = http::json_object_body(req);
    auto token = http::required_string(body, "token", 256);
    auto password = http::required_string(body, "password", kMaxPasswordBytes);
    check_password_rules(password);
    co_await limit_by_ip(mod, req, kind);
    auto hash = co_await hash_off_thread(mod, password);
    auto ip = client_ip(mod, req);
    auto work = [kind, action, token, hash, ip](pqxx::dbtransaction& tx) {
        auto redeemed = store::consume_auth_token(tx, kind, util::sha256_hex(token));
        if (!redeemed || !redeemed->user_id) {
            std::string what = kind == "invite" ? "invite link" : "reset link";
            throw Error(Errc::unprocessable,
                        "This " + what + " is wrong, used or expired; ask for a new one.", {},
                        {{"token", "is wrong, used or expired"}});
        }
        auto user = store::find_user(tx, *redeemed->user_id);
        if (!user) throw Error(Errc::unprocessable, "This account no longer exists.");
        // Thrown inside the transaction, so the token is not used up by a refused attempt.
        if (user->disabled) {
            throw Error(Errc::forbidden, "This account is disabled; ask the owner.");
        }
        store::set_password(tx, user->id, hash);
        store::retire_user_tokens(tx, user->id);  // any other open link dies with this one
        if (kind == "invite") store::touch_login(tx, user->id);  // accepting signs in
        store::insert_audit(tx, {user->id, action, "user", user->id, ip, nlohmann::json::object()});
        return *user;
    };
    co_return co_await mod.db.run(std::move(work));
}

asio::awaitable<Response> handle_accept_invite(Module& mod, Request& req) {
    refuse_foreign_origin(mod, req);
    auto user = co_await redeem(mod, req, "invite", "user.invite_accepted");
    auto issued = co_await mod.sessions.create(user.id, user.role);
    auto business = co_await business_name(mod);
    co_return signed_in(mod, 200, issued, user, business);
}

asio::awaitable<Response> handle_reset_password(Module& mod, Request& req) {
    refuse_foreign_origin(mod, req);
    auto user = co_await redeem(mod, req, "reset", "user.password_reset");
    co_await mod.sessions.end_all(user.id);
    co_return Response::json(200, {{"status", "password_changed"}, {"email", user.email}});
}

}  // namespace

void register_auth_routes(Module& mod) {
    using http::Access;
    using http::Method;
    auto& r = mod.router;
    const http::RouteOptions open{http::kDefaultBodyLimit, Access::public_};
    r.add(
        Method::post, "/api/auth/register",
        [&mod](Request& req) { return handle_register(mod, req); }, open);
    r.add(
        Method::post, "/api/auth/login", [&mod](Request& req) { return handle_login(mod, req); },
        open);
    r.add(
        Method::post, "/api/auth/accept-invite",
        [&mod](Request& req) { return handle_accept_invite(mod, req); }, open);
    r.add(
        Method::post, "/api/auth/reset-password",
        [&mod](Request& req) { return handle_reset_password(mod, req); }, open);
    r.add(Method::post, "/api/auth/logout",
          [&mod](Request& req) { return handle_logout(mod, req); });
    r.add(Method::get, "/api/auth/me", [&mod](Request& req) { return handle_me(mod, req); });
    r.add(Method::post, "/api/auth/refresh",
          [&mod](Request& req) { return handle_refresh(mod, req); });
    r.add(Method::post, "/api/auth/change-password",
          [&mod](Request& req) { return handle_change_password(mod, req); });
}

}  // namespace botflow::auth
