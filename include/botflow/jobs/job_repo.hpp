// The durable job queue in PostgreSQL: every step after a committed webhook is a row here.
// Functions run in the caller's transaction.
#pragma once
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::jobs {

/// The channel workers LISTEN on; enqueue NOTIFYs it (delivered at COMMIT).
inline constexpr const char* kChannel = "botflow_jobs";

struct EnqueueOptions {
    std::chrono::milliseconds delay{0};
    int max_attempts = 8;
    int priority = 0;
    std::optional<std::string> idempotency_key;  // the same key twice enqueues once
    std::optional<std::string> conversation_id;
};

/// Returns the new job's id, or nullopt when `idempotency_key` was enqueued before.
std::optional<std::int64_t> enqueue(pqxx::dbtransaction& tx, const std::string& kind,
                                    const nlohmann::json& payload,
                                    const EnqueueOptions& options = {});

struct Job {
    /// True while this worker still holds the job (its lease is renewed for another `lease`);
    /// false once the lease ran out and another worker may have taken it. Check it, in the
    /// transaction that does the work, before anything that must happen once (a send).
    bool still_held(pqxx::dbtransaction& tx) const;

    std::int64_t id = 0;
    std::string kind;
    nlohmann::json payload;
    int attempts = 0;  // including this one
    int max_attempts = 0;
    std::optional<std::string> conversation_id;
    std::string worker;  // who holds it
    std::chrono::seconds lease{0};
};

/// Kinds that run one at a time per conversation: a job of `kind` is not taken while an older
/// job of the same conversation whose kind is in the same `group` is queued or running.
struct SerialKind {
    std::string kind;
    std::string group;
};

/// Takes up to `limit` due jobs (FOR UPDATE SKIP LOCKED, so workers never take the same one)
/// and holds each for `lease`, locked by "<worker_prefix>:<id>" (Job::worker). Empty when
/// nothing is due. `serial` kinds wait for the older jobs of their group and conversation (see
/// SerialKind). `only` (when not empty) and `except` restrict the kinds taken.
std::vector<Job> claim(pqxx::dbtransaction& tx, const std::string& worker_prefix,
                       std::chrono::seconds lease, int limit = 1,
                       const std::vector<std::string>& only = {},
                       const std::vector<std::string>& except = {},
                       const std::vector<SerialKind>& serial = {});

/// Whether a job of one of `kinds` for `conversation_id`, newer than `than`, is queued.
bool newer_queued(pqxx::dbtransaction& tx, const std::vector<std::string>& kinds,
                  const std::string& conversation_id, std::int64_t than);

/// How long until the next queued job of these kinds (as for claim) falls due; nullopt when
/// none waits for a later time.
std::optional<std::chrono::milliseconds> next_due(pqxx::dbtransaction& tx,
                                                  const std::vector<std::string>& only = {},
                                                  const std::vector<std::string>& except = {});

/// Extends `worker`'s lease on a running job; false when it no longer holds it (the lease ran
/// out and another worker took the job).
bool renew(pqxx::dbtransaction& tx, std::int64_t id, const std::string& worker,
           std::chrono::seconds lease);

/// Marks the job done if `worker` still holds it; false (and nothing changed) otherwise, so a
/// job finished twice by mistake is harmless.
bool complete(pqxx::dbtransaction& tx, std::int64_t id, const std::string& worker);

/// Records a failure: queued again after `retry_in`, or dead when `permanent` or its attempts
/// are spent. False when `worker` no longer holds the job.
bool fail(pqxx::dbtransaction& tx, std::int64_t id, const std::string& worker,
          const std::string& error, bool permanent, std::chrono::milliseconds retry_in);

/// Queues the job again after `delay` and gives its attempt back (it did not fail: it waits
/// for a pacing slot). False when `worker` no longer holds the job.
bool defer(pqxx::dbtransaction& tx, std::int64_t id, const std::string& worker,
           const std::string& why, std::chrono::milliseconds delay);

/// Running jobs whose lease passed (their worker died): queued again, or dead when their
/// attempts are spent. Returns how many.
int reclaim_expired(pqxx::dbtransaction& tx);

/// Exponential backoff with jitter for the attempt that just failed (1-based): `base` doubled
/// per attempt, capped at `cap`, then scaled by a random factor in [0.8, 1.2]. Pure.
std::chrono::milliseconds backoff(int attempt, std::chrono::milliseconds base,
                                  std::chrono::milliseconds cap, std::mt19937_64& rng);

/// A job as the owner's list shows it; times as PostgreSQL writes them in JSON.
struct JobRecord {
    std::int64_t id = 0;
    std::string kind;
    nlohmann::json payload;
    std::string state;
    int attempts = 0;
    int max_attempts = 0;
    std::optional<std::string> last_error;
    std::string run_at;
    std::string created_at;
    std::optional<std::string> finished_at;
    std::optional<std::string> conversation_id;
};

struct JobPage {
    std::vector<JobRecord> items;
    std::optional<std::int64_t> next_before;  // the cursor of the next (older) page
};

/// Jobs in `state`, newest first, older than `before`.
JobPage list_jobs(pqxx::dbtransaction& tx, const std::string& state, int limit,
                  std::optional<std::int64_t> before);

/// A dead job queued again with fresh attempts. nullopt: no such job; false: not dead.
std::optional<bool> retry_dead(pqxx::dbtransaction& tx, std::int64_t id);

/// Gives the running jobs of the workers "<worker_prefix>:*" back to the queue with their
/// attempt returned, and wakes the other replicas' workers. Returns how many.
int give_back(pqxx::dbtransaction& tx, const std::string& worker_prefix);
/// Deletes done jobs older than `keep_done` and dead ones older than `keep_dead`. Returns rows
/// deleted.
long prune(pqxx::dbtransaction& tx, std::chrono::hours keep_done, std::chrono::hours keep_dead);

}  // namespace botflow::jobs
