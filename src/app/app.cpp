#include "botflow/app/app.hpp"

#include <boost/asio/signal_set.hpp>
#include <random>
#include <thread>

#include "botflow/auth/auth.hpp"
#include "botflow/auth/passwords.hpp"
#include "botflow/core/blocking.hpp"
#include "botflow/core/embedded.hpp"
#include "botflow/core/error.hpp"
#include "botflow/http/server.hpp"
#include "botflow/http/static_files.hpp"
#include "botflow/store/migrator.hpp"

namespace botflow {
namespace {

// Railway may start the app before its database accepts connections: keep trying this long.
constexpr int kMigrateAttempts = 30;

bool migrate_with_retries(const config::Config& config) {
    auto plan = store::plan_migrations(embedded_migrations());
    for (int attempt = 1;; ++attempt) {
        try {
            auto report = store::migrate(config.database_url.reveal(), plan);
            for (const auto& name : report.applied) spdlog::info("migrate.applied name={}", name);
            spdlog::info("migrate.done applied={} already={}", report.applied.size(),
                         report.already);
            return true;
        } catch (const Error& e) {
            if (e.code() != Errc::unavailable || attempt >= kMigrateAttempts) {
                spdlog::error("migrate.failed detail=\"{}\" cause=\"{}\"", e.detail(), e.cause());
                return false;
            }
            spdlog::warn("migrate.waiting_for_database attempt={} cause=\"{}\"", attempt,
                         e.cause());
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
    }
}

// Sent with every response. The CSP allows inline scripts and styles because the
// dashboard's static export (Next.js) bootstraps with inline <script> tags.
std::vector<std::pair<std::string, std::string>> security_headers(const std::string& public_url) {
    std::vector<std::pair<std::string, std::string>> h{
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "strict-origin-when-cross-origin"},
        {"X-Frame-Options", "DENY"},
        {"Content-Security-Policy",
         "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
         "'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src "
         "'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src "
         "'none'"}};
    if (public_url.rfind("https://", 0) == 0) {
        h.emplace_back("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    }
    return h;
}

std::string random_instance_id() {
    std::random_device rd;
    return fmt::format("{:08x}{:08x}", rd(), rd());
}

}  // namespace

App::App(config::Config cfg)
    : config(std::move(cfg)),
      io(config.io_threads),
      cpu(static_cast<std::size_t>(std::max(2, config.io_threads)), 1024,
          "The server is busy: try again in a moment."),
      hashing(static_cast<std::size_t>(config.password_hash_threads), config.password_hash_queue,
              "Too many sign-ins at once: try again in a moment."),
      extraction(2),
      db(config.database_url, config.db_pool_size, config.db_queue_limit),
      jobs_db(config.database_url, config.job_db_pool_size),
      redis(io, util::parse_redis_url(config.redis_url.reveal())),
      // Every AI answer in the making may hold a streaming connection to the LLM at once.
      http(io, std::max(64, config.ai_concurrency + 64)),
      whatsapp(config),
      graph(http,
            whatsapp::GraphSettings{.base = config.graph_api_base,
                                    .version = config.graph_api_version},
            whatsapp),
      sessions(redis, config.jwt_secret, config.redis_prefix),
      llm(http),
      inbox(db, config.ai_debounce_ms, config.ingest_transactions),
      instance_id(random_instance_id()),
      jobs(io, jobs_db, config.database_url,
           jobs::RunnerOptions{
               .workers = config.job_workers,
               .lanes = {{conversations::kTurnLane, config.ai_concurrency}},
               .lease = config.job_lease,
               .reclaim_every = std::clamp(config.job_lease / 3, std::chrono::seconds(1),
                                           std::chrono::seconds(15)),
               .instance_id = instance_id}),
      turns(jobs_db),
      bus(io, redis, util::parse_redis_url(config.redis_url.reveal()),
          events::BusOptions{.channel = config.redis_prefix + "events",
                             .origin = instance_id,
                             .database_url = config.database_url}),
      auth_module{config, db, redis, sessions, router, hashing},
      jobs_module{db, jobs_db, jobs, router},
      ws_module{config, io, router, sessions, auth_module, hub, bus, nullptr},
      knowledge_module{config, db, jobs_db, jobs, router, extraction},
      prompts_module{config, db, router},
      whatsapp_module{config, io, db, jobs_db, jobs, redis, router, whatsapp, webhook_calls, graph},
      conversations_module{config,        io,    db,    jobs_db, jobs, router, whatsapp,
                           webhook_calls, graph, inbox, turns},
      ai_module{config, io, db, jobs_db, router, bus, llm, graph, turns},
      flows_module{config, io, db, jobs_db, jobs, router, bus, http, llm, metrics, turns},
      analytics_module{db, router, nullptr} {
    bus.add_sink([this](const events::Event& e) {
        hub.deliver(e);
        // Another replica saved new credentials (this one applied them already).
        if (e.type == events::Type::settings_updated && e.data.is_object() &&
            e.data.contains("section") && e.data["section"] == "whatsapp") {
            whatsapp::reload_credentials(whatsapp_module);
        }
    });
    bus.on_subscribed([this](bool after_gap) {
        if (after_gap) hub.resync_all("events_may_be_missing");
        // A save may have been announced before this subscription (at start, or while Redis
        // was away).
        whatsapp::reload_credentials(whatsapp_module);
    });
    register_system_routes(*this);
    register_setup_routes(*this);
    auth::register_module(auth_module);
    jobs::register_module(jobs_module);
    ws::register_module(ws_module);
    knowledge::register_module(knowledge_module);
    prompts::register_module(prompts_module);
    whatsapp::register_module(whatsapp_module);
    conversations::register_module(conversations_module);
    ai::register_module(ai_module);
    flows::register_module(flows_module);
    analytics::register_module(analytics_module);
}

App::~App() = default;

// SIGINT and SIGTERM, the timer that polls the drain, and the grace period's end.
struct App::Drain {
    Drain(asio::io_context& io, http::Server& server)
        : signals(io, SIGINT, SIGTERM), timer(io), server(server) {}
    asio::signal_set signals;
    asio::steady_timer timer;
    http::Server& server;
    std::chrono::steady_clock::time_point deadline{};  // set by the first signal
};

int App::serve() {
    if (!start_up()) return 1;
    auto files = std::make_shared<http::StaticFiles>(config.web_dir);
    http::ServerOptions options;
    options.idle_timeout = config.http_idle_timeout;
    options.read_timeout = config.http_read_timeout;
    // Cached files are answered on the IO thread (a stat, no read); anything that needs the
    // disk goes to the cpu pool.
    options.fallback = [files, this](http::Request& req) -> asio::awaitable<http::Response> {
        if (auto cached = files->serve_cached(req)) co_return std::move(*cached);
        auto read = [files, req]() { return files->serve(req); };
        co_return co_await cpu.run(std::move(read));
    };
    options.authenticate = [this](http::Request& req, http::Access access) {
        return auth::authenticate(auth_module, req, access);
    };
    options.response_headers = security_headers(config.public_url);
    http::Server server(io, router, metrics, std::move(options));
    std::uint16_t port = 0;
    try {
        port = server.listen(config.host, config.port);
    } catch (const std::system_error& e) {
        spdlog::error("http.listen_failed host={} port={} error=\"{}\"", config.host, config.port,
                      e.what());
        return 1;
    }
    server.start();
    jobs.start();
    spdlog::info("http.listening port={} url={} web_dir={} io_threads={} db_pool={}", port,
                 config.public_url, config.web_dir, config.io_threads, config.db_pool_size);
    spdlog::default_logger()->flush();

    Drain drain(io, server);
    wait_for_signal(drain);
    run_io();
    shut_down(drain);
    return 0;
}

bool App::start_up() {
    if (!migrate_with_retries(config)) return false;
    try {
        auth::bootstrap_first_owner(config);
        if (!prompts::seed_templates(config.database_url.reveal())) return false;
        whatsapp::load_credentials_now(whatsapp_module);
        auth::prepare_dummy_hash();
        spdlog::info("db.pool_ready connections={}", db.warm_up());
    } catch (const std::exception& e) {
        spdlog::error("auth.bootstrap_failed what=\"{}\"", e.what());
        return false;
    }
    redis.start();
    bus.start();
    whatsapp::start_webhook_upkeep(whatsapp_module);
    return true;
}

void App::wait_for_signal(Drain& drain) {
    drain.signals.async_wait([this, &drain](boost::system::error_code ec, int sig) {
        if (!ec) on_signal(drain, sig);
    });
}

void App::on_signal(Drain& drain, int sig) {
    if (drain.deadline != std::chrono::steady_clock::time_point{}) {
        spdlog::warn("shutdown.forced signal={}", sig);
        io.stop();
        return;
    }
    spdlog::info("shutdown.begin signal={} open_connections={} grace_s={}", sig,
                 drain.server.open_connections(), config.shutdown_grace.count());
    drain.deadline = std::chrono::steady_clock::now() + config.shutdown_grace;
    drain.server.shutdown();
    hub.close_all(1001, "the server is restarting: reconnect");
    jobs.stop();
    poll_drain(drain);
    wait_for_signal(drain);
}

void App::poll_drain(Drain& drain) {
    // Feed sockets were told to close (1001); the grace lets the close frames go out.
    bool idle = drain.server.open_connections() == 0 && jobs.running() == 0 && hub.clients() == 0;
    if (idle || std::chrono::steady_clock::now() >= drain.deadline) {
        if (!idle) {
            // Unfinished jobs are not lost: they are given back to the queue by shut_down (or,
            // if that fails, their lease runs out) and another worker takes them again.
            spdlog::warn("shutdown.grace_expired open_connections={} running_jobs={}",
                         drain.server.open_connections(), jobs.running());
        }
        spdlog::info("shutdown.done");
        io.stop();
        return;
    }
    drain.timer.expires_after(std::chrono::milliseconds(25));
    drain.timer.async_wait([this, &drain](boost::system::error_code) { poll_drain(drain); });
}

void App::run_io() {
    std::vector<std::thread> threads;
    for (int i = 1; i < config.io_threads; ++i) threads.emplace_back([this] { io.run(); });
    io.run();
    for (auto& t : threads) t.join();
}

void App::shut_down(Drain& drain) {
    // From here no thread runs the io_context: a further signal must end the process as usual,
    // and the clients are stopped synchronously.
    boost::system::error_code ignored;
    drain.signals.cancel(ignored);
    drain.signals.clear(ignored);
    bus.stop();
    redis.stop_now();
    http.stop_now();
    jobs.stop();
    jobs.join();
    if (int released = jobs.release(); released > 0) {
        spdlog::warn("shutdown.jobs_released count={}", released);
    }
    db.shutdown();
    jobs_db.shutdown();
    cpu.stop();
    cpu.join();
    hashing.stop();
    hashing.join();
    extraction.stop();
    extraction.join();
    spdlog::default_logger()->flush();
}

}  // namespace botflow
