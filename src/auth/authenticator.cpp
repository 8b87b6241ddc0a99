#include <pqxx/pqxx>

#include "botflow/auth/auth.hpp"
#include "botflow/auth/module.hpp"
#include "botflow/auth/passwords.hpp"
#include "botflow/auth/sessions.hpp"
#include "botflow/config/config.hpp"
#include "botflow/core/error.hpp"
#include "botflow/store/audit_repo.hpp"
#include "botflow/store/db.hpp"
#include "botflow/store/migrator.hpp"
#include "botflow/store/user_repo.hpp"
#include "botflow/util/crypto.hpp"

namespace botflow::auth {
namespace {

bool changes_state(http::Method m) {
    return m != http::Method::get && m != http::Method::head && m != http::Method::options;
}

// Cookies ride along on cross-site requests; a state change must come from our own pages.
void check_same_origin(const Module& mod, const http::Request& req) {
    std::string expected = origin_of(mod.config.public_url);
    auto origin = req.header("origin");
    if (!origin.empty()) {
        if (http::iequals(origin, expected)) return;
    } else {
        auto referer = req.header("referer");
        if (!referer.empty() && http::iequals(origin_of(std::string(referer)), expected)) return;
    }
    throw Error(Errc::forbidden,
                "Cross-site request refused: a request signed in with the session cookie must "
                "come from " +
                    expected + " (or use Authorization: Bearer).");
}

constexpr auto kSetupTokenLifetime = std::chrono::hours(24 * 7);

}  // namespace

void refuse_foreign_origin(const Module& mod, const http::Request& req) {
    auto origin = req.header("origin");
    if (origin.empty()) return;  // not a browser's page: curl, a script, another server
    std::string expected = origin_of(mod.config.public_url);
    if (http::iequals(origin, expected)) return;
    throw Error(Errc::forbidden,
                "Cross-site request refused: this form only works from " + expected + ".");
}

std::string origin_of(const std::string& url) {
    auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) return {};
    auto host_end = url.find_first_of("/?#", scheme_end + 3);
    std::string origin = url.substr(0, host_end);
    for (std::size_t i = 0; i < scheme_end; ++i) {
        origin[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(origin[i])));
    }
    return origin;
}

asio::awaitable<void> authenticate(Module& mod, http::Request& req, http::Access access) {
    std::string token;
    bool via_cookie = false;
    auto authorization = req.header("authorization");
    if (authorization.size() > 7 && http::iequals(authorization.substr(0, 7), "Bearer ")) {
        token = std::string(authorization.substr(7));
    } else {
        token = http::cookie_value(req, kSessionCookie);
        via_cookie = !token.empty();
    }
    if (token.empty()) {
        throw Error(Errc::unauthorized,
                    "Sign in first: send the session cookie, or Authorization: Bearer <token> "
                    "from POST /api/auth/login.")
            .with_header("WWW-Authenticate", "Bearer");
    }
    Claims claims = co_await mod.sessions.verify(token);
    // The account as it is now, not as it was when the token was made: a user disabled,
    // removed or demoted, or a password changed, must not ride on an older session even if
    // ending the sessions in Redis failed.
    auto id = claims.sub;
    auto find = [id](pqxx::dbtransaction& tx) { return store::find_session_user(tx, id); };
    auto user = co_await mod.db.run(std::move(find));
    if (!user || user->disabled) {
        throw Error(Errc::unauthorized, "This account is disabled or was removed.");
    }
    if (claims.iat < user->password_changed_at) {
        throw Error(Errc::unauthorized, "This session has ended; sign in again.",
                    "issued before the last password change");
    }
    if (via_cookie && changes_state(req.method)) check_same_origin(mod, req);
    if (access == http::Access::owner && user->role != "owner") {
        throw Error(Errc::forbidden, "Only the owner can do this.");
    }
    req.principal = http::Principal{claims.sub, claims.sid, user->role, via_cookie};
}

void bootstrap_first_owner(const config::Config& config) {
    pqxx::connection conn(store::with_connection_defaults(config.database_url.reveal()));
    pqxx::work tx(conn);
    // Several replicas may start at once: one of them decides.
    store::lock_first_owner(tx);
    if (store::count_users(tx) > 0) return;
    if (!config.admin_email.empty()) {
        auto user = store::insert_user(tx, config.admin_email, "", "owner",
                                       hash_password(config.admin_password.reveal()));
        store::retire_auth_tokens(tx, "setup", std::nullopt);
        store::insert_audit(tx, {user.id,
                                 "user.created_from_environment",
                                 "user",
                                 user.id,
                                 "",
                                 {{"email", user.email}}});
        tx.commit();
        spdlog::info("auth.owner_created email={} source=ADMIN_EMAIL", user.email);
        return;
    }
    // Earlier tokens stay valid until they expire (another replica may have just logged
    // one); all of them stop working once an owner exists.
    std::string token = random_token(32);
    store::insert_auth_token(tx, "setup", std::nullopt, util::sha256_hex(token),
                             std::chrono::duration_cast<std::chrono::seconds>(kSetupTokenLifetime),
                             std::nullopt);
    tx.commit();
    // The one time a secret is logged: whoever reads this server's log may create the owner.
    spdlog::warn(
        "auth.setup_required setup_token={} setup_url={}/setup?token={} "
        "hint=\"POST /api/auth/register with email, password, business_name, setup_token; "
        "or set ADMIN_EMAIL and ADMIN_PASSWORD and restart\"",
        token, config.public_url, token);
}

int create_user_command(const config::Config& config, const std::string& raw_email,
                        const std::string& role, const std::string& name) {
    auto email = config::normalize_email(raw_email);
    if (!email) {
        std::fprintf(stderr, "botflow: \"%s\" is not an email address\n", raw_email.c_str());
        return 2;
    }
    if (role != "owner" && role != "agent") {
        std::fprintf(stderr, "botflow: --role must be owner or agent\n");
        return 2;
    }
    pqxx::connection conn(store::with_connection_defaults(config.database_url.reveal()));
    pqxx::work tx(conn);
    store::User user;
    try {
        user = store::insert_user(tx, *email, name, role, std::nullopt);
    } catch (const Error& e) {
        std::fprintf(stderr, "botflow: %s\n", e.detail().c_str());
        return 1;
    }
    std::string token = random_token(32);
    store::insert_auth_token(tx, "invite", user.id, util::sha256_hex(token),
                             std::chrono::hours(24 * 7), std::nullopt);
    store::insert_audit(tx, {std::nullopt,
                             "user.created_from_cli",
                             "user",
                             user.id,
                             "",
                             {{"email", user.email}, {"role", role}}});
    tx.commit();
    std::printf(
        "Created %s %s. They set their password (within 7 days) at:\n%s/accept-invite?token=%s\n",
        role.c_str(), user.email.c_str(), config.public_url.c_str(), token.c_str());
    std::printf(
        "or: curl -X POST %s/api/auth/accept-invite -H 'Content-Type: application/json' "
        "-d '{\"token\":\"%s\",\"password\":\"...\"}'\n",
        config.public_url.c_str(), token.c_str());
    return 0;
}

int reset_password_command(const config::Config& config, const std::string& raw_email) {
    auto email = config::normalize_email(raw_email);
    if (!email) {
        std::fprintf(stderr, "botflow: \"%s\" is not an email address\n", raw_email.c_str());
        return 2;
    }
    pqxx::connection conn(store::with_connection_defaults(config.database_url.reveal()));
    pqxx::work tx(conn);
    auto user = store::find_user_by_email(tx, *email);
    if (!user) {
        std::fprintf(stderr, "botflow: no user has the email %s\n", email->c_str());
        return 1;
    }
    std::string token = random_token(32);
    store::retire_auth_tokens(tx, "reset", user->id);
    store::insert_auth_token(tx, "reset", user->id, util::sha256_hex(token), std::chrono::hours(1),
                             std::nullopt);
    store::insert_audit(tx, {std::nullopt,
                             "user.reset_link_created",
                             "user",
                             user->id,
                             "",
                             {{"email", user->email}, {"source", "cli"}}});
    tx.commit();
    std::printf(
        "Password reset link for %s (valid for 1 hour, once):\n%s/reset-password?token=%s\n",
        user->email.c_str(), config.public_url.c_str(), token.c_str());
    std::printf(
        "or: curl -X POST %s/api/auth/reset-password -H 'Content-Type: application/json' "
        "-d '{\"token\":\"%s\",\"password\":\"...\"}'\n",
        config.public_url.c_str(), token.c_str());
    return 0;
}

}  // namespace botflow::auth
