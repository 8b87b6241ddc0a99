// Operational routes: liveness, readiness, Prometheus metrics and the API document.

#include <ctime>
#include <mutex>

#include "botflow/app/app.hpp"
#include "botflow/core/embedded.hpp"
#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"

namespace botflow {
namespace {

using http::Request;
using http::Response;

asio::awaitable<Response> handle_health(App& app, Request&) {
    auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now() - app.started_at);
    co_return Response::json(200, {{"status", "ok"},
                                   {"version", build_version()},
                                   {"commit", build_commit()},
                                   {"uptime_s", uptime.count()}});
}

// Now, as "2026-12-08T03:40:12.345Z".
std::string iso_now() {
    auto now = std::chrono::system_clock::now();
    auto t = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char out[32];
    std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S", &tm);
    return std::string(out) + "." + std::to_string(1000 + ms.count()).substr(1) + "Z";
}

// What PostgreSQL and Redis answered, by name ("ok" or "unavailable"), and the names of those
// that did not.
struct Readiness {
    nlohmann::json checks = nlohmann::json::object();
    std::vector<std::string> down;
    std::string checked_at;  // ISO 8601, UTC
    std::chrono::steady_clock::time_point at{};
};

asio::awaitable<Readiness> check_readiness(App& app, const std::string& request_id) {
    Readiness r;
    try {
        co_await app.db.ping();
        r.checks["postgres"] = "ok";
    } catch (const Error& e) {
        r.checks["postgres"] = "unavailable";
        r.down.push_back("PostgreSQL");
        spdlog::warn("ready.postgres_down request_id={} cause=\"{}\"", request_id, e.cause());
    }
    try {
        // Braced lists inside co_await trip g++ 12 ("array used as initializer"): name it.
        std::vector<std::string> ping{"PING"};
        auto reply = co_await app.redis.command(std::move(ping), std::chrono::milliseconds(1000));
        if (reply.type == util::RedisReply::Type::error)
            throw Error(Errc::unavailable, "", reply.str);
        r.checks["redis"] = "ok";
    } catch (const Error& e) {
        r.checks["redis"] = "unavailable";
        r.down.push_back("Redis");
        spdlog::warn("ready.redis_down request_id={} cause=\"{}\"", request_id, e.cause());
    }
    r.checked_at = iso_now();
    r.at = std::chrono::steady_clock::now();
    co_return r;
}

// A load balancer or a stranger may ask many times a second: the answer of the last second is
// given again instead of two more round trips each time.
constexpr auto kReadyFor = std::chrono::seconds(1);

asio::awaitable<Response> handle_ready(App& app, Request& req) {
    static std::mutex mutex;
    static Readiness last;
    Readiness r;
    {
        std::lock_guard lock(mutex);
        r = last;
    }
    if (r.checked_at.empty() || std::chrono::steady_clock::now() - r.at >= kReadyFor) {
        r = co_await check_readiness(app, req.request_id);
        std::lock_guard lock(mutex);
        last = r;
    }
    if (!r.down.empty()) {
        std::string names = r.down.size() == 2 ? "PostgreSQL and Redis are" : r.down[0] + " is";
        throw Error(Errc::unavailable, "Not ready: " + names + " not answering.")
            .with_extension("checks", r.checks)
            .with_extension("checked_at", r.checked_at)
            .with_header("Retry-After", "5");
    }
    co_return Response::json(
        200, {{"status", "ready"}, {"checks", r.checks}, {"checked_at", r.checked_at}});
}

asio::awaitable<Response> handle_metrics(App& app, Request& req) {
    if (!app.config.metrics_token.empty()) {
        std::string expected = "Bearer " + app.config.metrics_token.reveal();
        auto given = req.header("authorization");
        bool ok = constant_time_equal(given, expected);
        if (!ok) {
            throw Error(Errc::unauthorized,
                        "This server's metrics need 'Authorization: Bearer <METRICS_TOKEN>'.")
                .with_header("WWW-Authenticate", "Bearer realm=\"metrics\"");
        }
    }
    auto pool = app.db.stats();
    std::string out = app.metrics.render();
    out += fmt::format(
        "# HELP botflow_db_pool_connections PostgreSQL connections in the pool.\n"
        "# TYPE botflow_db_pool_connections gauge\n"
        "botflow_db_pool_connections{{state=\"size\"}} {}\n"
        "botflow_db_pool_connections{{state=\"in_use\"}} {}\n"
        "# HELP botflow_db_pool_waiting Database tasks waiting for a connection.\n"
        "# TYPE botflow_db_pool_waiting gauge\n"
        "botflow_db_pool_waiting {}\n"
        "# HELP botflow_redis_connected 1 while the Redis connection is up.\n"
        "# TYPE botflow_redis_connected gauge\n"
        "botflow_redis_connected {}\n"
        "# HELP botflow_build_info Version and commit of the running binary.\n"
        "# TYPE botflow_build_info gauge\n"
        "botflow_build_info{{version=\"{}\",commit=\"{}\"}} 1\n"
        "# HELP process_start_time_seconds Start time of the process since the Unix epoch.\n"
        "# TYPE process_start_time_seconds gauge\n"
        "process_start_time_seconds {}\n",
        pool.size, pool.in_use, pool.waiting, app.redis.connected() ? 1 : 0, build_version(),
        build_commit(),
        std::chrono::duration_cast<std::chrono::seconds>(app.started_at.time_since_epoch())
            .count());
    Response r = Response::text(200, std::move(out), "text/plain; version=0.0.4; charset=utf-8");
    co_return http::no_store(std::move(r));
}

asio::awaitable<Response> handle_openapi(std::shared_ptr<const std::string> body) {
    Response r;
    r.shared_body = std::move(body);
    r.headers.emplace_back("Content-Type", "application/json");
    r.set_header("Cache-Control", "no-cache");
    co_return r;
}

}  // namespace

const nlohmann::json& openapi_document() {
    static const nlohmann::json doc = [] {
        auto files = embedded_openapi();
        return nlohmann::json::parse(files.front().content);
    }();
    return doc;
}

void register_system_routes(App& app) {
    auto& r = app.router;
    // Probes and the scrape endpoint answer without a session (metrics has its own token).
    const http::RouteOptions open{http::kDefaultBodyLimit, http::Access::public_};
    r.add(
        http::Method::get, "/api/health", [&app](Request& req) { return handle_health(app, req); },
        open);
    r.add(
        http::Method::get, "/api/ready", [&app](Request& req) { return handle_ready(app, req); },
        open);
    r.add(
        http::Method::get, "/metrics", [&app](Request& req) { return handle_metrics(app, req); },
        open);
    // The document only changes with the binary and PUBLIC_URL: serialise it once.
    nlohmann::json doc = openapi_document();
    doc["servers"] = nlohmann::json::array({{{"url", app.config.public_url}}});
    auto body = std::make_shared<const std::string>(doc.dump());
    r.add(http::Method::get, "/api/openapi.json",
          [body](Request&) { return handle_openapi(body); });
}

}  // namespace botflow
