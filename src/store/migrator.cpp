#include "botflow/store/migrator.hpp"

#include <pqxx/pqxx>
#include <set>
#include <stdexcept>

#include "botflow/core/error.hpp"
#include "botflow/store/db.hpp"
#include "botflow/util/crypto.hpp"

namespace botflow::store {
namespace {

// Any fixed 64-bit number shared by every replica; "botflow" in ASCII.
constexpr long long kMigrationLockKey = 0x626f74666c6f77;

}  // namespace

std::vector<Migration> plan_migrations(std::span<const EmbeddedFile> files) {
    std::vector<Migration> plan;
    std::set<int> versions;
    for (const auto& f : files) {
        std::string name(f.name);
        bool ok = name.size() > 9 && name.substr(name.size() - 4) == ".sql" && name[4] == '_';
        for (int i = 0; ok && i < 4; ++i) ok = std::isdigit(static_cast<unsigned char>(name[i]));
        for (std::size_t i = 5; ok && i < name.size() - 4; ++i) {
            char c = name[i];
            ok = std::islower(static_cast<unsigned char>(c)) ||
                 std::isdigit(static_cast<unsigned char>(c)) || c == '_';
        }
        if (!ok) {
            throw std::invalid_argument("migration file name must look like 0001_words.sql: " +
                                        name);
        }
        int version = std::stoi(name.substr(0, 4));
        if (version == 0 || !versions.insert(version).second) {
            throw std::invalid_argument("migration version used twice or zero: " + name);
        }
        plan.push_back(Migration{version, name, util::sha256_hex(f.content), f.content});
    }
    std::sort(plan.begin(), plan.end(),
              [](const Migration& a, const Migration& b) { return a.version < b.version; });
    return plan;
}

MigrationReport migrate(const std::string& database_url, const std::vector<Migration>& plan) {
    std::unique_ptr<pqxx::connection> conn;
    try {
        conn = std::make_unique<pqxx::connection>(with_connection_defaults(database_url));
    } catch (const std::exception& e) {
        throw Error(Errc::unavailable, "Cannot connect to PostgreSQL to migrate.", e.what());
    }
    MigrationReport report;
    try {
        // A session-level lock: a second process waits here until the first has finished, then
        // finds everything applied.
        {
            pqxx::nontransaction tx(*conn);
            // Waiting for another replica's migrations, or a long migration, may take longer
            // than the pool's statement timeout.
            tx.exec("SET statement_timeout = 0");
            tx.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
            tx.exec(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY,"
                " name text NOT NULL,"
                " checksum text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())");
        }
        std::map<int, std::pair<std::string, std::string>> applied;
        {
            pqxx::read_transaction tx(*conn);
            for (const auto& row :
                 tx.exec("SELECT version, name, checksum FROM schema_migrations")) {
                applied[row[0].as<int>()] = {row[1].as<std::string>(), row[2].as<std::string>()};
            }
        }
        for (const auto& m : plan) {
            auto it = applied.find(m.version);
            if (it != applied.end()) {
                if (it->second.second != m.checksum) {
                    throw Error(Errc::conflict,
                                "Migration " + m.name +
                                    " was changed after it was applied (database checksum " +
                                    it->second.second.substr(0, 12) + ", file " +
                                    m.checksum.substr(0, 12) +
                                    "). Restore the original file and put the change in a new "
                                    "migration.");
                }
                ++report.already;
                continue;
            }
            try {
                pqxx::work tx(*conn);
                tx.exec(std::string(m.sql));
                tx.exec_params(
                    "INSERT INTO schema_migrations (version, name, checksum) "
                    "VALUES ($1, $2, $3)",
                    m.version, m.name, m.checksum);
                tx.commit();
            } catch (const pqxx::broken_connection&) {
                throw;
            } catch (const pqxx::sql_error& e) {
                throw Error(Errc::internal, "Migration " + m.name + " failed: " + e.what(),
                            e.query());
            }
            report.applied.push_back(m.name);
        }
        for (const auto& [version, entry] : applied) {
            bool known = std::any_of(plan.begin(), plan.end(),
                                     [&](const Migration& m) { return m.version == version; });
            if (!known) {
                spdlog::warn(
                    "migrate.unknown_version version={} name={} (the database was "
                    "migrated by a newer botflow)",
                    version, entry.first);
            }
        }
        pqxx::nontransaction unlock(*conn);
        unlock.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
    } catch (const pqxx::broken_connection& e) {
        throw Error(Errc::unavailable, "Lost the PostgreSQL connection while migrating.", e.what());
    }
    return report;
}

}  // namespace botflow::store
