#include "botflow/config/config.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <thread>

#include "botflow/core/encoding.hpp"
#include "botflow/util/redis_client.hpp"

extern char** environ;

namespace botflow::config {
namespace {

class Reader {
public:
    Reader(const Env& env, std::vector<std::string>& errors) : env_(env), errors_(errors) {}

    std::optional<std::string> get(const std::string& name) const {
        auto it = env_.find(name);
        if (it == env_.end() || it->second.empty()) return std::nullopt;
        return it->second;
    }

    std::string required(const std::string& name, const std::string& hint) {
        auto v = get(name);
        if (!v) {
            errors_.push_back(name + " is required: " + hint);
            return {};
        }
        return *v;
    }

    template <class T>
    T integer(const std::string& name, T fallback, T min, T max) {
        auto v = get(name);
        if (!v) return fallback;
        long long parsed = 0;
        auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), parsed);
        if (ec != std::errc{} || ptr != v->data() + v->size() || parsed < min || parsed > max) {
            errors_.push_back(name + " must be a whole number from " + std::to_string(min) +
                              " to " + std::to_string(max) + " (got \"" + *v + "\")");
            return fallback;
        }
        return static_cast<T>(parsed);
    }

    std::string one_of(const std::string& name, const std::string& fallback,
                       std::initializer_list<const char*> allowed) {
        auto v = get(name);
        if (!v) return fallback;
        std::string lower = *v;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string list;
        for (const char* a : allowed) {
            if (lower == a) return lower;
            if (!list.empty()) list += ", ";
            list += a;
        }
        errors_.push_back(name + " must be one of " + list + " (got \"" + *v + "\")");
        return fallback;
    }

    void error(std::string message) { errors_.push_back(std::move(message)); }

private:
    const Env& env_;
    std::vector<std::string>& errors_;
};

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    }
    return true;
}

// "a, b ,c" as {"a", "b", "c"}; empty items dropped.
std::vector<std::string> split_list(const std::string& list) {
    std::vector<std::string> out;
    std::string item;
    for (char ch : list + ",") {
        if (ch != ',') {
            item += ch;
            continue;
        }
        auto b = item.find_first_not_of(' ');
        auto e = item.find_last_not_of(' ');
        if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
        item.clear();
    }
    return out;
}

// "10.0.0.7", "10.0.0.0/8", "fd00::/8".
bool valid_cidr(const std::string& entry) {
    auto slash = entry.find('/');
    auto ip = entry.substr(0, slash);
    unsigned char buf[16];
    bool v4 = inet_pton(AF_INET, ip.c_str(), buf) == 1;
    bool v6 = !v4 && inet_pton(AF_INET6, ip.c_str(), buf) == 1;
    if (!v4 && !v6) return false;
    if (slash == std::string::npos) return true;
    auto bits = entry.substr(slash + 1);
    if (bits.empty() || bits.size() > 3 ||
        bits.find_first_not_of("0123456789") != std::string::npos) {
        return false;
    }
    return std::stoi(bits) <= (v4 ? 32 : 128);
}

void read_public_url(Reader& r, Config& c) {
    if (auto url = r.get("PUBLIC_URL")) {
        if (!starts_with_ci(*url, "http://") && !starts_with_ci(*url, "https://")) {
            r.error("PUBLIC_URL must start with https:// or http:// (got \"" + *url + "\")");
        } else if (url->find_first_of(" \t\r\n") != std::string::npos) {
            r.error("PUBLIC_URL must not contain spaces");
        }
        c.public_url = *url;
        while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
        // The scheme decides Secure cookies and HSTS: compare it in one case only.
        for (std::size_t i = 0; i < c.public_url.size() && c.public_url[i] != ':'; ++i) {
            c.public_url[i] =
                static_cast<char>(std::tolower(static_cast<unsigned char>(c.public_url[i])));
        }
    } else if (auto domain = r.get("RAILWAY_PUBLIC_DOMAIN")) {
        // Railway's own name for the service's public domain (set once a domain is generated).
        c.public_url = "https://" + *domain;
    } else {
        c.public_url = "http://localhost:" + std::to_string(c.port);
    }
}

// A URL built from the parts a provider sets one by one (Railway's PGHOST, PGPORT, ...): none
// unless the host is set; the user and password percent-encoded.
std::optional<std::string> url_from_parts(const Reader& r, const std::string& scheme,
                                          const char* host, const char* port, const char* user,
                                          const char* password, const char* path,
                                          const std::string& default_port) {
    auto h = r.get(host);
    if (!h) return std::nullopt;
    std::string url = scheme + "://";
    auto u = r.get(user);
    auto pw = r.get(password);
    if (u || pw) {
        url += percent_encode(u.value_or(""));
        if (pw) url += ":" + percent_encode(*pw);
        url += "@";
    }
    url += *h + ":" + r.get(port).value_or(default_port);
    if (path) {
        if (auto p = r.get(path)) url += "/" + percent_encode(*p);
    }
    return url;
}

// Where to set a connection URL that is missing, on Railway and elsewhere.
std::string missing_url_hint(const std::string& name, const std::string& service,
                             const std::string& example) {
    return "on Railway, add the variable " + name + " = ${{" + service + "." + name +
           "}} to this service (its Variables tab, after adding a " + service +
           " service to the project); elsewhere, the connection URL, e.g. " + example;
}

// The settings every subcommand needs, `migrate` included: the database and the log.
void read_database_and_log(Reader& r, Config& c) {
    auto parts = url_from_parts(r, "postgresql", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD",
                                "PGDATABASE", "5432");
    std::string db = r.get("DATABASE_URL") ? *r.get("DATABASE_URL")
                     : parts               ? *parts
                                           : r.required("DATABASE_URL",
                                                        missing_url_hint("DATABASE_URL", "Postgres",
                                                                         "postgresql://user:pass@host:5432/db"));
    if (!db.empty() && !starts_with_ci(db, "postgres://") && !starts_with_ci(db, "postgresql://")) {
        r.error("DATABASE_URL must start with postgresql:// or postgres://");
    }
    c.database_url = Secret(db);
    c.db_pool_size = r.integer("DB_POOL_SIZE", 8, 1, 200);
    c.db_queue_limit = r.integer("DB_QUEUE_LIMIT", 256, 1, 100000);
    c.password_hash_threads = r.integer("PASSWORD_HASH_THREADS", 2, 1, 16);
    c.password_hash_queue = r.integer("PASSWORD_HASH_QUEUE", 32, 1, 10000);
    c.job_db_pool_size = r.integer("JOB_DB_POOL_SIZE", 4, 1, 200);
    c.ingest_transactions = r.integer("INGEST_TRANSACTIONS", 1, 1, 16);
    c.log_level = r.one_of("LOG_LEVEL", "info", {"trace", "debug", "info", "warn", "error"});
    c.log_format = r.one_of("LOG_FORMAT", "text", {"text", "json"}) == "json" ? log::Format::json
                                                                              : log::Format::text;
}

void read_redis(Reader& r, Config& c) {
    auto parts = url_from_parts(r, "redis", "REDISHOST", "REDISPORT", "REDISUSER", "REDISPASSWORD",
                                nullptr, "6379");
    std::string redis =
        r.get("REDIS_URL") ? *r.get("REDIS_URL")
        : parts            ? *parts
                           : r.required("REDIS_URL", missing_url_hint("REDIS_URL", "Redis",
                                                                      "redis://default:pass@host:6379"));
    if (!redis.empty()) {
        try {
            util::parse_redis_url(redis);
        } catch (const std::invalid_argument& e) {
            r.error(std::string("REDIS_URL ") + e.what());
        }
    }
    c.redis_url = Secret(redis);
}

// The HTTP server: static files, threads, /metrics, timeouts.
void read_server(Reader& r, Config& c) {
    if (auto dir = r.get("WEB_DIR")) c.web_dir = *dir;
    c.io_threads = r.integer("IO_THREADS", 0, 0, 256);
    if (c.io_threads == 0) {
        c.io_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    }
    if (auto token = r.get("METRICS_TOKEN")) {
        if (token->size() < 16) r.error("METRICS_TOKEN must be at least 16 characters");
        c.metrics_token = Secret(*token);
    }
    c.http_idle_timeout = std::chrono::seconds(r.integer("HTTP_IDLE_TIMEOUT_SECONDS", 60, 1, 3600));
    c.http_read_timeout = std::chrono::seconds(r.integer("HTTP_READ_TIMEOUT_SECONDS", 30, 1, 3600));
    c.shutdown_grace = std::chrono::seconds(r.integer("SHUTDOWN_GRACE_SECONDS", 20, 0, 600));
}

// Signing sessions, and the first owner's account.
void read_sign_in(Reader& r, Config& c) {
    if (auto secret = r.get("JWT_SECRET")) {
        if (secret->size() < 32) {
            r.error("JWT_SECRET must be at least 32 bytes (got " + std::to_string(secret->size()) +
                    "); generate one with: openssl rand -base64 48");
        }
        c.jwt_secret = Secret(*secret);
    } else {
        r.error(
            "JWT_SECRET is required: at least 32 random bytes that sign session tokens; "
            "generate one with: openssl rand -base64 48");
    }
    auto admin_email = r.get("ADMIN_EMAIL");
    auto admin_password = r.get("ADMIN_PASSWORD");
    if (admin_email.has_value() != admin_password.has_value()) {
        r.error(std::string(admin_email ? "ADMIN_PASSWORD" : "ADMIN_EMAIL") +
                " must be set together with " + (admin_email ? "ADMIN_EMAIL" : "ADMIN_PASSWORD"));
    }
    if (admin_email) {
        if (auto email = normalize_email(*admin_email)) {
            c.admin_email = *email;
        } else {
            r.error("ADMIN_EMAIL must be an email address (got \"" + *admin_email + "\")");
        }
    }
    if (admin_password) {
        if (admin_password->size() < 10 || admin_password->size() > 1024) {
            r.error("ADMIN_PASSWORD must be 10 to 1024 bytes long");
        }
        c.admin_password = Secret(*admin_password);
    }
}

// The WhatsApp Cloud API: credentials, where it lives, how fast we may send.
void read_whatsapp(Reader& r, Config& c) {
    if (auto secret = r.get("WHATSAPP_APP_SECRET")) c.whatsapp_app_secret = Secret(*secret);
    if (auto token = r.get("WHATSAPP_VERIFY_TOKEN")) {
        if (token->size() < 8) r.error("WHATSAPP_VERIFY_TOKEN must be at least 8 characters");
        c.whatsapp_verify_token = Secret(*token);
    }
    if (auto id = r.get("WHATSAPP_PHONE_NUMBER_ID")) {
        if (id->find_first_not_of("0123456789") != std::string::npos) {
            r.error(
                "WHATSAPP_PHONE_NUMBER_ID must be the numeric id from Meta's API Setup page "
                "(got \"" +
                *id + "\")");
        }
        c.whatsapp_phone_number_id = *id;
    }
    if (auto token = r.get("WHATSAPP_ACCESS_TOKEN")) c.whatsapp_access_token = Secret(*token);
    if (auto base = r.get("GRAPH_API_BASE")) {
        if (!starts_with_ci(*base, "https://") && !starts_with_ci(*base, "http://")) {
            r.error("GRAPH_API_BASE must start with https:// or http:// (got \"" + *base + "\")");
        }
        c.graph_api_base = *base;
        while (!c.graph_api_base.empty() && c.graph_api_base.back() == '/') {
            c.graph_api_base.pop_back();
        }
    }
    if (auto version = r.get("GRAPH_API_VERSION")) {
        bool ok = version->size() >= 2 && (*version)[0] == 'v' &&
                  version->find_first_not_of("0123456789.", 1) == std::string::npos;
        if (!ok) r.error("GRAPH_API_VERSION must look like v25.0 (got \"" + *version + "\")");
        c.graph_api_version = *version;
    }
    c.whatsapp_send_rate = r.integer("WHATSAPP_SEND_RATE", 80, 1, 1000);
    c.whatsapp_pair_burst = r.integer("WHATSAPP_PAIR_BURST", 6, 1, 45);
}

// The knowledge base: the text-search language and the upload limits.
void read_knowledge(Reader& r, Config& c) {
    if (auto language = r.get("KB_LANGUAGE")) {
        std::string l = *language;
        for (auto& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (!is_text_search_language(l)) {
            r.error(
                "KB_LANGUAGE must be a PostgreSQL text-search language such as english, "
                "spanish, german, french, portuguese or simple (got \"" +
                *language + "\")");
        }
        c.kb_language = l;
    }
    c.kb_max_documents = r.integer("KB_MAX_DOCUMENTS", 50, 1, 100000);
    c.kb_max_file_mb = r.integer("KB_MAX_FILE_MB", 10, 1, 100);
}

// The key that seals stored credentials (JWT_SECRET when unset).
void read_secret_key(Reader& r, Config& c) {
    if (auto key = r.get("SECRET_KEY")) {
        if (key->size() < 32) {
            r.error("SECRET_KEY must be at least 32 bytes (got " + std::to_string(key->size()) +
                    "); generate one with: openssl rand -base64 48");
        }
        c.secret_key = Secret(*key);
    }
}

// The LLM service and the AI replies made with it.
void read_llm(Reader& r, Config& c) {
    if (auto base = r.get("LLM_BASE_URL")) {
        if (!starts_with_ci(*base, "https://") && !starts_with_ci(*base, "http://")) {
            r.error("LLM_BASE_URL must start with https:// or http:// (got \"" + *base + "\")");
        }
        c.llm_base_url = *base;
        while (!c.llm_base_url.empty() && c.llm_base_url.back() == '/') c.llm_base_url.pop_back();
    }
    if (auto style = r.get("LLM_API_STYLE")) {
        if (*style == "openrouter") {
            c.llm_openrouter = true;
        } else if (*style == "openai") {
            c.llm_openrouter = false;
        } else if (*style != "auto") {
            r.error("LLM_API_STYLE must be auto, openrouter or openai (got \"" + *style + "\")");
        }
    }
    if (auto key = r.get("LLM_API_KEY")) {
        c.llm_api_key = Secret(*key);
    } else if (auto legacy = r.get("OPENROUTER_API_KEY")) {
        c.llm_api_key = Secret(*legacy);
    }
    if (auto model = r.get("LLM_MODEL")) c.llm_model = *model;
    if (auto list = r.get("LLM_FALLBACK_MODELS")) {
        c.llm_fallback_models = split_list(*list);
        if (c.llm_fallback_models.size() > 3) r.error("LLM_FALLBACK_MODELS lists at most 3 models");
    }
    c.llm_first_token_timeout =
        std::chrono::milliseconds(r.integer("LLM_FIRST_TOKEN_TIMEOUT_MS", 20000, 500, 300000));
    c.llm_timeout = std::chrono::milliseconds(r.integer("LLM_TIMEOUT_MS", 60000, 1000, 600000));
    c.ai_debounce_ms = r.integer("AI_DEBOUNCE_MS", 1000, 0, 60000);
    c.ai_concurrency = r.integer("AI_CONCURRENCY", 256, 1, 10000);
}

// FLOW_API_ALLOWLIST: addresses (or CIDR ranges) of private networks flows may call.
void read_flows(Reader& r, Config& c) {
    if (auto list = r.get("FLOW_API_ALLOWLIST")) {
        for (auto& entry : split_list(*list)) {
            if (!valid_cidr(entry)) {
                r.error(
                    "FLOW_API_ALLOWLIST must list IP addresses or ranges like 10.0.0.0/8 "
                    "(got \"" +
                    entry + "\")");
            }
            c.flow_api_allowlist.push_back(entry);
        }
    }
    c.flow_max_steps = r.integer("FLOW_MAX_STEPS_PER_TURN", 50, 1, 1000);
}

// TRUST_PROXY: true/yes, false/no, or how many proxies to trust.
void read_trust_proxy(Reader& r, Config& c) {
    if (auto trust = r.get("TRUST_PROXY")) {
        std::string t = *trust;
        for (auto& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (t == "true" || t == "yes") {
            c.trust_proxy = 1;
        } else if (t == "false" || t == "no") {
            c.trust_proxy = 0;
        } else {
            c.trust_proxy = r.integer("TRUST_PROXY", 0, 0, 10);
        }
    }
}

void read_redis_prefix(Reader& r, Config& c) {
    if (auto prefix = r.get("REDIS_KEY_PREFIX")) {
        if (prefix->size() > 64 || prefix->find_first_of(" \t\r\n") != std::string::npos) {
            r.error("REDIS_KEY_PREFIX must be at most 64 characters without spaces");
        }
        c.redis_prefix = *prefix;
    }
}
}  // namespace

std::optional<std::string> normalize_email(std::string_view email) {
    while (!email.empty() && std::isspace(static_cast<unsigned char>(email.front()))) {
        email.remove_prefix(1);
    }
    while (!email.empty() && std::isspace(static_cast<unsigned char>(email.back()))) {
        email.remove_suffix(1);
    }
    if (email.empty() || email.size() > 254) return std::nullopt;
    auto at = email.find('@');
    if (at == 0 || at == std::string_view::npos || at + 1 == email.size() ||
        email.find('@', at + 1) != std::string_view::npos) {
        return std::nullopt;
    }
    std::string out;
    for (char ch : email) {
        auto u = static_cast<unsigned char>(ch);
        if (std::isspace(u) || std::iscntrl(u)) return std::nullopt;
        out.push_back(static_cast<char>(std::tolower(u)));
    }
    return out;
}

std::variant<Config, std::vector<std::string>> load(const Env& env, Purpose purpose) {
    std::vector<std::string> errors;
    Reader r(env, errors);
    Config c;

    read_database_and_log(r, c);
    if (purpose == Purpose::migrate) {
        if (!errors.empty()) return errors;
        return c;
    }

    c.port = r.integer<std::uint16_t>("PORT", 8080, 0, 65535);
    if (auto host = r.get("HOST")) c.host = *host;
    read_public_url(r, c);
    if (purpose == Purpose::cli) {
        if (!errors.empty()) return errors;
        return c;
    }

    read_redis(r, c);
    read_server(r, c);
    read_sign_in(r, c);
    read_whatsapp(r, c);
    read_knowledge(r, c);
    c.job_workers = r.integer("JOB_WORKERS", 4, 0, 64);
    c.job_lease = std::chrono::seconds(r.integer("JOB_LEASE_SECONDS", 300, 2, 86400));
    read_secret_key(r, c);
    read_llm(r, c);
    read_flows(r, c);
    c.ws_queue_limit = r.integer("WS_QUEUE_LIMIT", 512, 1, 100000);
    read_redis_prefix(r, c);
    read_trust_proxy(r, c);

    if (!errors.empty()) return errors;
    return c;
}

const Secret& sealing_key(const Config& config) noexcept {
    return config.secret_key.empty() ? config.jwt_secret : config.secret_key;
}

Env process_env() {
    Env env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    return env;
}

}  // namespace botflow::config
