// The reports' rows in PostgreSQL: a day's sums computed from the messages, the AI's turns and
// their sources, the summaries kept of closed days (analytics_days and the cited documents and
// knowledge gaps beside them), the dates of a period and the messages of an export. Each
// function runs in the caller's transaction. Private to analytics/.
#pragma once
#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::analytics {

constexpr int kBuckets = 80;  // the first-response histogram: 100 ms * 1.25^i

/// A question the AI handed over or could not answer, on one day.
struct Gap {
    long long asked = 0;
    std::string last_asked_at;  // ISO 8601, UTC: compares as text
    std::string conversation_id;
    std::string reason;  // handoff | no_answer
};

/// One day's sums, in the business's time zone.
struct Day {
    std::string date;
    long long inbound = 0, ai = 0, agent = 0, system = 0;
    long long prompt_tokens = 0, completion_tokens = 0;
    double cost_usd = 0;
    long long conversations = 0, ai_resolved = 0, handed_off = 0;
    std::vector<long long> frt = std::vector<long long>(kBuckets, 0);
    std::vector<long long> hours = std::vector<long long>(24, 0);
    std::map<std::string, std::pair<std::string, long long>> documents;  // id -> title, count
    std::map<std::string, Gap> gaps;                                     // by question
};

/// Sums the day `date` in `time_zone` from the messages; a handoff whose reason is
/// `asked_reason` (the customer asked for a person) is no knowledge gap.
Day compute_day(pqxx::dbtransaction& tx, const std::string& date, const std::string& time_zone,
                const std::string& asked_reason);
/// Keeps a closed day's sums (the first to store it wins).
void store_day(pqxx::dbtransaction& tx, const Day& day, const std::string& time_zone);
/// The kept days from `from` to `to`, by date; `details`: their documents and gaps too.
std::map<std::string, Day> stored_days(pqxx::dbtransaction& tx, const std::string& time_zone,
                                       const std::string& from, const std::string& to,
                                       bool details);
/// The last `days` dates up to today in `time_zone`, oldest first ("YYYY-MM-DD").
std::vector<std::string> last_dates(pqxx::dbtransaction& tx, const std::string& time_zone,
                                    int days);

/// How many messages were written from `from` to `to` (dates in `time_zone`).
long count_messages(pqxx::dbtransaction& tx, const std::string& from, const std::string& to,
                    const std::string& time_zone);
/// A message as the export writes it: time, conversation_id, customer, phone, direction,
/// sender, type, status, content, ai_mode, model, prompt_tokens, completion_tokens, cost_usd.
using ExportRow = std::array<std::string, 14>;
/// The messages from `from` to `to`, oldest first.
std::vector<ExportRow> export_messages(pqxx::dbtransaction& tx, const std::string& from,
                                       const std::string& to, const std::string& time_zone);

}  // namespace botflow::analytics
