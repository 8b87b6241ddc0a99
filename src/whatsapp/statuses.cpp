#include "botflow/whatsapp/statuses.hpp"

#include <algorithm>
#include <ctime>
#include <pqxx/pqxx>

#include "botflow/store/db.hpp"
#include "botflow/store/prepared.hpp"
#include "botflow/whatsapp/graph.hpp"

namespace botflow::whatsapp {
namespace {

using store::nullable;

// Returns the live feed's message.updated when the status named a stored message.
std::optional<events::Event> apply_status(pqxx::dbtransaction& tx, const std::string& wamid,
                                          const std::string& status, const std::string& at,
                                          const std::optional<std::string>& code,
                                          const std::optional<std::string>& title,
                                          const std::optional<std::string>& detail) {
    // "played" is a read voice message; the status column keeps the delivery states.
    std::string reason;
    if (status == "failed") {
        long number = 0;
        try {
            number = code ? std::stol(*code) : 0;
        } catch (const std::exception&) {
        }
        reason = code ? describe_error(number, detail.value_or(""))
                      : "WhatsApp could not deliver this message.";
    }
    auto r = store::exec_cached(
        tx,
        "UPDATE messages SET "
        " status = CASE WHEN status = 'failed' THEN status"
        "   WHEN $2 = 'failed' THEN 'failed'"
        "   WHEN botflow_status_rank(CASE WHEN $2 = 'played' THEN 'read' ELSE $2 END)"
        "        > botflow_status_rank(status)"
        "   THEN CASE WHEN $2 = 'played' THEN 'read' ELSE $2 END ELSE status END,"
        " sent_at = CASE WHEN $2 IN ('sent', 'delivered', 'read', 'played')"
        "   THEN COALESCE(sent_at, $3::timestamptz) ELSE sent_at END,"
        " delivered_at = CASE WHEN $2 IN ('delivered', 'read', 'played')"
        "   THEN COALESCE(delivered_at, $3::timestamptz) ELSE delivered_at END,"
        " read_at = CASE WHEN $2 IN ('read', 'played')"
        "   THEN COALESCE(read_at, $3::timestamptz) ELSE read_at END,"
        " played_at = CASE WHEN $2 = 'played' THEN COALESCE(played_at, $3::timestamptz)"
        "   ELSE played_at END,"
        " failed_at = CASE WHEN $2 = 'failed' THEN COALESCE(failed_at, $3::timestamptz)"
        "   ELSE failed_at END,"
        " error_code = CASE WHEN $2 = 'failed' THEN $4 ELSE error_code END,"
        " error_title = CASE WHEN $2 = 'failed' THEN $5 ELSE error_title END,"
        " error_detail = CASE WHEN $2 = 'failed' THEN $6 ELSE error_detail END, "
        " error_reason = CASE WHEN $2 = 'failed' THEN $7 ELSE error_reason END "
        "WHERE whatsapp_message_id = $1 AND direction = 'outbound' "
        "RETURNING id::text, conversation_id::text, status, error_reason",
        wamid, status, at, nullable(code), nullable(title), nullable(detail), reason);
    if (r.empty()) return std::nullopt;
    return events::message_updated(
        r[0][1].as<std::string>(), r[0][0].as<std::string>(), r[0][2].as<std::string>(),
        r[0][3].is_null() ? std::nullopt : std::optional(r[0][3].as<std::string>()));
}

// A timestamptz input for Meta's Unix time, or 'now' (the transaction's time) without one.
std::string timestamptz_literal(std::int64_t unix_seconds) {
    if (unix_seconds <= 0) return "now";
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S+00", &tm);
    return buf;
}

}  // namespace

std::pair<int, int> apply_statuses(pqxx::dbtransaction& tx,
                                   const std::vector<StatusUpdate>& statuses,
                                   std::vector<events::Event>& events) {
    int applied = 0, pending = 0;
    for (const auto& s : statuses) {
        if (s.status != "sent" && s.status != "delivered" && s.status != "read" &&
            s.status != "played" && s.status != "failed") {
            continue;  // a status this code does not know: nothing to move
        }
        auto at_text = timestamptz_literal(s.timestamp);
        if (auto updated = apply_status(tx, s.wamid, s.status, at_text, s.error_code, s.error_title,
                                        s.error_detail)) {
            ++applied;
            events.push_back(std::move(*updated));
        } else {
            store::exec_cached(
                tx,
                "INSERT INTO pending_statuses (whatsapp_message_id, status, at, error_code, "
                " error_title, error_detail) VALUES ($1, $2, $3::timestamptz, $4, $5, $6) "
                "ON CONFLICT DO NOTHING",
                s.wamid, s.status, at_text, nullable(s.error_code), nullable(s.error_title),
                nullable(s.error_detail));
            ++pending;
        }
    }
    return {applied, pending};
}

int apply_pending_statuses(pqxx::dbtransaction& tx, const std::string& wamid) {
    auto rows =
        store::exec_cached(tx,
                           "DELETE FROM pending_statuses WHERE whatsapp_message_id = $1 "
                           "RETURNING status, at::text, error_code, error_title, error_detail",
                           wamid);
    // Oldest state first, so the final state is the highest one seen.
    std::vector<pqxx::row> ordered(rows.begin(), rows.end());
    auto rank = [](const std::string& s) {
        return s == "sent" ? 1 : s == "delivered" ? 2 : s == "read" ? 3 : s == "played" ? 4 : 5;
    };
    std::sort(ordered.begin(), ordered.end(), [&](const pqxx::row& a, const pqxx::row& b) {
        return rank(a[0].as<std::string>()) < rank(b[0].as<std::string>());
    });
    int applied = 0;
    for (const auto& row : ordered) {
        auto opt = [&](int i) -> std::optional<std::string> {
            if (row[i].is_null()) return std::nullopt;
            return row[i].as<std::string>();
        };
        if (apply_status(tx, wamid, row[0].as<std::string>(), row[1].as<std::string>(), opt(2),
                         opt(3), opt(4))) {
            ++applied;
        }
    }
    return applied;
}

}  // namespace botflow::whatsapp
