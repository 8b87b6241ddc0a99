#include "botflow/store/audit_repo.hpp"

#include <pqxx/pqxx>

#include "botflow/store/db.hpp"

namespace botflow::store {

void insert_audit(pqxx::dbtransaction& tx, const AuditEntry& e) {
    tx.exec_params(
        "INSERT INTO audit_log (user_id, action, target_type, target_id, ip, details) "
        "VALUES ($1::uuid, $2, NULLIF($3, ''), NULLIF($4, ''), NULLIF($5, ''), $6::jsonb)",
        nullable(e.user_id), e.action, e.target_type, e.target_id, e.ip,
        e.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::vector<AuditRecord> list_audit(pqxx::dbtransaction& tx, int limit,
                                    std::optional<std::int64_t> before) {
    std::string before_text = before ? std::to_string(*before) : std::string();
    auto r = tx.exec_params(
        "SELECT a.id, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
        "a.user_id::text, u.email, a.action, a.target_type, a.target_id, a.ip, a.details::text "
        "FROM audit_log a LEFT JOIN users u ON u.id = a.user_id "
        "WHERE ($1::bigint IS NULL OR a.id < $1::bigint) ORDER BY a.id DESC LIMIT $2",
        before ? before_text.c_str() : nullptr, limit);
    std::vector<AuditRecord> out;
    for (const auto& row : r) {
        auto text = [&](int i) {
            return row[i].is_null() ? std::nullopt
                                    : std::optional<std::string>(row[i].as<std::string>());
        };
        out.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>(), text(2), text(3),
                       row[4].as<std::string>(), text(5), text(6), text(7),
                       nlohmann::json::parse(row[8].as<std::string>())});
    }
    return out;
}

}  // namespace botflow::store
