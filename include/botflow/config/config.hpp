// The environment, read once into a validated Config; a bad value names its variable.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
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
    int db_queue_limit = 256;       // requests' transactions waiting for a connection; then 503
    int password_hash_threads = 2;  // argon2id at 64 MiB each: sign-ins hashed at once
    int password_hash_queue = 32;   // sign-ins waiting for a hashing thread; then 503
    int job_db_pool_size = 4;       // connections of the background jobs, apart from the requests
    int ingest_transactions = 1;    // webhook group-commit transactions in flight at once
    int io_threads = 0;             // 0: one per core
    Secret metrics_token;
    std::chrono::seconds http_idle_timeout{60};
    std::chrono::seconds http_read_timeout{30};
    std::chrono::seconds shutdown_grace{20};
    Secret jwt_secret;        // HS256 key for session tokens, at least 32 bytes
    std::string admin_email;  // with admin_password: the first owner, created at start
    Secret admin_password;
    int trust_proxy = 0;  // proxies in front that append X-Forwarded-For (Railway: 1)
    std::string redis_prefix = "botflow:";  // prefix of every Redis key this instance uses
    Secret whatsapp_app_secret;             // signs Meta's webhooks (App Dashboard > Basic)
    Secret whatsapp_verify_token;           // the verify token typed into Meta's webhook settings
    std::string whatsapp_phone_number_id;   // deliveries for other numbers are not stored
    Secret whatsapp_access_token;           // system-user token that sends messages
    std::string graph_api_base = "https://graph.facebook.com";  // tests point it at a fake
    std::string graph_api_version = "v25.0";
    int whatsapp_send_rate = 80;  // messages per second per business number (Meta's default)
    int whatsapp_pair_burst = 6;  // messages to one customer at once before pacing 1 per 6 s
    std::string kb_language = "english";  // PostgreSQL text-search language of the knowledge
    int kb_max_documents = 50;            // documents in the knowledge base at most
    int kb_max_file_mb = 10;              // largest upload
    int job_workers = 4;  // jobs run at once on this replica (0: this replica runs none)
    std::chrono::seconds job_lease{300};  // a job whose worker died is taken again after this
    Secret secret_key;  // encrypts secrets stored in the database (default: derived from JWT)
    std::string llm_base_url = "https://openrouter.ai/api/v1";  // any OpenAI-compatible API
    std::optional<bool> llm_openrouter;  // LLM_API_STYLE; unset: OpenRouter when the host is
    Secret llm_api_key;  // LLM_API_KEY (or OPENROUTER_API_KEY); Settings > AI may set one too
    std::string llm_model = "openai/gpt-4o-mini";
    std::vector<std::string> llm_fallback_models;
    std::chrono::milliseconds llm_first_token_timeout{20000};
    std::chrono::milliseconds llm_timeout{60000};  // a whole answer, retries included
    int ai_debounce_ms = 1000;                     // messages this close together get one answer
    int ai_concurrency = 256;  // AI answers in the making at once on this replica
    int ws_queue_limit = 512;  // events queued for one dashboard socket before it is closed
    std::vector<std::string> flow_api_allowlist;  // private addresses flows' API calls may reach
    int flow_max_steps = 50;  // steps a flow run takes in one turn before it is stopped
};

/// Which variables a subcommand needs: `migrate` needs only the database; the operator's
/// commands (create-user, reset-password) the database and PUBLIC_URL for links.
enum class Purpose { serve, migrate, cli };

/// Lower-cases and trims an email; nullopt unless it looks like local@domain (at most 254
/// characters, no spaces).
std::optional<std::string> normalize_email(std::string_view email);

using Env = std::map<std::string, std::string>;

/// Reads and validates. On failure returns every problem, one message per variable, each
/// starting with the variable's name.
std::variant<Config, std::vector<std::string>> load(const Env& env, Purpose purpose);

/// The key that seals secrets saved in the database: SECRET_KEY, or JWT_SECRET when it is unset.
const Secret& sealing_key(const Config& config) noexcept;

/// The process environment as an Env.
Env process_env();

/// Whether PostgreSQL (15) has a text search configuration of this name (KB_LANGUAGE).
bool is_text_search_language(const std::string& name);

}  // namespace botflow::config
