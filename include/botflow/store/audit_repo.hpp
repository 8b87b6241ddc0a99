// The audit log: who changed what, from where. Each function runs in the caller's
// transaction, so an entry commits with the change it records.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::store {

struct AuditEntry {
    std::optional<std::string> user_id;
    std::string action;  // e.g. user.login
    std::string target_type;
    std::string target_id;
    std::string ip;
    nlohmann::json details = nlohmann::json::object();
};
void insert_audit(pqxx::dbtransaction& tx, const AuditEntry& entry);
/// An entry as the owner reads it, with the acting user's email.
struct AuditRecord {
    std::int64_t id = 0;
    std::string at;  // ISO 8601, UTC, milliseconds
    std::optional<std::string> user_id, user_email;
    std::string action;
    std::optional<std::string> target_type, target_id, ip;
    nlohmann::json details;
};
/// Newest first; `before` is an id cursor (exclusive).
std::vector<AuditRecord> list_audit(pqxx::dbtransaction& tx, int limit,
                                    std::optional<std::int64_t> before);

}  // namespace botflow::store
