#include "botflow/jobs/job_repo.hpp"

#include <pqxx/pqxx>

#include "botflow/store/db.hpp"
#include "botflow/store/prepared.hpp"

namespace botflow::jobs {
namespace {

using store::nullable;

}  // namespace

std::optional<std::int64_t> enqueue(pqxx::dbtransaction& tx, const std::string& kind,
                                    const nlohmann::json& payload, const EnqueueOptions& o) {
    auto r = tx.exec_params(
        "INSERT INTO jobs (kind, payload, run_at, max_attempts, priority, idempotency_key, "
        " conversation_id) VALUES ($1, $2::jsonb, now() + make_interval(secs => $3::float8 / "
        "1000), "
        " $4, $5, $6, $7::uuid) "
        "ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id",
        kind, payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
        static_cast<long long>(o.delay.count()), o.max_attempts, o.priority,
        nullable(o.idempotency_key), nullable(o.conversation_id));
    if (r.empty()) return std::nullopt;
    // Delivered at COMMIT, and only then: workers never wake for a job they cannot see yet.
    tx.exec_params("SELECT pg_notify($1, $2)", kChannel, kind);
    return r[0][0].as<std::int64_t>();
}

bool newer_queued(pqxx::dbtransaction& tx, const std::vector<std::string>& kinds,
                  const std::string& conversation_id, std::int64_t than) {
    return store::exec_cached(tx,
                              "SELECT EXISTS (SELECT 1 FROM jobs WHERE kind = ANY($1::text[]) "
                              " AND conversation_id = $2::uuid AND id > $3 AND state = 'queued')",
                              store::text_array(kinds), conversation_id, than)[0][0]
        .as<bool>();
}

std::optional<std::chrono::milliseconds> next_due(pqxx::dbtransaction& tx,
                                                  const std::vector<std::string>& only,
                                                  const std::vector<std::string>& except) {
    auto r = store::exec_cached(
        tx,
        "SELECT ceil(EXTRACT(epoch FROM min(run_at) - now()) * 1000)::bigint FROM jobs "
        "WHERE state = 'queued' AND run_at > now() "
        " AND (cardinality($1::text[]) = 0 OR kind = ANY($1::text[])) "
        " AND NOT (kind = ANY($2::text[]))",
        store::text_array(only), store::text_array(except));
    if (r.empty() || r[0][0].is_null()) return std::nullopt;
    return std::chrono::milliseconds(r[0][0].as<long long>());
}

std::vector<Job> claim(pqxx::dbtransaction& tx, const std::string& worker_prefix,
                       std::chrono::seconds lease, int limit, const std::vector<std::string>& only,
                       const std::vector<std::string>& except,
                       const std::vector<SerialKind>& serial) {
    std::vector<std::string> serial_kinds, serial_groups;
    for (const auto& s : serial) {
        serial_kinds.push_back(s.kind);
        serial_groups.push_back(s.group);
    }
    auto r = store::exec_cached(
        tx,
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, "
        " locked_by = $1 || ':' || id, locked_until = now() + make_interval(secs => $2) "
        "WHERE id IN (SELECT id FROM jobs j WHERE state = 'queued' AND run_at <= now() "
        "  AND (cardinality($3::text[]) = 0 OR kind = ANY($3::text[])) "
        "  AND NOT (kind = ANY($4::text[])) "
        // Sends to one customer keep their order, and a conversation has one turn in the
        // making: a serial job waits while an older one of its group and conversation is
        // still queued (maybe paced or debounced) or running. Within one claim the older job
        // is still queued in the snapshot, so a batch never holds both.
        "  AND NOT (j.kind = ANY($6::text[]) AND EXISTS (SELECT 1 FROM jobs o "
        "   WHERE o.conversation_id = j.conversation_id AND o.id < j.id "
        "    AND o.state IN ('queued', 'running') AND o.kind IN (SELECT g.kind FROM "
        "     unnest($6::text[], $7::text[]) g(kind, grp) JOIN unnest($6::text[], $7::text[]) "
        "     s(kind, grp) ON s.grp = g.grp WHERE s.kind = j.kind))) "
        "  ORDER BY priority DESC, run_at LIMIT $5 FOR UPDATE SKIP LOCKED) "
        "RETURNING id, kind, payload::text, attempts, max_attempts, conversation_id::text, "
        " locked_by",
        worker_prefix, static_cast<long long>(lease.count()), store::text_array(only),
        store::text_array(except), limit, store::text_array(serial_kinds),
        store::text_array(serial_groups));
    std::vector<Job> jobs;
    for (const auto& row : r) {
        Job job;
        job.id = row[0].as<std::int64_t>();
        job.kind = row[1].as<std::string>();
        job.payload = nlohmann::json::parse(row[2].as<std::string>());
        job.attempts = row[3].as<int>();
        job.max_attempts = row[4].as<int>();
        if (!row[5].is_null()) job.conversation_id = row[5].as<std::string>();
        job.worker = row[6].as<std::string>();
        job.lease = lease;
        jobs.push_back(std::move(job));
    }
    return jobs;
}

bool Job::still_held(pqxx::dbtransaction& tx) const {
    return worker.empty() || renew(tx, id, worker, lease);
}

bool renew(pqxx::dbtransaction& tx, std::int64_t id, const std::string& worker,
           std::chrono::seconds lease) {
    return tx.exec_params(
                 "UPDATE jobs SET locked_until = now() + make_interval(secs => $3) "
                 "WHERE id = $1 AND state = 'running' AND locked_by = $2",
                 id, worker, static_cast<long long>(lease.count()))
               .affected_rows() > 0;
}

bool complete(pqxx::dbtransaction& tx, std::int64_t id, const std::string& worker) {
    return tx.exec_params(
                 "UPDATE jobs SET state = 'done', finished_at = now(), locked_by = NULL, "
                 " locked_until = NULL, last_error = NULL "
                 "WHERE id = $1 AND state = 'running' AND locked_by = $2",
                 id, worker)
               .affected_rows() > 0;
}

bool fail(pqxx::dbtransaction& tx, std::int64_t id, const std::string& worker,
          const std::string& error, bool permanent, std::chrono::milliseconds retry_in) {
    return tx.exec_params(
                 "UPDATE jobs SET last_error = left($3, 2000), locked_by = NULL, "
                 " locked_until = NULL, "
                 " state = CASE WHEN $4::boolean OR attempts >= max_attempts THEN 'dead' "
                 "   ELSE 'queued' END, "
                 " finished_at = CASE WHEN $4::boolean OR attempts >= max_attempts THEN now() END, "
                 " run_at = now() + make_interval(secs => $5::float8 / 1000) "
                 "WHERE id = $1 AND state = 'running' AND locked_by = $2",
                 id, worker, error, permanent ? "true" : "false",
                 static_cast<long long>(retry_in.count()))
               .affected_rows() > 0;
}

bool defer(pqxx::dbtransaction& tx, std::int64_t id, const std::string& worker,
           const std::string& why, std::chrono::milliseconds delay) {
    return tx.exec_params(
                 "UPDATE jobs SET last_error = left($3, 2000), locked_by = NULL, "
                 " locked_until = NULL, state = 'queued', attempts = greatest(attempts - 1, 0), "
                 " run_at = now() + make_interval(secs => $4::float8 / 1000) "
                 "WHERE id = $1 AND state = 'running' AND locked_by = $2",
                 id, worker, why, static_cast<long long>(delay.count()))
               .affected_rows() > 0;
}

int reclaim_expired(pqxx::dbtransaction& tx) {
    return static_cast<int>(
        tx.exec("UPDATE jobs SET locked_by = NULL, locked_until = NULL, run_at = now(), "
                " last_error = 'its worker stopped before finishing (lease expired)', "
                " state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END, "
                " finished_at = CASE WHEN attempts >= max_attempts THEN now() END "
                "WHERE state = 'running' AND locked_until < now()")
            .affected_rows());
}

std::chrono::milliseconds backoff(int attempt, std::chrono::milliseconds base,
                                  std::chrono::milliseconds cap, std::mt19937_64& rng) {
    double ms = static_cast<double>(base.count());
    for (int i = 1; i < attempt && ms < static_cast<double>(cap.count()); ++i) ms *= 2;
    ms = std::min(ms, static_cast<double>(cap.count()));
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    return std::chrono::milliseconds(static_cast<long long>(ms * jitter(rng)));
}

JobPage list_jobs(pqxx::dbtransaction& tx, const std::string& state, int limit,
                  std::optional<std::int64_t> before) {
    std::string before_text = before ? std::to_string(*before) : std::string();
    auto r = tx.exec_params(
        "SELECT id, kind, payload::text, state, attempts, max_attempts, last_error, "
        " to_json(run_at) #>> '{}', to_json(created_at) #>> '{}', "
        " to_json(finished_at) #>> '{}', conversation_id::text FROM jobs "
        "WHERE state = $1 AND ($2::bigint IS NULL OR id < $2::bigint) ORDER BY id DESC LIMIT $3",
        state, before ? before_text.c_str() : nullptr, limit);
    auto text = [](const pqxx::field& f) {
        return f.is_null() ? std::nullopt : std::optional<std::string>(f.as<std::string>());
    };
    JobPage page;
    for (const auto& row : r) {
        page.items.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>(),
                              nlohmann::json::parse(row[2].as<std::string>()),
                              row[3].as<std::string>(), row[4].as<int>(), row[5].as<int>(),
                              text(row[6]), row[7].as<std::string>(), row[8].as<std::string>(),
                              text(row[9]), text(row[10])});
    }
    if (static_cast<int>(page.items.size()) == limit) page.next_before = page.items.back().id;
    return page;
}

std::optional<bool> retry_dead(pqxx::dbtransaction& tx, std::int64_t id) {
    auto found = tx.exec_params("SELECT state FROM jobs WHERE id = $1 FOR UPDATE", id);
    if (found.empty()) return std::nullopt;
    if (found[0][0].as<std::string>() != "dead") return false;
    tx.exec_params(
        "UPDATE jobs SET state = 'queued', attempts = 0, run_at = now(), finished_at = NULL "
        "WHERE id = $1",
        id);
    tx.exec_params("SELECT pg_notify($1, 'retry')", kChannel);
    return true;
}

long prune(pqxx::dbtransaction& tx, std::chrono::hours keep_done, std::chrono::hours keep_dead) {
    long n = 0;
    n += static_cast<long>(
        tx.exec_params("DELETE FROM jobs WHERE state = 'done' AND finished_at < now() - "
                       "make_interval(hours => $1)",
                       static_cast<int>(keep_done.count()))
            .affected_rows());
    n += static_cast<long>(
        tx.exec_params("DELETE FROM jobs WHERE state = 'dead' AND finished_at < now() - "
                       "make_interval(hours => $1)",
                       static_cast<int>(keep_dead.count()))
            .affected_rows());
    return n;
}

int give_back(pqxx::dbtransaction& tx, const std::string& worker_prefix) {
    auto r = tx.exec_params(
        "UPDATE jobs SET state = 'queued', locked_by = NULL, locked_until = NULL, "
        " attempts = GREATEST(attempts - 1, 0), run_at = now(), "
        " last_error = 'given back: the server stopped before finishing it' "
        "WHERE state = 'running' AND starts_with(locked_by, $1)",
        worker_prefix + ":");
    tx.exec_params("SELECT pg_notify($1, 'released')", kChannel);
    return static_cast<int>(r.affected_rows());
}

}  // namespace botflow::jobs
