#include "botflow/store/user_repo.hpp"

#include <pqxx/pqxx>

#include "botflow/core/error.hpp"
#include "botflow/store/db.hpp"
#include "botflow/util/crypto.hpp"

namespace botflow::store {
namespace {

constexpr const char* kUserColumns =
    "id::text, email, name, role, password_hash, disabled, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "to_char(last_login_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

User read_user(const pqxx::row& row) {
    User u;
    u.id = row[0].as<std::string>();
    u.email = row[1].as<std::string>();
    u.name = row[2].as<std::string>();
    u.role = row[3].as<std::string>();
    if (!row[4].is_null()) u.password_hash = row[4].as<std::string>();
    u.disabled = row[5].as<bool>();
    u.created_at = row[6].as<std::string>();
    if (!row[7].is_null()) u.last_login_at = row[7].as<std::string>();
    return u;
}

std::optional<User> one_user(const pqxx::result& r) {
    if (r.empty()) return std::nullopt;
    return read_user(r[0]);
}

}  // namespace

std::optional<User> find_user(pqxx::dbtransaction& tx, const std::string& id) {
    return one_user(tx.exec_params(
        std::string("SELECT ") + kUserColumns + " FROM users WHERE id = $1::uuid", id));
}

std::optional<User> find_user_by_email(pqxx::dbtransaction& tx, const std::string& email) {
    return one_user(tx.exec_params(
        std::string("SELECT ") + kUserColumns + " FROM users WHERE email = $1", email));
}

std::vector<User> list_users(pqxx::dbtransaction& tx) {
    std::vector<User> out;
    for (const auto& row :
         tx.exec(std::string("SELECT ") + kUserColumns + " FROM users ORDER BY created_at, id")) {
        out.push_back(read_user(row));
    }
    return out;
}

void lock_first_owner(pqxx::dbtransaction& tx) { tx.exec("SELECT pg_advisory_xact_lock(7172434)"); }

long count_users(pqxx::dbtransaction& tx) {
    return tx.exec("SELECT count(*) FROM users")[0][0].as<long>();
}

long count_active_owners_locked(pqxx::dbtransaction& tx) {
    return static_cast<long>(tx.exec("SELECT id FROM users WHERE role = 'owner' AND NOT disabled "
                                     "AND password_hash IS NOT NULL FOR UPDATE")
                                 .size());
}

std::optional<SessionUser> find_session_user(pqxx::dbtransaction& tx, const std::string& id) {
    auto r = tx.exec_params(
        "SELECT role, disabled, "
        "COALESCE(floor(extract(epoch FROM password_changed_at))::bigint, 0) "
        "FROM users WHERE id = $1::uuid",
        id);
    if (r.empty()) return std::nullopt;
    return SessionUser{r[0][0].as<std::string>(), r[0][1].as<bool>(), r[0][2].as<std::int64_t>()};
}

User insert_user(pqxx::dbtransaction& tx, const std::string& email, const std::string& name,
                 const std::string& role, const std::optional<std::string>& password_hash) {
    auto r = tx.exec_params(
        std::string("INSERT INTO users (email, name, role, password_hash, password_changed_at) "
                    "VALUES ($1, $2, $3, $4, CASE WHEN $4::text IS NULL THEN NULL ELSE now() END) "
                    "ON CONFLICT (email) DO NOTHING RETURNING ") +
            kUserColumns,
        email, name, role, nullable(password_hash));
    if (r.empty()) throw Error(Errc::conflict, "A user with the email " + email + " exists.");
    return read_user(r[0]);
}

void update_user(pqxx::dbtransaction& tx, const User& u) {
    tx.exec_params(
        "UPDATE users SET name = $2, role = $3, disabled = $4, updated_at = now() "
        "WHERE id = $1::uuid",
        u.id, u.name, u.role, u.disabled);
}

void set_password(pqxx::dbtransaction& tx, const std::string& user_id, const std::string& hash) {
    tx.exec_params(
        "UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now() "
        "WHERE id = $1::uuid",
        user_id, hash);
}

void touch_login(pqxx::dbtransaction& tx, const std::string& user_id) {
    tx.exec_params("UPDATE users SET last_login_at = now() WHERE id = $1::uuid", user_id);
}

bool delete_user(pqxx::dbtransaction& tx, const std::string& user_id) {
    return tx.exec_params("DELETE FROM users WHERE id = $1::uuid", user_id).affected_rows() > 0;
}

void insert_auth_token(pqxx::dbtransaction& tx, const std::string& kind,
                       const std::optional<std::string>& user_id, const std::string& token_hash,
                       std::chrono::seconds valid_for,
                       const std::optional<std::string>& created_by) {
    tx.exec_params(
        "INSERT INTO auth_tokens (kind, user_id, token_hash, expires_at, created_by) "
        "VALUES ($1, $2::uuid, $3, now() + make_interval(secs => $4), $5::uuid)",
        kind, nullable(user_id), token_hash, static_cast<long long>(valid_for.count()),
        nullable(created_by));
}

std::optional<AuthToken> consume_auth_token(pqxx::dbtransaction& tx, const std::string& kind,
                                            const std::string& token_hash) {
    auto r = tx.exec_params(
        "UPDATE auth_tokens SET used_at = now() "
        "WHERE token_hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at > now() "
        "RETURNING id::text, kind, user_id::text",
        token_hash, kind);
    if (r.empty()) return std::nullopt;
    AuthToken t{r[0][0].as<std::string>(), r[0][1].as<std::string>(), std::nullopt};
    if (!r[0][2].is_null()) t.user_id = r[0][2].as<std::string>();
    return t;
}

void retire_user_tokens(pqxx::dbtransaction& tx, const std::string& user_id) {
    tx.exec_params(
        "UPDATE auth_tokens SET used_at = now() WHERE user_id = $1::uuid AND used_at IS NULL",
        user_id);
}

void retire_auth_tokens(pqxx::dbtransaction& tx, const std::string& kind,
                        const std::optional<std::string>& user_id) {
    if (user_id) {
        tx.exec_params(
            "UPDATE auth_tokens SET used_at = now() "
            "WHERE kind = $1 AND user_id = $2::uuid AND used_at IS NULL",
            kind, *user_id);
    } else {
        tx.exec_params(
            "UPDATE auth_tokens SET used_at = now() "
            "WHERE kind = $1 AND user_id IS NULL AND used_at IS NULL",
            kind);
    }
}

}  // namespace botflow::store
