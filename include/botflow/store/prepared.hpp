// Statements on hot paths as prepared statements: parsed and planned once per connection
// instead of on every call (PostgreSQL's own plan cache then applies).
#pragma once
#include <functional>
#include <pqxx/pqxx>
#include <string>
#include <utility>

namespace botflow::store {

/// Like tx.exec_params(sql, args...), but `sql` runs as a named prepared statement on this
/// connection, prepared on first use. For fixed SQL text only (never text built from input).
template <class... Args>
pqxx::result exec_cached(pqxx::dbtransaction& tx, const std::string& sql, Args&&... args) {
    std::string name = "bf_" + std::to_string(std::hash<std::string>{}(sql));
    tx.conn().prepare(name, sql);  // registers once; later calls find the same definition
    return tx.exec_prepared(name, std::forward<Args>(args)...);
}

}  // namespace botflow::store
