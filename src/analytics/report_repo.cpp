#include "analytics/report_repo.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "botflow/store/conversation_repo.hpp"
#include "botflow/store/db.hpp"

namespace botflow::analytics {
namespace {

using nlohmann::json;

// One day's sums, from the messages whose time falls in it in `tz`.
constexpr const char* kDaySql = R"SQL(
WITH bounds AS (
  SELECT ($1::date)::timestamp AT TIME ZONE $2 AS s, ($1::date + 1)::timestamp AT TIME ZONE $2 AS e),
m AS MATERIALIZED (
  SELECT conversation_id, direction, sender, ai_mode, created_at, prompt_tokens,
         completion_tokens, cost_usd
  FROM messages, bounds WHERE created_at >= bounds.s AND created_at < bounds.e),
conv AS (
  SELECT conversation_id, min(created_at) FILTER (WHERE direction = 'inbound') AS first_in,
         bool_or(sender = 'ai') AS ai, bool_or(sender = 'agent') AS agent,
         bool_or(ai_mode IN ('handoff', 'fallback')) AS handoff
  FROM m GROUP BY conversation_id),
w AS (
  SELECT conversation_id, direction, sender, created_at,
         min(created_at) FILTER (WHERE direction = 'inbound')
           OVER (PARTITION BY conversation_id) AS first_in
  FROM m),
frt AS (
  SELECT extract(epoch FROM min(created_at) - first_in)::float8 * 1000 AS ms
  FROM w WHERE first_in IS NOT NULL AND direction = 'outbound' AND sender IN ('ai', 'agent')
   AND created_at >= first_in
  GROUP BY conversation_id, first_in)
SELECT count(*) FILTER (WHERE direction = 'inbound'), count(*) FILTER (WHERE sender = 'ai'),
       count(*) FILTER (WHERE sender = 'agent'), count(*) FILTER (WHERE sender = 'system'),
       coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),
       coalesce(sum(cost_usd), 0)::float8,
       (SELECT count(*) FROM conv WHERE first_in IS NOT NULL),
       (SELECT count(*) FROM conv WHERE first_in IS NOT NULL AND ai AND NOT agent AND NOT handoff),
       (SELECT count(*) FROM conv WHERE first_in IS NOT NULL AND (agent OR handoff)),
       (SELECT to_json(array_agg(coalesce(n, 0) ORDER BY b)) FROM generate_series(0, 79) b
          LEFT JOIN (SELECT least(79, floor(ln(greatest(ms, 100) / 100.0) / ln(1.25)))::int AS k,
                            count(*) AS n FROM frt GROUP BY 1) h ON h.k = b)::text,
       (SELECT to_json(array_agg(coalesce(n, 0) ORDER BY hr)) FROM generate_series(0, 23) hr
          LEFT JOIN (SELECT extract(hour FROM created_at AT TIME ZONE $2)::int AS k,
                            count(*) AS n FROM m WHERE direction = 'inbound' GROUP BY 1) h
          ON h.k = hr)::text
FROM m
)SQL";

// A nested loop on purpose (OFFSET 0 keeps the planner from flattening it into a hash join):
// a day's AI answers, each looked up in the citations' primary key, rather than a scan of
// every citation ever stored.
constexpr const char* kDayDocumentsSql = R"SQL(
SELECT c.document_id::text, max(c.document_title), count(*)
FROM (SELECT id FROM messages
      WHERE created_at >= ($1::date)::timestamp AT TIME ZONE $2
        AND created_at < ($1::date + 1)::timestamp AT TIME ZONE $2 AND sender = 'ai') m
CROSS JOIN LATERAL (SELECT document_id, document_title FROM message_citations mc
                    WHERE mc.message_id = m.id OFFSET 0) c
WHERE c.document_id IS NOT NULL
GROUP BY 1
)SQL";

// A day's knowledge gaps: the customer message each handoff or fallback turn answered,
// grouped by its words. The lookup of each message is a nested loop on purpose (OFFSET 0),
// through the (conversation_id, seq) index, never a scan of every message.
constexpr const char* kDayGapsSql = R"SQL(
WITH g AS MATERIALIZED (
  SELECT t.created_at, t.conversation_id, t.mode,
         trim(regexp_replace(lower(m.content), '[^[:alnum:]]+', ' ', 'g')) AS q
  FROM ai_turns t
  CROSS JOIN LATERAL (SELECT content FROM messages m WHERE m.conversation_id = t.conversation_id
                      AND m.seq = t.through_seq OFFSET 0) m
  WHERE t.mode IN ('handoff', 'fallback')
    AND t.created_at >= ($1::date)::timestamp AT TIME ZONE $2
    AND t.created_at < ($1::date + 1)::timestamp AT TIME ZONE $2
    AND (t.mode = 'fallback' OR t.handoff_reason IS DISTINCT FROM $3)
  UNION ALL
  SELECT f.created_at, f.conversation_id, 'not_helpful',
         trim(regexp_replace(lower(f.question), '[^[:alnum:]]+', ' ', 'g'))
  FROM flow_gaps f
  WHERE f.created_at >= ($1::date)::timestamp AT TIME ZONE $2
    AND f.created_at < ($1::date + 1)::timestamp AT TIME ZONE $2)
SELECT q, count(*), to_json(max(created_at) AT TIME ZONE 'UTC')#>>'{}' || 'Z',
       (array_agg(conversation_id::text ORDER BY created_at DESC))[1],
       (array_agg(mode ORDER BY created_at DESC))[1]
FROM g WHERE q <> '' GROUP BY q
)SQL";

// Why a question is in the report: the AI handed over, found no answer, or a flow's customer
// said the answer did not help.
std::string gap_reason(const std::string& mode) {
    if (mode == "handoff" || mode == "not_helpful") return mode;
    return "no_answer";
}

std::vector<long long> numbers(const std::string& text, std::size_t size) {
    std::vector<long long> out(size, 0);
    auto j = json::parse(text, nullptr, false);
    if (!j.is_array()) return out;
    for (std::size_t i = 0; i < size && i < j.size(); ++i) out[i] = j[i].get<long long>();
    return out;
}

// The day's sums from columns first..first+11, in the order kDaySql answers them and
// analytics_days stores them.
void read_sums(Day& d, const pqxx::row& r, int first) {
    auto n = [&r, first](int i) { return r[first + i].as<long long>(); };
    d.inbound = n(0);
    d.ai = n(1);
    d.agent = n(2);
    d.system = n(3);
    d.prompt_tokens = n(4);
    d.completion_tokens = n(5);
    d.cost_usd = r[first + 6].as<double>();
    d.conversations = n(7);
    d.ai_resolved = n(8);
    d.handed_off = n(9);
    d.frt = numbers(r[first + 10].as<std::string>(), kBuckets);
    d.hours = numbers(r[first + 11].as<std::string>(), 24);
}

}  // namespace

Day compute_day(pqxx::dbtransaction& tx, const std::string& date, const std::string& tz,
                const std::string& asked_reason) {
    Day d;
    d.date = date;
    read_sums(d, tx.exec_params(kDaySql, date, tz)[0], 0);
    for (const auto& row : tx.exec_params(kDayDocumentsSql, date, tz)) {
        d.documents[row[0].as<std::string>()] = {row[1].as<std::string>(), row[2].as<long long>()};
    }
    for (const auto& row : tx.exec_params(kDayGapsSql, date, tz, asked_reason)) {
        d.gaps[row[0].as<std::string>()] = {row[1].as<long long>(), row[2].as<std::string>(),
                                            row[3].as<std::string>(),
                                            gap_reason(row[4].as<std::string>())};
    }
    return d;
}

void store_day(pqxx::dbtransaction& tx, const Day& d, const std::string& tz) {
    tx.exec_params(
        "INSERT INTO analytics_days (day, time_zone, inbound, ai, agent, system, prompt_tokens, "
        " completion_tokens, cost_usd, conversations, ai_resolved, handed_off, frt_hist, hours) "
        "VALUES ($1::date, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::int[], "
        " $14::int[]) ON CONFLICT DO NOTHING",
        d.date, tz, d.inbound, d.ai, d.agent, d.system, d.prompt_tokens, d.completion_tokens,
        d.cost_usd, d.conversations, d.ai_resolved, d.handed_off, store::int_array(d.frt),
        store::int_array(d.hours));
    for (const auto& [id, doc] : d.documents) {
        tx.exec_params(
            "INSERT INTO analytics_day_documents (day, time_zone, document_id, title, citations) "
            "VALUES ($1::date, $2, $3::uuid, $4, $5) ON CONFLICT DO NOTHING",
            d.date, tz, id, doc.first, doc.second);
    }
    for (const auto& [question, gap] : d.gaps) {
        tx.exec_params(
            "INSERT INTO analytics_day_gaps (day, time_zone, question, asked, last_asked_at, "
            " conversation_id, reason) VALUES ($1::date, $2, $3, $4, $5::timestamptz, $6::uuid, "
            "$7) "
            "ON CONFLICT DO NOTHING",
            d.date, tz, question, gap.asked, gap.last_asked_at, gap.conversation_id, gap.reason);
    }
}

std::map<std::string, Day> stored_days(pqxx::dbtransaction& tx, const std::string& tz,
                                       const std::string& from, const std::string& to,
                                       bool details) {
    std::map<std::string, Day> stored;
    auto rows = tx.exec_params(
        "SELECT day::text, inbound, ai, agent, system, prompt_tokens, completion_tokens, "
        " cost_usd::float8, conversations, ai_resolved, handed_off, to_json(frt_hist)::text, "
        " to_json(hours)::text FROM analytics_days "
        "WHERE time_zone = $1 AND day BETWEEN $2::date AND $3::date",
        tz, from, to);
    for (const auto& r : rows) {
        Day d;
        d.date = r[0].as<std::string>();
        read_sums(d, r, 1);
        stored[d.date] = std::move(d);
    }
    if (!details) return stored;
    for (const auto& r : tx.exec_params(
             "SELECT day::text, document_id::text, title, citations FROM analytics_day_documents "
             "WHERE time_zone = $1 AND day BETWEEN $2::date AND $3::date",
             tz, from, to)) {
        auto it = stored.find(r[0].as<std::string>());
        if (it != stored.end()) {
            it->second.documents[r[1].as<std::string>()] = {r[2].as<std::string>(),
                                                            r[3].as<long long>()};
        }
    }
    for (const auto& r :
         tx.exec_params("SELECT day::text, question, asked, "
                        " to_json(last_asked_at AT TIME ZONE 'UTC')#>>'{}' || 'Z', "
                        " conversation_id::text, reason FROM analytics_day_gaps "
                        "WHERE time_zone = $1 AND day BETWEEN $2::date AND $3::date",
                        tz, from, to)) {
        auto it = stored.find(r[0].as<std::string>());
        if (it != stored.end()) {
            it->second.gaps[r[1].as<std::string>()] = {r[2].as<long long>(), r[3].as<std::string>(),
                                                       r[4].as<std::string>(),
                                                       r[5].as<std::string>()};
        }
    }
    return stored;
}

std::vector<std::string> last_dates(pqxx::dbtransaction& tx, const std::string& tz, int days) {
    auto rows = tx.exec_params(
        "SELECT d::date::text FROM generate_series((now() AT TIME ZONE $1)::date - $2::int + 1, "
        " (now() AT TIME ZONE $1)::date, interval '1 day') d ORDER BY d",
        tz, days);
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r[0].as<std::string>());
    return out;
}

namespace {

constexpr const char* kExportRange =
    " m.created_at >= ($1::date)::timestamp AT TIME ZONE $3 "
    " AND m.created_at < ($2::date + 1)::timestamp AT TIME ZONE $3 ";

}  // namespace

long count_messages(pqxx::dbtransaction& tx, const std::string& from, const std::string& to,
                    const std::string& tz) {
    return tx
        .exec_params(std::string("SELECT count(*) FROM messages m WHERE") + kExportRange, from, to,
                     tz)[0][0]
        .as<long>();
}

std::vector<ExportRow> export_messages(pqxx::dbtransaction& tx, const std::string& from,
                                       const std::string& to, const std::string& tz) {
    auto rows = tx.exec_params(
        std::string(
            "SELECT to_json(m.created_at)#>>'{}', m.conversation_id::text, c.customer_name, "
            " coalesce(c.phone, ''), m.direction, m.sender, m.type, m.status, m.content, "
            " coalesce(m.ai_mode, ''), coalesce(m.ai_model, ''), "
            " coalesce(m.prompt_tokens::text, ''), coalesce(m.completion_tokens::text, ''), "
            " coalesce(m.cost_usd::text, '') "
            "FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE") +
            kExportRange + "ORDER BY m.created_at, m.seq",
        from, to, tz);
    std::vector<ExportRow> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
        ExportRow row;
        for (std::size_t i = 0; i < row.size(); ++i)
            row[i] = r[static_cast<int>(i)].as<std::string>();
        out.push_back(std::move(row));
    }
    return out;
}

}  // namespace botflow::analytics
