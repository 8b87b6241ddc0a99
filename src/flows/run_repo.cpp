#include "flows/run_repo.hpp"

#include <mutex>
#include <pqxx/pqxx>
#include <set>

#include "botflow/store/conversation_repo.hpp"
#include "botflow/store/db.hpp"
#include "botflow/store/rows.hpp"

namespace botflow::flows {
namespace {

using nlohmann::json;
using store::nullable;
using store::text_or_null;

constexpr const char* kRunColumns =
    "r.id::text, r.conversation_id::text, r.flow_id::text, f.name, r.version, r.document::text, "
    "r.node_id, r.status, r.waiting_for, to_json(r.wait_until) #>> '{}', r.attempts, "
    "r.vars::text, r.step_seq, r.consumed_seq, r.error, to_json(r.started_at) #>> '{}', "
    "to_json(r.updated_at) #>> '{}', to_json(r.ended_at) #>> '{}', "
    "COALESCE(r.wait_until <= now(), false) "
    "FROM flow_runs r JOIN flows f ON f.id = r.flow_id ";

Run run_of(const pqxx::row& r) {
    Run run;
    run.id = r[0].as<std::string>();
    run.conversation_id = r[1].as<std::string>();
    run.flow_id = r[2].as<std::string>();
    run.flow_name = r[3].as<std::string>();
    run.version = r[4].as<int>();
    if (!r[5].is_null()) run.document = json::parse(r[5].as<std::string>());
    run.node_id = r[6].as<std::string>();
    run.status = r[7].as<std::string>();
    run.waiting_for = text_or_null(r[8]);
    run.wait_until = text_or_null(r[9]);
    run.attempts = r[10].as<int>();
    run.vars = json::parse(r[11].as<std::string>());
    run.step_seq = r[12].as<int>();
    run.consumed_seq = r[13].as<std::int64_t>();
    run.error = text_or_null(r[14]);
    run.started_at = r[15].as<std::string>();
    run.updated_at = r[16].as<std::string>();
    run.ended_at = text_or_null(r[17]);
    run.wait_due = r[18].as<bool>();
    return run;
}

std::optional<Run> one(const pqxx::result& rows) {
    if (rows.empty()) return std::nullopt;
    return run_of(rows[0]);
}

}  // namespace

std::optional<Run> lock_active_run(pqxx::dbtransaction& tx, const std::string& conversation) {
    return one(tx.exec_params(std::string("SELECT ") + kRunColumns +
                                  "WHERE r.conversation_id = $1::uuid AND r.status IN "
                                  "('running', 'waiting') FOR UPDATE OF r",
                              conversation));
}

std::optional<Run> lock_run(pqxx::dbtransaction& tx, const std::string& run_id) {
    return one(tx.exec_params(
        std::string("SELECT ") + kRunColumns + "WHERE r.id = $1::uuid FOR UPDATE OF r", run_id));
}

std::optional<Run> find_run(pqxx::dbtransaction& tx, const std::string& run_id) {
    return one(
        tx.exec_params(std::string("SELECT ") + kRunColumns + "WHERE r.id = $1::uuid", run_id));
}

std::optional<Run> insert_run(pqxx::dbtransaction& tx, const std::string& conversation,
                              const std::string& flow_id, int version, const json& document,
                              const std::string& node_id, std::int64_t consumed_seq,
                              const json& vars) {
    auto doc = document.is_null() ? std::optional<std::string>() : document.dump();
    auto id = tx.exec_params(
        "INSERT INTO flow_runs (conversation_id, flow_id, version, document, node_id, status, "
        " consumed_seq, vars) VALUES ($1::uuid, $2::uuid, $3, $4::jsonb, $5, 'running', $6, "
        " $7::jsonb) ON CONFLICT (conversation_id) WHERE status IN ('running', 'waiting') "
        " DO NOTHING RETURNING id::text",
        conversation, flow_id, version, nullable(doc), node_id, consumed_seq, vars.dump());
    if (id.empty()) return std::nullopt;
    return lock_run(tx, id[0][0].as<std::string>());
}

void update_run(pqxx::dbtransaction& tx, const Run& run, std::optional<int> wait_seconds,
                const std::optional<std::string>& stopped_by) {
    auto wait =
        wait_seconds ? std::optional<std::string>(std::to_string(*wait_seconds)) : std::nullopt;
    tx.exec_params(
        "UPDATE flow_runs SET node_id = $2, status = $3, waiting_for = $4, "
        " wait_until = CASE WHEN $5::int IS NULL THEN "
        "  (CASE WHEN $3 = 'waiting' THEN wait_until END) "
        "  ELSE now() + make_interval(secs => $5::int) END, "
        " attempts = $6, vars = $7::jsonb, step_seq = $8, consumed_seq = $9, error = $10, "
        " stopped_by = COALESCE($11::uuid, stopped_by), updated_at = now(), "
        " ended_at = CASE WHEN $3 IN ('running', 'waiting') THEN NULL ELSE now() END "
        "WHERE id = $1::uuid",
        run.id, run.node_id, run.status, nullable(run.waiting_for), nullable(wait), run.attempts,
        run.vars.dump(), run.step_seq, run.consumed_seq, nullable(run.error), nullable(stopped_by));
}

int wait_left(pqxx::dbtransaction& tx, const std::string& run_id) {
    return tx
        .exec_params1(
            "SELECT COALESCE(GREATEST(0, ceil(extract(epoch FROM wait_until - now()))), 0)::int "
            "FROM flow_runs WHERE id = $1::uuid",
            run_id)[0]
        .as<int>();
}

void insert_step(pqxx::dbtransaction& tx, const StepRecord& s) {
    tx.exec_params(
        "INSERT INTO flow_steps (run_id, seq, flow_id, version, node_id, node_type, input, "
        " outcome, changed, message_ids, duration_ms, error) VALUES ($1::uuid, $2, $3::uuid, $4, "
        " $5, $6, $7::jsonb, $8, $9::jsonb, $10::uuid[], $11, $12) ON CONFLICT DO NOTHING",
        s.run_id, s.seq, s.flow_id, s.version, s.node_id, s.node_type,
        s.input.is_null() ? std::optional<std::string>() : s.input.dump(), nullable(s.outcome),
        s.changed.dump(), store::text_array(s.message_ids), s.duration_ms, nullable(s.error));
}

std::vector<Run> runs_of_conversation(pqxx::dbtransaction& tx, const std::string& conversation,
                                      int limit) {
    auto rows = tx.exec_params(std::string("SELECT ") + kRunColumns +
                                   "WHERE r.conversation_id = $1::uuid "
                                   "ORDER BY r.started_at DESC LIMIT $2",
                               conversation, limit);
    std::vector<Run> out;
    for (const auto& r : rows) out.push_back(run_of(r));
    return out;
}

std::vector<StepRecord> steps_of_run(pqxx::dbtransaction& tx, const std::string& run_id) {
    auto rows = tx.exec_params(
        "SELECT seq, flow_id::text, version, node_id, node_type, input::text, outcome, "
        " changed::text, array_to_json(message_ids)::text, duration_ms, error, "
        " to_json(at) #>> '{}' FROM flow_steps WHERE run_id = $1::uuid ORDER BY seq",
        run_id);
    std::vector<StepRecord> out;
    for (const auto& r : rows) {
        StepRecord s;
        s.run_id = run_id;
        s.seq = r[0].as<int>();
        s.flow_id = r[1].as<std::string>();
        s.version = r[2].as<int>();
        s.node_id = r[3].as<std::string>();
        s.node_type = r[4].as<std::string>();
        if (!r[5].is_null()) s.input = json::parse(r[5].as<std::string>());
        s.outcome = text_or_null(r[6]);
        s.changed = json::parse(r[7].as<std::string>());
        s.message_ids = json::parse(r[8].as<std::string>()).get<std::vector<std::string>>();
        s.duration_ms = r[9].as<int>();
        s.error = text_or_null(r[10]);
        s.at = r[11].as<std::string>();
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<CustomerMessage> customer_messages_after(pqxx::dbtransaction& tx,
                                                     const std::string& conversation,
                                                     std::int64_t after_seq) {
    std::vector<CustomerMessage> out;
    for (auto& m : store::waiting_messages(tx, conversation, after_seq, 20)) {
        // A tap reads as the title tapped ("Kettle", not "[pressed] Kettle").
        out.push_back({m.seq, m.tapped.empty() ? std::move(m.content) : std::move(m.tapped),
                       std::move(m.tapped_id)});
    }
    return out;
}

long customer_message_count(pqxx::dbtransaction& tx, const std::string& conversation,
                            std::int64_t through_seq) {
    return tx
        .exec_params1(
            "SELECT count(*) FROM messages WHERE conversation_id = $1::uuid "
            "AND direction = 'inbound' AND sender = 'customer' AND seq <= $2",
            conversation, through_seq)[0]
        .as<long>();
}

namespace {

// Whether PostgreSQL knows the zone. Asked once per zone and process: pg_timezone_names reads
// the whole time zone database (50 ms on a small machine), far too slow for every step.
bool zone_known(pqxx::dbtransaction& tx, const std::string& time_zone) {
    static std::mutex mutex;
    static std::set<std::string> known;
    {
        std::lock_guard lock(mutex);
        if (known.count(time_zone)) return true;
    }
    if (tx.exec_params("SELECT 1 FROM pg_timezone_names WHERE name = $1", time_zone).empty()) {
        return false;
    }
    std::lock_guard lock(mutex);
    known.insert(time_zone);
    return true;
}

}  // namespace

LocalNow local_now(pqxx::dbtransaction& tx, const std::string& time_zone) {
    auto zone = zone_known(tx, time_zone) ? time_zone : std::string("UTC");
    auto r = tx.exec_params1(
        "SELECT extract(year FROM t)::int, extract(month FROM t)::int, extract(day FROM t)::int, "
        " extract(hour FROM t)::int, extract(minute FROM t)::int, extract(isodow FROM t)::int "
        "FROM (SELECT now() AT TIME ZONE $1 AS t) n",
        zone);
    return {r[0].as<int>(), r[1].as<int>(), r[2].as<int>(),
            r[3].as<int>(), r[4].as<int>(), r[5].as<int>()};
}

std::vector<NodeCount> node_counts(pqxx::dbtransaction& tx, const std::string& flow_id,
                                   std::optional<int> version, int since_days) {
    auto v = version ? std::optional<std::string>(std::to_string(*version)) : std::nullopt;
    auto rows = tx.exec_params(
        "SELECT node_id, COALESCE(outcome, ''), count(*) FROM flow_steps "
        "WHERE flow_id = $1::uuid AND ($2::int IS NULL OR version = $2::int) AND version > 0 "
        " AND at > now() - make_interval(days => $3) GROUP BY 1, 2 ORDER BY 1, 2",
        flow_id, nullable(v), since_days);
    std::vector<NodeCount> out;
    for (const auto& r : rows) {
        out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<long>()});
    }
    return out;
}

RunCounts run_counts(pqxx::dbtransaction& tx, const std::string& flow_id, int days) {
    auto r = tx.exec_params1(
        "SELECT count(*), count(*) FILTER (WHERE status = 'completed'), "
        " count(*) FILTER (WHERE status = 'handed_off'), "
        " count(*) FILTER (WHERE status IN ('running', 'waiting')) FROM flow_runs "
        "WHERE flow_id = $1::uuid AND version > 0 AND started_at > now() - make_interval(days => "
        "$2)",
        flow_id, days);
    return {r[0].as<long>(), r[1].as<long>(), r[2].as<long>(), r[3].as<long>()};
}

void report_gap(pqxx::dbtransaction& tx, const std::string& conversation,
                const std::string& question) {
    tx.exec_params("INSERT INTO flow_gaps (conversation_id, question) VALUES ($1::uuid, $2)",
                   conversation, question);
}

nlohmann::json saved_fields(pqxx::dbtransaction& tx, const std::string& run_id) {
    auto r = tx.exec_params(
        "SELECT COALESCE(jsonb_object_agg(f.key, f.value ORDER BY s.seq), '{}')::text "
        "FROM flow_steps s CROSS JOIN LATERAL jsonb_each(s.input->'fields') f "
        "WHERE s.run_id = $1::uuid AND s.node_type = 'save' "
        "AND jsonb_typeof(s.input->'fields') = 'object'",
        run_id);
    return nlohmann::json::parse(r[0][0].as<std::string>());
}

}  // namespace botflow::flows
