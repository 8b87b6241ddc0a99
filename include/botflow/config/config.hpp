// The environment, read once into a validated Config; a bad value names its variable.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "botflow/core/log.hpp"
#include "botflow/core/secret.hpp"

namespace botflow::config {

struct Config {
    std::string host = "::";
    std::uint16_t port = 8080;
    std::string public_url;  // without a trailing slash
    Secret database_url;
    Secret redis_url;
    std::string log_level = "info";
    log::Format log_format = log::Format::text;
    std::string web_dir = "web/out";
    int db_pool_size = 8;
    int io_threads = 0;  // 0: one per core
    Secret metrics_token;
    std::chrono::seconds http_idle_timeout{60};
    std::chrono::seconds http_read_timeout{30};
    std::chrono::seconds shutdown_grace{20};
};

/// Which variables a subcommand needs: `migrate` needs only the database.
enum class Purpose { serve, migrate };

using Env = std::map<std::string, std::string>;

/// Reads and validates. On failure returns every problem, one message per variable, each
/// starting with the variable's name.
std::variant<Config, std::vector<std::string>> load(const Env& env, Purpose purpose);

/// The process environment as an Env.
Env process_env();

}  // namespace botflow::config
