// /api/users (invite, list, change, remove) and /api/audit: the owner's team management.
#include <pqxx/pqxx>

#include "auth_common.hpp"
#include "botflow/auth/sessions.hpp"
#include "botflow/config/config.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/http/router.hpp"
#include "botflow/store/db.hpp"

namespace botflow::auth {
namespace {

using http::Request;
using http::Response;

constexpr auto kInviteLifetime = std::chrono::hours(24 * 7);

std::string role_field(const nlohmann::json& body, bool required) {
    auto role = required ? std::optional<std::string>(http::required_string(body, "role", 20))
                         : http::optional_string(body, "role", 20);
    if (!role) return {};
    if (*role != "owner" && *role != "agent") {
        throw Error(Errc::unprocessable, "role must be owner or agent.", {},
                    {{"role", "must be owner or agent"}});
    }
    return *role;
}

[[noreturn]] void last_owner() {
    throw Error(Errc::conflict,
                "BotFlow needs at least one active owner: make another user owner first.");
}

asio::awaitable<Response> handle_list(Module& mod, Request&) {
    auto list = [](pqxx::dbtransaction& tx) { return store::list_users(tx); };
    auto users = co_await mod.db.run(std::move(list));
    nlohmann::json items = nlohmann::json::array();
    for (const auto& u : users) items.push_back(user_json(u));
    co_return Response::json(200, {{"items", items}});
}

asio::awaitable<Response> handle_invite(Module& mod, Request& req) {
    auto body = http::json_object_body(req);
    auto raw = http::required_string(body, "email", 254);
    auto email = config::normalize_email(raw);
    if (!email) {
        throw Error(Errc::unprocessable, "email must be an email address.", {},
                    {{"email", "must be an email address"}});
    }
    auto role = role_field(body, true);
    auto name = http::optional_string(body, "name", 200).value_or("");
    auto token = random_token(32);
    auto by = req.principal->user_id;
    auto ip = client_ip(mod, req);
    auto work = [email = *email, role, name, token, by, ip](pqxx::dbtransaction& tx) {
        auto user = store::insert_user(tx, email, name, role, std::nullopt);
        store::insert_auth_token(tx, "invite", user.id, util::sha256_hex(token),
                                 std::chrono::duration_cast<std::chrono::seconds>(kInviteLifetime),
                                 by);
        store::insert_audit(tx, {by, "user.invite", "user", user.id, ip,
                                 nlohmann::json{{"email", email}, {"role", role}}});
        return user;
    };
    auto user = co_await mod.db.run(std::move(work));
    auto expires = std::chrono::duration_cast<std::chrono::seconds>(
                       (std::chrono::system_clock::now() + kInviteLifetime).time_since_epoch())
                       .count();
    Response r = Response::json(
        201, {{"user", user_json(user)},
              {"invite_url", mod.config.public_url + "/accept-invite?token=" + token},
              {"invite_token", token},
              {"invite_expires_at", expires}});
    co_return http::no_store(std::move(r));
}

asio::awaitable<Response> handle_update(Module& mod, Request& req) {
    auto id = http::id_param(req, "user");
    auto body = http::json_object_body(req);
    auto role = role_field(body, false);
    auto disabled = http::optional_bool(body, "disabled");
    auto name = http::optional_string(body, "name", 200);
    auto by = req.principal->user_id;
    auto ip = client_ip(mod, req);
    struct Outcome {
        store::User user;
        bool end_sessions = false;
    };
    auto work = [id, role, disabled, name, by, ip](pqxx::dbtransaction& tx) {
        long owners = store::count_active_owners_locked(tx);
        auto user = store::find_user(tx, id);
        if (!user) http::not_found("user", id);
        store::User next = *user;
        if (!role.empty()) next.role = role;
        if (disabled) next.disabled = *disabled;
        if (name) next.name = *name;
        // "Active" = can sign in as owner: an owner still invited (no password) does not count.
        bool can_sign_in = user->password_hash.has_value();
        bool was_active_owner = user->role == "owner" && !user->disabled && can_sign_in;
        bool is_active_owner = next.role == "owner" && !next.disabled && can_sign_in;
        if (was_active_owner && !is_active_owner && owners <= 1) last_owner();
        store::update_user(tx, next);
        nlohmann::json changes = nlohmann::json::object();
        if (next.role != user->role) changes["role"] = {user->role, next.role};
        if (next.disabled != user->disabled) changes["disabled"] = {user->disabled, next.disabled};
        if (next.name != user->name) changes["name"] = {user->name, next.name};
        store::insert_audit(tx, {by, "user.update", "user", id, ip, changes});
        // A new role or a disabled account must not keep a session minted under the old one.
        bool end = next.role != user->role || (next.disabled && !user->disabled);
        return std::optional<Outcome>(Outcome{next, end});
    };
    auto outcome = co_await mod.db.run(std::move(work));
    if (outcome->end_sessions) co_await mod.sessions.end_all(id);
    co_return Response::json(200, {{"user", user_json(outcome->user)}});
}

asio::awaitable<Response> handle_delete(Module& mod, Request& req) {
    auto id = http::id_param(req, "user");
    auto by = req.principal->user_id;
    auto ip = client_ip(mod, req);
    auto work = [id, by, ip](pqxx::dbtransaction& tx) {
        long owners = store::count_active_owners_locked(tx);
        auto user = store::find_user(tx, id);
        if (!user) http::not_found("user", id);
        if (user->role == "owner" && !user->disabled && user->password_hash && owners <= 1) {
            last_owner();
        }
        // Audit first: an owner may remove themselves, and the entry's user reference then
        // turns NULL with the row (ON DELETE SET NULL) instead of failing.
        store::insert_audit(tx, {by, "user.delete", "user", id, ip,
                                 nlohmann::json{{"email", user->email}, {"role", user->role}}});
        store::delete_user(tx, id);
    };
    co_await mod.db.run(std::move(work));
    co_await mod.sessions.end_all(id);
    co_return Response::no_content();
}

asio::awaitable<Response> handle_audit(Module& mod, Request& req) {
    int limit = static_cast<int>(http::integer_query(req, "limit", 1, 200).value_or(50));
    std::optional<std::int64_t> before = http::integer_query(req, "before", 1, INT64_MAX);
    auto list = [limit, before](pqxx::dbtransaction& tx) {
        return store::list_audit(tx, limit, before);
    };
    auto entries = co_await mod.db.run(std::move(list));
    auto optional = [](const std::optional<std::string>& v) {
        return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    };
    nlohmann::json items = nlohmann::json::array();
    for (const auto& e : entries) {
        items.push_back({{"id", e.id},
                         {"at", e.at},
                         {"user_id", optional(e.user_id)},
                         {"user_email", optional(e.user_email)},
                         {"action", e.action},
                         {"target_type", optional(e.target_type)},
                         {"target_id", optional(e.target_id)},
                         {"ip", optional(e.ip)},
                         {"details", e.details}});
    }
    nlohmann::json body{{"items", items}, {"next_before", nullptr}};
    if (static_cast<int>(entries.size()) == limit) body["next_before"] = entries.back().id;
    co_return Response::json(200, body);
}

}  // namespace

void register_user_routes(Module& mod) {
    using http::Access;
    using http::Method;
    auto& r = mod.router;
    const http::RouteOptions owner{http::kDefaultBodyLimit, Access::owner};
    r.add(
        Method::get, "/api/users", [&mod](Request& req) { return handle_list(mod, req); }, owner);
    r.add(
        Method::post, "/api/users", [&mod](Request& req) { return handle_invite(mod, req); },
        owner);
    r.add(
        Method::patch, "/api/users/:id", [&mod](Request& req) { return handle_update(mod, req); },
        owner);
    r.add(
        Method::delete_, "/api/users/:id", [&mod](Request& req) { return handle_delete(mod, req); },
        owner);
    r.add(
        Method::get, "/api/audit", [&mod](Request& req) { return handle_audit(mod, req); }, owner);
}

void register_module(Module& mod) {
    register_auth_routes(mod);
    register_user_routes(mod);
}

}  // namespace botflow::auth
