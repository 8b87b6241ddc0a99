// Job workers: coroutines that claim due jobs, run the handler for their kind, and record the
// outcome with retries and backoff; woken by LISTEN/NOTIFY, with a periodic sweep as a net.
#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "botflow/core/asio.hpp"
#include "botflow/core/secret.hpp"
#include "botflow/jobs/job_repo.hpp"

namespace botflow::store {
class Db;
}

namespace botflow::jobs {

struct RunnerOptions {
    int workers = 4;  // jobs run at once on this replica (0: it runs none)
    /// Named lanes and how many of their jobs run at once, e.g. {"turns", 256}: jobs that
    /// mostly wait on the network must not starve sends and downloads. A kind joins a lane
    /// through KindOptions::lane; a lane missing here runs with `workers`.
    std::map<std::string, int> lanes;
    std::chrono::seconds lease{300};        // a job not finished by then is taken again
    std::chrono::milliseconds sweep{2000};  // idle workers look for due jobs this often
    std::chrono::milliseconds base_backoff{2000};
    std::chrono::milliseconds max_backoff{15 * 60 * 1000};
    std::chrono::seconds reclaim_every{15};  // how often expired leases are looked for
    bool schedule_maintenance = true;        // enqueue jobs.prune every hour
    /// This process's id among the replicas, in every lock it takes; empty: one is made up.
    std::string instance_id;
};

/// How the runner treats a kind, registered with its handler.
struct KindOptions {
    /// Not empty: jobs of this kind run one at a time per conversation, in order, with the
    /// other kinds of the same group (e.g. "turn": a conversation has one turn in the making).
    std::string serial_per_conversation;
    /// Not empty: the kind runs in this lane (RunnerOptions::lanes), apart from the others.
    std::string lane;
};

/// A job that fails for good (dead) is announced as a durable job.failed event, in the
/// transaction that records it.
///
/// A handler finishes the job or throws: botflow::Error that is transient() (unavailable,
/// rate_limited, upstream_failed) and any other exception retry; other Errors are permanent.
/// A job can run more than once (a lost lease, a crash after the work): handlers must be
/// idempotent.
using JobHandler = std::function<asio::awaitable<void>(const Job&)>;

/// A module's share of the hourly clean-up: deletes what expired, returns how many rows.
using Cleanup = std::function<long(pqxx::dbtransaction&)>;

/// Thrown by a handler to run the job again after `delay`. With `counts_attempt` false the
/// attempt is given back: waiting for a pacing slot is not a failure.
class RetryLater : public std::runtime_error {
public:
    RetryLater(std::chrono::milliseconds delay, const std::string& why, bool counts_attempt)
        : std::runtime_error(why), delay(delay), counts_attempt(counts_attempt) {}
    std::chrono::milliseconds delay;
    bool counts_attempt;
};

class JobRunner {
public:
    JobRunner(asio::io_context& io, store::Db& db, Secret database_url, RunnerOptions options);
    ~JobRunner();
    JobRunner(const JobRunner&) = delete;
    JobRunner& operator=(const JobRunner&) = delete;

    /// Registers the handler of a job kind and how it runs. Before start() only.
    void add(std::string kind, JobHandler handler, KindOptions options = {});
    /// Registers a clean-up the hourly jobs.prune runs in its transaction after deleting old
    /// jobs (a module's expired rows, say); it returns the rows it deleted. Before start().
    void add_cleanup(std::string name, Cleanup cleanup);
    /// The clean-ups registered, in order.
    const std::vector<std::pair<std::string, Cleanup>>& cleanups() const;
    /// Starts the workers, the LISTEN thread and the lease reclaimer. Non-blocking.
    void start();
    /// Stops taking new jobs; handlers already running finish. Non-blocking, any thread.
    void stop();
    /// Joins the LISTEN thread. Blocks up to about a second. After stop().
    void join();
    /// Gives the jobs this server still holds back to the queue (attempt not counted), so a
    /// deploy does not leave them waiting for their lease. Blocking; at the very end of a
    /// shutdown, when no handler runs any more. Returns how many.
    int release();
    /// Jobs being handled at this moment.
    int running() const noexcept;
    /// Wakes idle workers to look for due jobs now. Any thread.
    void wake();

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace botflow::jobs
