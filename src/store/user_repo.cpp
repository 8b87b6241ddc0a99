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

nlohmann::json to_json(const User& u) {
    return {{"id", u.id},
            {"email", u.email},
            {"name", u.name},
            {"role", u.role},
            {"disabled", u.disabled},
            {"invited", !u.password_hash.has_value()},
            {"created_at", u.created_at},
            {"last_login_at", u.last_login_at ? nlohmann::json(*u.last_login_at) : nullptr}};
}

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

std::optional<nlohmann::json> get_setting(pqxx::dbtransaction& tx, const std::string& key) {
    auto r = tx.exec_params("SELECT value::text FROM settings WHERE key = $1", key);
    if (r.empty() || r[0][0].is_null()) return std::nullopt;
    return nlohmann::json::parse(r[0][0].as<std::string>());
}

void put_setting(pqxx::dbtransaction& tx, const std::string& key, const nlohmann::json& value,
                 const std::optional<std::string>& updated_by) {
    tx.exec_params(
        "INSERT INTO settings (key, value, updated_by) VALUES ($1, $2::jsonb, $3::uuid) "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, "
        "updated_by = EXCLUDED.updated_by, updated_at = now()",
        key, value.dump(), nullable(updated_by));
}

std::optional<std::string> get_sealed_setting(pqxx::dbtransaction& tx, const std::string& key,
                                              const Secret& sealing_key) {
    auto r = tx.exec_params(
        "SELECT encrypted_value FROM settings WHERE key = $1 AND encrypted_value IS NOT NULL", key);
    if (r.empty()) return std::nullopt;
    pqxx::binarystring sealed(r[0][0]);
    return util::unseal(sealing_key, sealed.str());
}

void put_sealed_setting(pqxx::dbtransaction& tx, const std::string& key, std::string_view plain,
                        const Secret& sealing_key, const std::optional<std::string>& updated_by) {
    auto sealed = util::seal(sealing_key, plain);
    tx.exec_params(
        "INSERT INTO settings (key, encrypted_value, updated_by) "
        "VALUES ($1, $2, $3::uuid) ON CONFLICT (key) DO UPDATE SET "
        " value = NULL, encrypted_value = EXCLUDED.encrypted_value, "
        " updated_by = EXCLUDED.updated_by, updated_at = now()",
        key, pqxx::binarystring(sealed), nullable(updated_by));
}

void delete_setting(pqxx::dbtransaction& tx, const std::string& key) {
    tx.exec_params("DELETE FROM settings WHERE key = $1", key);
}

void insert_audit(pqxx::dbtransaction& tx, const AuditEntry& e) {
    tx.exec_params(
        "INSERT INTO audit_log (user_id, action, target_type, target_id, ip, details) "
        "VALUES ($1::uuid, $2, NULLIF($3, ''), NULLIF($4, ''), NULLIF($5, ''), $6::jsonb)",
        nullable(e.user_id), e.action, e.target_type, e.target_id, e.ip,
        e.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

nlohmann::json list_audit(pqxx::dbtransaction& tx, int limit, std::optional<std::int64_t> before) {
    std::string before_text = before ? std::to_string(*before) : std::string();
    auto r = tx.exec_params(
        "SELECT a.id, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
        "a.user_id::text, u.email, a.action, a.target_type, a.target_id, a.ip, a.details::text "
        "FROM audit_log a LEFT JOIN users u ON u.id = a.user_id "
        "WHERE ($1::bigint IS NULL OR a.id < $1::bigint) ORDER BY a.id DESC LIMIT $2",
        before ? before_text.c_str() : nullptr, limit);
    nlohmann::json items = nlohmann::json::array();
    for (const auto& row : r) {
        auto text = [&](int i) -> nlohmann::json {
            return row[i].is_null() ? nlohmann::json(nullptr)
                                    : nlohmann::json(row[i].as<std::string>());
        };
        items.push_back({{"id", row[0].as<std::int64_t>()},
                         {"at", row[1].as<std::string>()},
                         {"user_id", text(2)},
                         {"user_email", text(3)},
                         {"action", row[4].as<std::string>()},
                         {"target_type", text(5)},
                         {"target_id", text(6)},
                         {"ip", text(7)},
                         {"details", nlohmann::json::parse(row[8].as<std::string>())}});
    }
    return items;
}

}  // namespace botflow::store
