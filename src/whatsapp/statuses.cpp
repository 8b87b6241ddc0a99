#include "botflow/whatsapp/statuses.hpp"

#include <algorithm>
#include <ctime>

#include "botflow/store/message_repo.hpp"
#include "botflow/whatsapp/graph.hpp"

namespace botflow::whatsapp {
namespace {

// Returns the live feed's message.updated when the status named a stored message.
std::optional<events::Event> apply_status(pqxx::dbtransaction& tx,
                                          const store::StatusChange& change) {
    // "played" is a read voice message; the status column keeps the delivery states.
    std::string reason;
    if (change.status == "failed") {
        const auto& code = change.error_code;
        long number = 0;
        try {
            number = code ? std::stol(*code) : 0;
        } catch (const std::exception&) {
        }
        reason = code ? describe_error(number, change.error_detail.value_or(""))
                      : "WhatsApp could not deliver this message.";
    }
    auto applied = store::update_message_status(tx, change, reason);
    if (!applied) return std::nullopt;
    return events::message_updated(applied->conversation_id, applied->id, applied->status,
                                   applied->error_reason);
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
        store::StatusChange change{s.wamid,      s.status,      timestamptz_literal(s.timestamp),
                                   s.error_code, s.error_title, s.error_detail};
        if (auto updated = apply_status(tx, change)) {
            ++applied;
            events.push_back(std::move(*updated));
        } else {
            store::insert_pending_status(tx, change);
            ++pending;
        }
    }
    return {applied, pending};
}

int apply_pending_statuses(pqxx::dbtransaction& tx, const std::string& wamid) {
    auto kept = store::take_pending_statuses(tx, wamid);
    // Oldest state first, so the final state is the highest one seen.
    auto rank = [](const std::string& s) {
        return s == "sent" ? 1 : s == "delivered" ? 2 : s == "read" ? 3 : s == "played" ? 4 : 5;
    };
    std::sort(kept.begin(), kept.end(),
              [&](const auto& a, const auto& b) { return rank(a.status) < rank(b.status); });
    int applied = 0;
    for (const auto& change : kept) {
        if (apply_status(tx, change)) ++applied;
    }
    return applied;
}

}  // namespace botflow::whatsapp
