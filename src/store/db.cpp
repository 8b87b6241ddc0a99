#include "botflow/store/db.hpp"

#include <spdlog/spdlog.h>

#include <pqxx/pqxx>

#include "botflow/core/error.hpp"

namespace botflow::store {

struct PooledConnection {
    explicit PooledConnection(const std::string& url) : conn(url) {}
    pqxx::connection conn;
};

namespace {

// After a failed connect, callers fail at once for this long instead of each waiting on a
// connect of their own; short enough that service resumes within a second of PostgreSQL.
constexpr auto kDownBackoff = std::chrono::milliseconds(250);
// The cause of a busy error (is_busy), ahead of PostgreSQL's own message.
constexpr const char* kBusy = "postgres busy: ";

bool has_param(const std::string& url, const std::string& key) {
    return url.find(key + "=") != std::string::npos;
}

// Runs `work` in one transaction and commits. A deadlock or serialization failure aborts the
// whole transaction before anything took effect: run it again (the work functions are written
// to be re-run).
void commit_with_retries(pqxx::connection& conn,
                         const std::function<void(pqxx::dbtransaction&)>& work) {
    for (int attempt = 1;; ++attempt) {
        try {
            pqxx::work tx(conn);
            work(tx);
            tx.commit();
            return;
        } catch (const pqxx::deadlock_detected&) {
            // libpqxx 6 throws these two as transaction_rollback, not sql_error, and
            // without their SQLSTATE.
            if (attempt >= 3) throw;
            spdlog::warn("db.retry sqlstate=40P01 attempt={}", attempt);
        } catch (const pqxx::serialization_failure&) {
            if (attempt >= 3) throw;
            spdlog::warn("db.retry sqlstate=40001 attempt={}", attempt);
        }
    }
}

// A failed transaction as its caller sees it (a botflow::Error, or the exception itself), and
// whether its connection may serve the next transaction.
struct Failure {
    std::exception_ptr error;
    bool connection_reusable;
};

// Called inside a catch block: translates the exception being handled.
Failure translate_failure(const pqxx::connection& conn) {
    auto error = [](Errc code, std::string detail, std::string cause) {
        return std::make_exception_ptr(Error(code, std::move(detail), std::move(cause)));
    };
    try {
        throw;
    } catch (const pqxx::broken_connection& e) {
        // Dropped here (not given back): the next user opens a fresh connection.
        return {error(Errc::unavailable, "The database is unavailable; try again shortly.",
                      std::string("postgres connection lost: ") + e.what()),
                false};
    } catch (const pqxx::unique_violation& e) {
        return {error(Errc::conflict, "That already exists.", e.what()), true};
    } catch (const pqxx::foreign_key_violation& e) {
        return {
            error(Errc::unprocessable, "That refers to something that does not exist.", e.what()),
            true};
    } catch (const pqxx::check_violation& e) {
        return {error(Errc::unprocessable, "That value is not allowed.", e.what()), true};
    } catch (const pqxx::transaction_rollback& e) {
        // A deadlock or serialization failure still there after the retries: busy.
        return {error(Errc::unavailable, "The database is busy; try again shortly.",
                      std::string(kBusy) + e.what()),
                true};
    } catch (const pqxx::in_doubt_error& e) {
        return {error(Errc::unavailable, "The database connection failed during commit.", e.what()),
                false};
    } catch (const pqxx::data_exception& e) {
        // 22xxx: a value PostgreSQL cannot take (a malformed timestamp or id from a caller).
        return {error(Errc::unprocessable, "A value in the request is not valid.", e.what()), true};
    } catch (const pqxx::sql_error& e) {
        // 08xxx (connection exception) and 57P0x (server shutting down) mean this connection
        // is finished even if libpq has not noticed yet.
        const std::string& state = e.sqlstate();
        if (state == "55P03") {
            // A lock held longer than the work would wait: busy, not broken. A 503 makes
            // callers (and Meta) try again.
            return {error(Errc::unavailable, "The database is busy; try again shortly.",
                          std::string(kBusy) + e.what()),
                    true};
        }
        if (state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0) {
            return {error(Errc::unavailable, "The database is unavailable; try again shortly.",
                          std::string("postgres: ") + e.what()),
                    false};
        }
        return {std::current_exception(), true};
    } catch (...) {
        return {std::current_exception(), conn.is_open()};
    }
}

}  // namespace

namespace {

void append_quoted(std::string& out, const std::string& item) {
    out += '"';
    for (char c : item) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
}

}  // namespace

std::string text_array(const std::vector<std::optional<std::string>>& items) {
    std::string out = "{";
    for (const auto& item : items) {
        if (out.size() > 1) out += ',';
        if (item) {
            append_quoted(out, *item);
        } else {
            out += "NULL";
        }
    }
    return out + "}";
}

std::string text_array(const std::vector<std::string>& items) {
    std::string out = "{";
    for (const auto& item : items) {
        if (out.size() > 1) out += ',';
        append_quoted(out, item);
    }
    return out + "}";
}

std::string int_array(const std::vector<long long>& items) {
    std::string out = "{";
    for (auto item : items) {
        if (out.size() > 1) out += ',';
        out += std::to_string(item);
    }
    return out + "}";
}

bool is_busy(const Error& e) {
    return e.code() == Errc::unavailable && e.cause().rfind(kBusy, 0) == 0;
}

std::string with_connection_defaults(const std::string& url) {
    const bool uri = url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
    std::string out = url;
    auto add = [&](const std::string& key, const std::string& value) {
        if (has_param(url, key)) return;
        if (uri) {
            out += (out.find('?') == std::string::npos ? "?" : "&");
        } else if (!out.empty()) {
            out += " ";
        }
        out += key + "=" + value;
    };
    // A connect to a host that drops packets must fail within seconds, not minutes, so /api/ready
    // and requests answer 503 quickly; keepalives notice a dead server on an idle connection.
    add("connect_timeout", "3");
    add("keepalives", "1");
    add("keepalives_idle", "10");
    add("keepalives_interval", "5");
    add("keepalives_count", "3");
    add("application_name", "botflow");
    // A query stuck on a lock must not hold a pool thread (and shutdown) forever.
    add("options", uri ? "-c%20statement_timeout%3D30000" : "'-c statement_timeout=30000'");
    return out;
}

Db::Db(Secret url, int pool_size, int queue_limit)
    : url_(with_connection_defaults(url.reveal())),
      size_(pool_size),
      queue_limit_(queue_limit),
      pool_(static_cast<std::size_t>(pool_size)) {
    idle_.resize(static_cast<std::size_t>(pool_size));
}

Error Db::busy() const {
    // Once a second at most: the log must not flood just when the server is overloaded.
    static std::atomic<long long> last_logged{0};
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
                   .count();
    auto before = last_logged.load();
    if (now != before && last_logged.compare_exchange_strong(before, now)) {
        spdlog::warn("db.queue_full waiting={} limit={}", waiting_.load(), queue_limit_);
    }
    return Error(Errc::unavailable, "The server is busy: try again in a moment.",
                 "database queue full")
        .with_header("Retry-After", "1");
}

Db::~Db() { shutdown(); }

void Db::shutdown() {
    pool_.stop();  // queued work is dropped; work already running finishes
    pool_.join();
    std::lock_guard lock(mutex_);
    idle_.clear();
}

asio::awaitable<void> Db::ping() {
    auto select_one = [](pqxx::dbtransaction& tx) { tx.exec("SELECT 1"); };
    co_await run(std::move(select_one));
}

int Db::warm_up() {
    int opened = 0;
    std::lock_guard lock(mutex_);
    for (auto& slot : idle_) {
        if (slot) continue;
        try {
            slot = std::make_unique<PooledConnection>(url_);
            ++opened;
        } catch (const std::exception& e) {
            spdlog::warn("db.warm_up_failed error=\"{}\"", e.what());
            break;
        }
    }
    return opened;
}

PoolStats Db::stats() const noexcept {
    return PoolStats{size_, in_use_.load(std::memory_order_relaxed),
                     waiting_.load(std::memory_order_relaxed)};
}

void Db::execute(const std::function<void(pqxx::dbtransaction&)>& work) {
    waiting_.fetch_sub(1, std::memory_order_relaxed);
    in_use_.fetch_add(1, std::memory_order_relaxed);
    struct InUse {
        std::atomic<int>& n;
        ~InUse() { n.fetch_sub(1, std::memory_order_relaxed); }
    } in_use_guard{in_use_};

    // The pool has as many threads as connections, so a slot is always free here.
    std::unique_ptr<PooledConnection> conn;
    {
        std::lock_guard lock(mutex_);
        for (auto& slot : idle_) {
            if (slot) {
                conn = std::move(slot);
                break;
            }
        }
        if (!conn && std::chrono::steady_clock::now() < down_until_) {
            throw Error(Errc::unavailable, "The database is unavailable; try again shortly.",
                        "postgres down: " + down_reason_);
        }
    }
    auto give_back = [this](std::unique_ptr<PooledConnection> c) {
        std::lock_guard lock(mutex_);
        for (auto& slot : idle_) {
            if (!slot) {
                slot = std::move(c);
                return;
            }
        }
    };
    if (!conn) {
        try {
            conn = std::make_unique<PooledConnection>(url_);
        } catch (const std::exception& e) {
            std::lock_guard lock(mutex_);
            down_until_ = std::chrono::steady_clock::now() + kDownBackoff;
            down_reason_ = e.what();
            throw Error(Errc::unavailable, "The database is unavailable; try again shortly.",
                        std::string("postgres connect: ") + e.what());
        }
    }
    try {
        commit_with_retries(conn->conn, work);
    } catch (...) {
        auto failure = translate_failure(conn->conn);
        if (failure.connection_reusable) give_back(std::move(conn));
        std::rethrow_exception(failure.error);
    }
    give_back(std::move(conn));
}

}  // namespace botflow::store
