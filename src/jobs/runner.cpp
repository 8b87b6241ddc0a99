#include "botflow/jobs/runner.hpp"

#include <unistd.h>

#include <pqxx/pqxx>
#include <thread>
#include <unordered_map>

#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/store/db.hpp"

namespace botflow::jobs {

struct JobRunner::State : std::enable_shared_from_this<JobRunner::State> {
    State(asio::io_context& io, store::Db& db, Secret url, RunnerOptions options)
        : io(io), db(db), url(std::move(url)), options(options) {}

    asio::io_context& io;
    store::Db& db;
    Secret url;
    RunnerOptions options;
    std::unordered_map<std::string, JobHandler> handlers;
    std::atomic<bool> stopping{false};
    std::atomic<int> running{0};
    std::vector<std::shared_ptr<asio::steady_timer>> idle;  // one per worker, on its strand
    std::thread listener;
    std::string worker_prefix;

    asio::awaitable<void> work(std::string worker, std::shared_ptr<asio::steady_timer> timer);
    asio::awaitable<void> maintain(std::shared_ptr<asio::steady_timer> timer);
    // Renews the lease of a running job until *alive turns false, so a job that takes long
    // (a big download, a paced send) is never taken by a second worker while this one lives.
    asio::awaitable<void> heartbeat(std::int64_t id, std::string worker,
                                    std::shared_ptr<asio::steady_timer> beat,
                                    std::shared_ptr<bool> alive);
    void listen();
    void wake_all() {
        for (const auto& t : idle) {
            asio::post(t->get_executor(), [t] { t->cancel(); });
        }
    }
};

asio::awaitable<void> JobRunner::State::work(std::string worker,
                                             std::shared_ptr<asio::steady_timer> timer) {
    auto self = shared_from_this();
    std::mt19937_64 rng{std::random_device{}()};
    while (!stopping) {
        std::optional<Job> job;
        try {
            auto take = [worker, lease = options.lease](pqxx::dbtransaction& tx) {
                return claim(tx, worker, lease);
            };
            job = co_await db.run(std::move(take));
        } catch (const Error& e) {
            spdlog::debug("jobs.claim_failed worker={} cause=\"{}\"", worker, e.cause());
        }
        if (!job) {
            boost::system::error_code ec;
            timer->expires_after(options.sweep);
            co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        ++running;
        auto started = std::chrono::steady_clock::now();
        auto beat = std::make_shared<asio::steady_timer>(timer->get_executor());
        auto alive = std::make_shared<bool>(true);  // on this worker's strand, like the beat
        asio::co_spawn(timer->get_executor(), heartbeat(job->id, worker, beat, alive),
                       asio::detached);
        bool ok = false;
        bool permanent = false;
        bool deferred = false;  // RetryLater without counting the attempt
        std::optional<std::chrono::milliseconds> retry_in;
        std::string error;
        auto handler = handlers.find(job->kind);
        if (handler == handlers.end()) {
            error = "no handler for job kind " + job->kind;
            permanent = true;
        } else {
            try {
                co_await handler->second(*job);
                ok = true;
            } catch (const RetryLater& r) {
                error = r.what();
                retry_in = r.delay;
                deferred = !r.counts_attempt;
            } catch (const Error& e) {
                error = e.cause().empty() ? e.detail() : e.detail() + " (" + e.cause() + ")";
                permanent = !e.transient();
            } catch (const std::exception& e) {
                error = e.what();
            }
        }
        auto delay = retry_in
                         ? *retry_in
                         : backoff(job->attempts, options.base_backoff, options.max_backoff, rng);
        // Recording the outcome is retried briefly; if it still fails, the lease runs out and
        // the job runs again (handlers are idempotent).
        for (int attempt = 0; attempt < 3; ++attempt) {
            bool recorded = false;
            try {
                auto id = job->id;
                if (ok) {
                    auto finish = [id, worker](pqxx::dbtransaction& tx) {
                        return complete(tx, id, worker);
                    };
                    co_await db.run(std::move(finish));
                } else if (deferred) {
                    auto later = [id, worker, error, delay](pqxx::dbtransaction& tx) {
                        return defer(tx, id, worker, error, delay);
                    };
                    co_await db.run(std::move(later));
                } else {
                    auto record = [id, worker, error, permanent, delay](pqxx::dbtransaction& tx) {
                        return fail(tx, id, worker, error, permanent, delay);
                    };
                    co_await db.run(std::move(record));
                }
                recorded = true;
            } catch (const Error& e) {
                spdlog::warn("jobs.record_failed job={} attempt={} cause=\"{}\"", job->id,
                             attempt + 1, e.cause());
            }
            if (recorded) break;
            boost::system::error_code ec;
            timer->expires_after(std::chrono::milliseconds(500));
            co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
        // A conversation's next send may have waited for this one (claim keeps their order):
        // look for it now rather than at the next sweep.
        if (job->conversation_id) wake_all();
        if (deferred) {
            spdlog::debug("jobs.deferred job={} kind={} retry_ms={} why=\"{}\"", job->id, job->kind,
                          delay.count(), error);
        } else if (ok) {
            spdlog::info("jobs.done job={} kind={} attempt={} ms={}", job->id, job->kind,
                         job->attempts, ms);
        } else if (permanent || job->attempts >= job->max_attempts) {
            spdlog::error("jobs.dead job={} kind={} attempt={} error=\"{}\"", job->id, job->kind,
                          job->attempts, error);
        } else {
            spdlog::warn("jobs.retry job={} kind={} attempt={} retry_ms={} error=\"{}\"", job->id,
                         job->kind, job->attempts, delay.count(), error);
        }
        --running;
    }
}

asio::awaitable<void> JobRunner::State::heartbeat(std::int64_t id, std::string worker,
                                                  std::shared_ptr<asio::steady_timer> beat,
                                                  std::shared_ptr<bool> alive) {
    auto self = shared_from_this();
    auto every = std::max<std::chrono::seconds>(std::chrono::seconds(1), options.lease / 3);
    while (*alive) {
        boost::system::error_code ec;
        beat->expires_after(every);
        co_await beat->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (!*alive) break;
        bool held = true;
        try {
            auto extend = [id, worker, lease = options.lease](pqxx::dbtransaction& tx) {
                return renew(tx, id, worker, lease);
            };
            held = co_await db.run(std::move(extend));
        } catch (const Error& e) {
            spdlog::warn("jobs.renew_failed job={} cause=\"{}\"", id, e.cause());
        }
        if (!held) {
            spdlog::warn("jobs.lease_lost job={} worker={}", id, worker);
            break;
        }
    }
}

asio::awaitable<void> JobRunner::State::maintain(std::shared_ptr<asio::steady_timer> timer) {
    auto self = shared_from_this();
    std::int64_t scheduled_hour = -1;
    while (!stopping) {
        try {
            auto reclaim = [](pqxx::dbtransaction& tx) { return reclaim_expired(tx); };
            int n = co_await db.run(std::move(reclaim));
            if (n > 0) {
                spdlog::warn("jobs.reclaimed count={} reason=lease_expired", n);
                wake_all();
            }
            auto hour = std::chrono::duration_cast<std::chrono::hours>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
            if (options.schedule_maintenance && hour != scheduled_hour) {
                // One prune an hour across all replicas: the key makes the others no-ops.
                auto schedule = [hour](pqxx::dbtransaction& tx) {
                    EnqueueOptions o;
                    o.idempotency_key = "jobs.prune:" + std::to_string(hour);
                    o.max_attempts = 3;
                    enqueue(tx, "jobs.prune", nlohmann::json::object(), o);
                };
                co_await db.run(std::move(schedule));
                scheduled_hour = hour;
            }
        } catch (const Error& e) {
            spdlog::debug("jobs.maintain_failed cause=\"{}\"", e.cause());
        }
        boost::system::error_code ec;
        timer->expires_after(options.reclaim_every);
        co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

// LISTEN needs a connection of its own that waits for notifications; libpqxx only waits
// blocking, so this runs on its own thread and posts wake-ups to the workers.
void JobRunner::State::listen() {
    struct Receiver final : pqxx::notification_receiver {
        Receiver(pqxx::connection_base& c, State& s) : notification_receiver(c, kChannel), s(s) {}
        void operator()(const std::string&, int) override { s.wake_all(); }
        State& s;
    };
    bool warned = false;
    while (!stopping) {
        try {
            pqxx::connection conn(store::with_connection_defaults(url.reveal()));
            Receiver receiver(conn, *this);
            if (warned) spdlog::info("jobs.listening");
            warned = false;
            wake_all();  // anything enqueued while we were not listening
            while (!stopping) conn.await_notification(1, 0);
        } catch (const std::exception& e) {
            if (!warned) {
                spdlog::warn("jobs.listen_failed error=\"{}\" fallback=sweep", e.what());
                warned = true;
            }
            for (int i = 0; i < 10 && !stopping; ++i) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        }
    }
}

JobRunner::JobRunner(asio::io_context& io, store::Db& db, Secret database_url,
                     RunnerOptions options)
    : state_(std::make_shared<State>(io, db, std::move(database_url), options)) {
    char host[256] = "host";
    gethostname(host, sizeof host - 1);
    state_->worker_prefix = std::string(host) + ":" + std::to_string(getpid());
}

JobRunner::~JobRunner() {
    stop();
    join();
}

void JobRunner::add(std::string kind, JobHandler handler) {
    state_->handlers[std::move(kind)] = std::move(handler);
}

void JobRunner::start() {
    auto& s = *state_;
    for (int i = 0; i < s.options.workers; ++i) {
        auto strand = asio::make_strand(s.io);
        s.idle.push_back(std::make_shared<asio::steady_timer>(strand));
    }
    for (int i = 0; i < s.options.workers; ++i) {
        auto timer = s.idle[static_cast<std::size_t>(i)];
        asio::co_spawn(timer->get_executor(),
                       s.work(s.worker_prefix + ":" + std::to_string(i), timer),
                       log::log_on_error("jobs.loop_failed"));
    }
    auto maintenance = std::make_shared<asio::steady_timer>(asio::make_strand(s.io));
    asio::co_spawn(maintenance->get_executor(), s.maintain(maintenance),
                   log::log_on_error("jobs.loop_failed"));
    if (s.options.workers > 0) {
        s.listener = std::thread([state = state_] { state->listen(); });
    }
}

void JobRunner::stop() {
    state_->stopping = true;
    state_->wake_all();
}

void JobRunner::join() {
    if (state_->listener.joinable()) state_->listener.join();
}

int JobRunner::running() const noexcept { return state_->running.load(); }

void JobRunner::wake() { state_->wake_all(); }

}  // namespace botflow::jobs
