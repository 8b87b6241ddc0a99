// Schema migrations: numbered SQL files compiled into the binary, applied in order under an
// advisory lock, each in its own transaction, recorded with a checksum.
#pragma once
#include <span>
#include <string>
#include <vector>

#include "botflow/core/embedded.hpp"

namespace botflow::store {

struct Migration {
    int version = 0;       // 1 for "0001_init.sql"
    std::string name;      // "0001_init.sql"
    std::string checksum;  // sha256 of the file, hex
    std::string_view sql;
};

/// Parses and orders the embedded files. Throws std::invalid_argument for a name that is not
/// NNNN_words.sql or a version used twice.
std::vector<Migration> plan_migrations(std::span<const EmbeddedFile> files);

struct MigrationReport {
    std::vector<std::string> applied;  // names applied by this call
    int already = 0;                   // how many were applied before
};

/// Connects to `database_url` and applies what is missing. Blocks. Safe to run from several
/// processes at once (pg_advisory_lock). Throws botflow::Error: unavailable when PostgreSQL
/// cannot be reached, conflict when an applied file changed since (naming it), internal when a
/// migration's SQL fails (naming it and PostgreSQL's message).
MigrationReport migrate(const std::string& database_url, const std::vector<Migration>& plan);

}  // namespace botflow::store
