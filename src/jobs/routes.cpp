// /api/jobs: the owner sees jobs (above all the dead ones) and re-runs them; and the job
// kinds the queue itself owns.
#include <pqxx/pqxx>

#include "botflow/core/error.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/http/router.hpp"
#include "botflow/jobs/job_repo.hpp"
#include "botflow/jobs/module.hpp"
#include "botflow/jobs/runner.hpp"
#include "botflow/store/audit_repo.hpp"
#include "botflow/store/db.hpp"

namespace botflow::jobs {
namespace {

using http::Request;
using http::Response;

nlohmann::json to_json(const JobRecord& job) {
    auto optional = [](const std::optional<std::string>& v) {
        return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    };
    return {{"id", job.id},
            {"kind", job.kind},
            {"payload", job.payload},
            {"state", job.state},
            {"attempts", job.attempts},
            {"max_attempts", job.max_attempts},
            {"last_error", optional(job.last_error)},
            {"run_at", job.run_at},
            {"created_at", job.created_at},
            {"finished_at", optional(job.finished_at)},
            {"conversation_id", optional(job.conversation_id)}};
}

asio::awaitable<Response> handle_list(Module& mod, Request& req) {
    auto state = req.query_param("state").value_or("dead");
    if (state != "queued" && state != "running" && state != "done" && state != "dead") {
        throw Error(Errc::unprocessable, "state must be queued, running, done or dead.", {},
                    {{"state", "must be queued, running, done or dead"}});
    }
    int limit = static_cast<int>(http::integer_query(req, "limit", 1, 200).value_or(50));
    auto before = http::integer_query(req, "before", 1, INT64_MAX);
    auto list = [state, limit, before](pqxx::dbtransaction& tx) {
        return list_jobs(tx, state, limit, before);
    };
    auto page = co_await mod.db.run(std::move(list));
    nlohmann::json items = nlohmann::json::array();
    for (const auto& job : page.items) items.push_back(to_json(job));
    co_return Response::json(
        200, {{"items", std::move(items)},
              {"next_before", page.next_before ? nlohmann::json(*page.next_before) : nullptr}});
}

asio::awaitable<Response> handle_retry(Module& mod, Request& req) {
    std::string raw(req.param("id"));
    std::int64_t id = 0;
    try {
        std::size_t used = 0;
        id = std::stoll(raw, &used);
        if (used != raw.size() || id <= 0) throw std::invalid_argument(raw);
    } catch (const std::exception&) {
        throw Error(Errc::not_found, "No job has the id " + raw + ".");
    }
    auto by = req.principal->user_id;
    auto retry = [id, by](pqxx::dbtransaction& tx) -> std::optional<bool> {
        auto r = retry_dead(tx, id);
        if (r && *r) {
            store::insert_audit(tx, {by, "job.retry", "job", std::to_string(id), ""});
        }
        return r;
    };
    auto result = co_await mod.db.run(std::move(retry));
    if (!result) throw Error(Errc::not_found, "No job has the id " + raw + ".");
    if (!*result) throw Error(Errc::conflict, "Only a dead job can be retried; this one is not.");
    mod.jobs.wake();
    co_return Response::json(200, {{"id", id}, {"state", "queued"}});
}

asio::awaitable<void> prune_job(Module& mod, const Job&) {
    auto work = [&mod](pqxx::dbtransaction& tx) {
        long n = prune(tx, std::chrono::hours(24 * 7), std::chrono::hours(24 * 30));
        for (const auto& [name, cleanup] : mod.jobs.cleanups()) {
            long rows = cleanup(tx);
            spdlog::info("jobs.cleaned name={} rows={}", name, rows);
            n += rows;
        }
        return n;
    };
    long n = co_await mod.jobs_db.run(std::move(work));
    spdlog::info("jobs.pruned rows={}", n);
}

}  // namespace

void register_module(Module& mod) {
    using http::Access;
    using http::Method;
    const http::RouteOptions owner{http::kDefaultBodyLimit, Access::owner};
    mod.router.add(
        Method::get, "/api/jobs", [&mod](Request& req) { return handle_list(mod, req); }, owner);
    mod.router.add(
        Method::post, "/api/jobs/:id/retry",
        [&mod](Request& req) { return handle_retry(mod, req); }, owner);
    mod.jobs.add("jobs.prune", [&mod](const Job& job) { return prune_job(mod, job); });
}

}  // namespace botflow::jobs
