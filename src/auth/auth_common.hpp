// Helpers shared by the auth and user route files.
#pragma once
#include <optional>
#include <string>

#include "botflow/auth/auth.hpp"
#include "botflow/auth/module.hpp"
#include "botflow/auth/passwords.hpp"
#include "botflow/auth/sessions.hpp"
#include "botflow/config/config.hpp"
#include "botflow/core/blocking.hpp"
#include "botflow/core/error.hpp"
#include "botflow/http/response.hpp"
#include "botflow/store/audit_repo.hpp"
#include "botflow/store/db.hpp"
#include "botflow/store/migrator.hpp"
#include "botflow/store/setting_repo.hpp"
#include "botflow/store/user_repo.hpp"
#include "botflow/util/crypto.hpp"

namespace botflow::auth {

inline std::string client_ip(const Module& mod, const http::Request& req) {
    return http::client_address(req, mod.config.trust_proxy);
}

inline Claims claims_of(const http::Request& req) {
    Claims c;
    c.sub = req.principal->user_id;
    c.sid = req.principal->session_id;
    c.role = req.principal->role;
    return c;
}

/// Set-Cookie value for the session (an empty token with max_age 0 clears it).
inline std::string session_cookie(const Module& mod, const std::string& token, long max_age) {
    std::string cookie = std::string(kSessionCookie) + "=" + token +
                         "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" + std::to_string(max_age);
    if (mod.config.public_url.rfind("https://", 0) == 0) cookie += "; Secure";
    return cookie;
}

/// A user as the API shows them: never the password hash.
inline nlohmann::json user_json(const store::User& u) {
    return {{"id", u.id},
            {"email", u.email},
            {"name", u.name},
            {"role", u.role},
            {"disabled", u.disabled},
            {"invited", !u.password_hash.has_value()},
            {"created_at", u.created_at},
            {"last_login_at", u.last_login_at ? nlohmann::json(*u.last_login_at) : nullptr}};
}

inline nlohmann::json token_json(const Issued& issued) {
    return {{"token", issued.token}, {"expires_at", issued.claims.exp}};
}

inline http::Response signed_in(const Module& mod, int status, const Issued& issued,
                                const store::User& user,
                                const std::optional<std::string>& business) {
    auto body = token_json(issued);
    body["user"] = user_json(user);
    body["business_name"] = business ? nlohmann::json(*business) : nlohmann::json(nullptr);
    auto r = http::Response::json(status, body);
    r.headers.emplace_back("Set-Cookie",
                           session_cookie(mod, issued.token, kSessionLifetime.count()));
    r.set_header("Cache-Control", "no-store");
    return r;
}

inline asio::awaitable<std::string> hash_off_thread(Module& mod, std::string password) {
    auto work = [password = std::move(password)]() { return hash_password(password); };
    co_return co_await mod.hashing.run(std::move(work));
}

inline asio::awaitable<void> audit(Module& mod, store::AuditEntry entry) {
    auto work = [entry = std::move(entry)](pqxx::dbtransaction& tx) {
        store::insert_audit(tx, entry);
    };
    co_await mod.db.run(std::move(work));
}

inline Error registration_closed() {
    return Error(Errc::forbidden,
                 "Registration is closed: this BotFlow already has an owner. Ask them for an "
                 "invite.");
}

/// /api/auth/* routes.
void register_auth_routes(Module& mod);
/// /api/users and /api/audit (owner only).
void register_user_routes(Module& mod);

}  // namespace botflow::auth
