// Users and one-time auth tokens in PostgreSQL. Each function runs in
// the caller's transaction (from Db::run, or a direct connection in the CLI); none blocks on
// anything but that transaction.
#pragma once
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "botflow/core/secret.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::store {

struct User {
    std::string id;
    std::string email;
    std::string name;
    std::string role;  // owner | agent
    std::optional<std::string> password_hash;
    bool disabled = false;
    std::string created_at;  // ISO 8601
    std::optional<std::string> last_login_at;
};

/// `id` must be a well-formed UUID (see is_uuid); others throw from PostgreSQL.
std::optional<User> find_user(pqxx::dbtransaction& tx, const std::string& id);
std::optional<User> find_user_by_email(pqxx::dbtransaction& tx, const std::string& email);
std::vector<User> list_users(pqxx::dbtransaction& tx);
long count_users(pqxx::dbtransaction& tx);
/// Holds, until the transaction ends, the lock under which the first owner is created: replicas
/// starting at once and a setup request cannot both find "no user yet".
void lock_first_owner(pqxx::dbtransaction& tx);

/// What a session check needs to know of its user, now.
struct SessionUser {
    std::string role;
    bool disabled = false;
    std::int64_t password_changed_at = 0;  // Unix seconds (floor); 0 when never set
};
std::optional<SessionUser> find_session_user(pqxx::dbtransaction& tx, const std::string& id);
/// Owners that can sign in (not disabled, password set), locking their rows (FOR UPDATE) so
/// that two concurrent demotions cannot both see "another owner remains".
long count_active_owners_locked(pqxx::dbtransaction& tx);
/// Throws Errc::conflict when the email is taken.
User insert_user(pqxx::dbtransaction& tx, const std::string& email, const std::string& name,
                 const std::string& role, const std::optional<std::string>& password_hash);
void update_user(pqxx::dbtransaction& tx, const User& user);
void set_password(pqxx::dbtransaction& tx, const std::string& user_id, const std::string& hash);
void touch_login(pqxx::dbtransaction& tx, const std::string& user_id);
bool delete_user(pqxx::dbtransaction& tx, const std::string& user_id);

struct AuthToken {
    std::string id;
    std::string kind;
    std::optional<std::string> user_id;
};

/// Stores sha256(token). `user_id` empty for a setup token.
void insert_auth_token(pqxx::dbtransaction& tx, const std::string& kind,
                       const std::optional<std::string>& user_id, const std::string& token_hash,
                       std::chrono::seconds valid_for,
                       const std::optional<std::string>& created_by);
/// Marks an open (unused, unexpired) token of that kind used and returns it; nullopt if none.
std::optional<AuthToken> consume_auth_token(pqxx::dbtransaction& tx, const std::string& kind,
                                            const std::string& token_hash);
/// Retires every open token (invite and reset) of a user: after one is used, or the password
/// changes, the others must not work any more.
void retire_user_tokens(pqxx::dbtransaction& tx, const std::string& user_id);
/// Retires the open tokens of a kind, for one user or (user_id empty) all setup tokens.
void retire_auth_tokens(pqxx::dbtransaction& tx, const std::string& kind,
                        const std::optional<std::string>& user_id);

}  // namespace botflow::store
