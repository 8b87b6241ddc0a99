#include "botflow/jobs/runner.hpp"

#include <unistd.h>

#include <cstdio>
#include <pqxx/pqxx>
#include <random>
#include <thread>
#include <unordered_map>

#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/events/outbox_repo.hpp"
#include "botflow/store/db.hpp"

namespace botflow::jobs {

// The jobs one dispatcher claims: the kinds of a dedicated lane, or everything else.
struct Lane {
    std::string name;
    std::vector<std::string> only;    // empty: any kind not in `except`
    std::vector<std::string> except;  // the dedicated lanes' kinds
    int concurrency = 1;
    std::atomic<int> in_flight{0};
    std::shared_ptr<asio::steady_timer> idle;  // on the dispatcher's strand
    std::atomic<bool> woken{false};            // a wake-up that came while the dispatcher was busy
};

namespace {

// 16 hex digits from the system's random source, for a runner given no instance id.
std::string made_up_id() {
    std::random_device rd;
    char out[17];
    std::snprintf(out, sizeof out, "%08x%08x", rd(), rd());
    return out;
}

// How a job's run ended, before it is recorded.
struct Outcome {
    bool ok = false;
    bool permanent = false;
    bool deferred = false;  // RetryLater without counting the attempt
    std::optional<std::chrono::milliseconds> retry_in;
    std::string error;
};

// One line per run, at the level its outcome calls for.
void log_outcome(const Job& job, const Outcome& o, std::chrono::milliseconds delay,
                 std::chrono::steady_clock::time_point started) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started)
                  .count();
    if (o.deferred) {
        spdlog::debug("jobs.deferred job={} kind={} retry_ms={} why=\"{}\"", job.id, job.kind,
                      delay.count(), o.error);
    } else if (o.ok) {
        spdlog::info("jobs.done job={} kind={} attempt={} ms={}", job.id, job.kind, job.attempts,
                     ms);
    } else if (o.permanent || job.attempts >= job.max_attempts) {
        spdlog::error("jobs.dead job={} kind={} attempt={} error=\"{}\"", job.id, job.kind,
                      job.attempts, o.error);
    } else {
        spdlog::warn("jobs.retry job={} kind={} attempt={} retry_ms={} error=\"{}\"", job.id,
                     job.kind, job.attempts, delay.count(), o.error);
    }
}

}  // namespace

struct JobRunner::State : std::enable_shared_from_this<JobRunner::State> {
    State(asio::io_context& io, store::Db& db, Secret url, RunnerOptions options)
        : io(io), db(db), url(std::move(url)), options(options) {}

    asio::io_context& io;
    store::Db& db;
    Secret url;
    RunnerOptions options;
    std::unordered_map<std::string, JobHandler> handlers;
    std::unordered_map<std::string, KindOptions> kinds;
    std::vector<std::pair<std::string, Cleanup>> cleanups;
    std::vector<SerialKind> serial;  // from `kinds`, at start()
    std::atomic<bool> stopping{false};
    std::atomic<int> running{0};
    std::vector<std::shared_ptr<Lane>> lanes;
    std::thread listener;
    std::string worker_prefix;

    // Claims due jobs of its lane while fewer than its concurrency run, and runs each as its
    // own coroutine: a thousand jobs waiting on the network cost sockets, not threads.
    asio::awaitable<void> dispatch(std::shared_ptr<Lane> lane);
    asio::awaitable<void> run(std::shared_ptr<Lane> lane, Job job);
    asio::awaitable<Outcome> handle(const Job& job);
    // Stores the outcome (done, deferred, retried or dead), retrying briefly on `timer`.
    asio::awaitable<void> record(const Job& job, const Outcome& outcome,
                                 std::chrono::milliseconds delay, asio::steady_timer& timer);
    asio::awaitable<void> store_outcome(const Job& job, const Outcome& outcome,
                                        std::chrono::milliseconds delay);
    asio::awaitable<void> maintain(std::shared_ptr<asio::steady_timer> timer);
    // Renews the lease of a running job until *alive turns false, so a job that takes long
    // (a big download, a paced send) is never taken by a second worker while this one lives.
    asio::awaitable<void> heartbeat(std::int64_t id, std::string worker,
                                    std::shared_ptr<asio::steady_timer> beat,
                                    std::shared_ptr<bool> alive);
    void listen();
    void wake(Lane& lane) {
        lane.woken = true;
        auto t = lane.idle;
        asio::post(t->get_executor(), [t] { t->cancel(); });
    }
    void wake_all() {
        for (const auto& lane : lanes) wake(*lane);
    }
};

asio::awaitable<void> JobRunner::State::dispatch(std::shared_ptr<Lane> lane) {
    auto self = shared_from_this();
    auto& timer = *lane->idle;
    while (!stopping) {
        std::vector<Job> claimed;
        auto wait = options.sweep;
        int room = lane->concurrency - lane->in_flight;
        if (room > 0) {
            try {
                // A few at a time: one round trip, however many answers a burst brought.
                auto take = [prefix = worker_prefix, lease = options.lease,
                             limit = std::min(room, 16), only = lane->only, except = lane->except,
                             serial = serial](pqxx::dbtransaction& tx) {
                    auto jobs = claim(tx, prefix, lease, limit, only, except, serial);
                    std::optional<std::chrono::milliseconds> due;
                    if (jobs.empty()) due = next_due(tx, only, except);
                    return std::make_pair(std::move(jobs), due);
                };
                auto taken = co_await db.run(std::move(take));
                claimed = std::move(taken.first);
                auto due = taken.second;
                // A job due before the next sweep (a debounced answer) is taken on time.
                if (due) wait = std::clamp(*due, std::chrono::milliseconds(5), options.sweep);
            } catch (const Error& e) {
                spdlog::debug("jobs.claim_failed lane={} cause=\"{}\"", lane->name, e.cause());
            }
        }
        if (claimed.empty()) {
            // Idle, or full: a finished job, a NOTIFY or the sweep wakes this. A wake-up that
            // arrived during the claim may concern a job its snapshot missed: look again.
            if (lane->woken.exchange(false) && room > 0) continue;
            boost::system::error_code ec;
            timer.expires_after(wait);
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        if (stopping) {
            // Claimed while stopping: give them back at once rather than hold them.
            auto give_back = [claimed](pqxx::dbtransaction& tx) {
                for (const auto& job : claimed) {
                    defer(tx, job.id, job.worker, "the server is stopping",
                          std::chrono::milliseconds(0));
                }
            };
            try {
                co_await db.run(std::move(give_back));
            } catch (const Error& e) {
                spdlog::warn("jobs.give_back_failed cause=\"{}\"", e.cause());
            }
            break;
        }
        for (auto& job : claimed) {
            ++lane->in_flight;
            ++running;
            // Each job on a strand of its own, shared with its lease heartbeat.
            asio::co_spawn(asio::make_strand(io), run(lane, std::move(job)),
                           log::log_on_error("jobs.run_failed"));
        }
    }
}

asio::awaitable<void> JobRunner::State::run(std::shared_ptr<Lane> lane, Job job_value) {
    auto self = shared_from_this();
    auto* job = &job_value;
    auto worker = job->worker;
    std::mt19937_64 rng{std::random_device{}()};
    auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
    {
        auto started = std::chrono::steady_clock::now();
        auto beat = std::make_shared<asio::steady_timer>(timer->get_executor());
        auto alive = std::make_shared<bool>(true);  // on this worker's strand, like the beat
        asio::co_spawn(timer->get_executor(), heartbeat(job->id, worker, beat, alive),
                       asio::detached);
        Outcome outcome = co_await handle(*job);
        *alive = false;  // same strand as the heartbeat
        beat->cancel();
        auto delay = outcome.retry_in
                         ? *outcome.retry_in
                         : backoff(job->attempts, options.base_backoff, options.max_backoff, rng);
        co_await record(*job, outcome, delay, *timer);
        log_outcome(*job, outcome, delay, started);
    }
    --running;
    --lane->in_flight;
    // The lane has room again, and a conversation's next job may have waited for this one
    // (claim keeps their order): look now rather than at the next sweep.
    if (job->conversation_id) {
        wake_all();
    } else {
        wake(*lane);
    }
}

// Runs the kind's handler; what it threw becomes the outcome.
asio::awaitable<Outcome> JobRunner::State::handle(const Job& job) {
    Outcome o;
    auto handler = handlers.find(job.kind);
    if (handler == handlers.end()) {
        // A replica of another version (a rolling deploy) knows this kind: leave it to it.
        o.error = "no handler for job kind " + job.kind + " on this server";
        o.retry_in = std::chrono::seconds(5);
        o.deferred = true;
        co_return o;
    }
    try {
        co_await handler->second(job);
        o.ok = true;
    } catch (const RetryLater& r) {
        o.error = r.what();
        o.retry_in = r.delay;
        o.deferred = !r.counts_attempt;
    } catch (const Error& e) {
        o.error = e.cause().empty() ? e.detail() : e.detail() + " (" + e.cause() + ")";
        o.permanent = !e.transient();
    } catch (const std::exception& e) {
        o.error = e.what();
    }
    co_return o;
}

asio::awaitable<void> JobRunner::State::record(const Job& job, const Outcome& outcome,
                                               std::chrono::milliseconds delay,
                                               asio::steady_timer& timer) {
    // Recording the outcome is retried briefly; if it still fails, the lease runs out and
    // the job runs again (handlers are idempotent).
    for (int attempt = 0; attempt < 3; ++attempt) {
        bool recorded = false;
        try {
            co_await store_outcome(job, outcome, delay);
            recorded = true;
        } catch (const Error& e) {
            spdlog::warn("jobs.record_failed job={} attempt={} cause=\"{}\"", job.id, attempt + 1,
                         e.cause());
        }
        if (recorded) break;
        boost::system::error_code ec;
        timer.expires_after(std::chrono::milliseconds(500));
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

asio::awaitable<void> JobRunner::State::store_outcome(const Job& job, const Outcome& outcome,
                                                      std::chrono::milliseconds delay) {
    auto id = job.id;
    auto worker = job.worker;
    if (outcome.ok) {
        auto finish = [id, worker](pqxx::dbtransaction& tx) { return complete(tx, id, worker); };
        co_await db.run(std::move(finish));
    } else if (outcome.deferred) {
        auto later = [id, worker, error = outcome.error, delay](pqxx::dbtransaction& tx) {
            return defer(tx, id, worker, error, delay);
        };
        co_await db.run(std::move(later));
    } else {
        // Dead: the owner hears of it (the live feed's job.failed) with the failure.
        bool dead = outcome.permanent || job.attempts >= job.max_attempts;
        auto record = [id, worker, error = outcome.error, permanent = outcome.permanent, delay,
                       dead, kind = job.kind,
                       conversation = job.conversation_id](pqxx::dbtransaction& tx) {
            bool held = fail(tx, id, worker, error, permanent, delay);
            if (held && dead) {
                events::stage(tx, events::job_failed(id, kind, conversation, error));
            }
            return held;
        };
        co_await db.run(std::move(record));
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
    // Which process holds a job: the host name for people to read, then an id no other process
    // has. Not the process id: two containers each running the server as PID 1 under the same
    // host name would give back each other's jobs when one of them stops.
    char host[256] = "host";
    gethostname(host, sizeof host - 1);
    state_->worker_prefix = std::string(host) + ":" +
                            (options.instance_id.empty() ? made_up_id() : options.instance_id);
}

JobRunner::~JobRunner() {
    stop();
    join();
}

void JobRunner::add(std::string kind, JobHandler handler, KindOptions options) {
    state_->kinds[kind] = std::move(options);
    state_->handlers[std::move(kind)] = std::move(handler);
}

void JobRunner::start() {
    auto& s = *state_;
    std::map<std::string, std::vector<std::string>> lane_kinds;
    for (const auto& [kind, o] : s.kinds) {
        if (!o.serial_per_conversation.empty()) {
            s.serial.push_back({kind, o.serial_per_conversation});
        }
        if (!o.lane.empty()) lane_kinds[o.lane].push_back(kind);
    }
    std::vector<std::string> dedicated;
    for (const auto& [name, kinds] : lane_kinds) {
        auto found = s.options.lanes.find(name);
        int concurrency = found == s.options.lanes.end() ? s.options.workers : found->second;
        if (concurrency <= 0 || s.options.workers <= 0) continue;
        auto lane = std::make_shared<Lane>();
        lane->name = name;
        lane->only = kinds;
        lane->concurrency = concurrency;
        s.lanes.push_back(lane);
        dedicated.insert(dedicated.end(), kinds.begin(), kinds.end());
    }
    if (s.options.workers > 0) {
        auto general = std::make_shared<Lane>();
        general->name = "general";
        general->except = dedicated;
        general->concurrency = s.options.workers;
        s.lanes.push_back(general);
    }
    for (const auto& lane : s.lanes) {
        lane->idle = std::make_shared<asio::steady_timer>(asio::make_strand(s.io));
        asio::co_spawn(lane->idle->get_executor(), s.dispatch(lane),
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

int JobRunner::release() {
    auto& s = *state_;
    try {
        pqxx::connection conn(store::with_connection_defaults(s.url.reveal()));
        pqxx::work tx(conn);
        int n = give_back(tx, s.worker_prefix);
        tx.commit();
        return n;
    } catch (const std::exception& e) {
        spdlog::warn("jobs.release_failed what=\"{}\"", e.what());
        return 0;
    }
}

void JobRunner::add_cleanup(std::string name, Cleanup cleanup) {
    state_->cleanups.emplace_back(std::move(name), std::move(cleanup));
}

const std::vector<std::pair<std::string, Cleanup>>& JobRunner::cleanups() const {
    return state_->cleanups;
}

int JobRunner::running() const noexcept { return state_->running.load(); }

void JobRunner::wake() { state_->wake_all(); }

}  // namespace botflow::jobs
