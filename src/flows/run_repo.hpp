// Flow runs and their step log in PostgreSQL, what a run reads of its conversation (the
// customer's messages, the local time), and the counts the drop-off view is made of. Each
// function runs in the caller's transaction. Private to flows/.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "flows/answers.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::flows {

struct Run {
    std::string id;
    std::string conversation_id;
    std::string flow_id;
    std::string flow_name;
    int version = 0;          // 0: a test of the draft
    nlohmann::json document;  // a test's document; null otherwise
    std::string node_id;
    std::string status;  // running | waiting | completed | handed_off | failed | expired | stopped
    std::optional<std::string> waiting_for;  // answer | delay
    std::optional<std::string> wait_until;
    int attempts = 0;
    nlohmann::json vars = nlohmann::json::object();
    int step_seq = 0;
    std::int64_t consumed_seq = 0;
    std::optional<std::string> error;
    std::string started_at;
    std::string updated_at;
    std::optional<std::string> ended_at;
    bool wait_due = false;  // it waits, and the time it waits until has come

    bool active() const { return status == "running" || status == "waiting"; }
};

/// The conversation's active run, locked until the transaction ends.
std::optional<Run> lock_active_run(pqxx::dbtransaction& tx, const std::string& conversation);
/// A run by id, locked.
std::optional<Run> lock_run(pqxx::dbtransaction& tx, const std::string& run_id);
std::optional<Run> find_run(pqxx::dbtransaction& tx, const std::string& run_id);

/// A new running run at `node_id`; nullopt when the conversation already has an active one.
std::optional<Run> insert_run(pqxx::dbtransaction& tx, const std::string& conversation,
                              const std::string& flow_id, int version,
                              const nlohmann::json& document, const std::string& node_id,
                              std::int64_t consumed_seq, const nlohmann::json& vars);

/// Writes the run's node, status, wait (`wait_seconds` from now; unchanged when not given and
/// the run still waits), attempts,
/// variables, step count, consumed mark and error; an ended status stamps ended_at.
void update_run(pqxx::dbtransaction& tx, const Run& run, std::optional<int> wait_seconds = {},
                const std::optional<std::string>& stopped_by = {});

/// One line of a run's log.
struct StepRecord {
    std::string run_id;
    int seq = 0;
    std::string flow_id;
    int version = 0;
    std::string node_id;
    std::string node_type;
    nlohmann::json input;
    std::optional<std::string> outcome;
    nlohmann::json changed = nlohmann::json::object();
    std::vector<std::string> message_ids;
    int duration_ms = 0;
    std::optional<std::string> error;
    std::string at;  // when read back
};
void insert_step(pqxx::dbtransaction& tx, const StepRecord& step);

/// The fields the run's save steps kept, later ones over earlier ones of the same name.
nlohmann::json saved_fields(pqxx::dbtransaction& tx, const std::string& run_id);

/// A question the knowledge did not answer, for the knowledge-gap report.
void report_gap(pqxx::dbtransaction& tx, const std::string& conversation,
                const std::string& question);

/// Whole seconds until the run's wait ends (0 when it is over or it does not wait).
int wait_left(pqxx::dbtransaction& tx, const std::string& run_id);

/// The conversation's runs, newest first.
std::vector<Run> runs_of_conversation(pqxx::dbtransaction& tx, const std::string& conversation,
                                      int limit);
std::vector<StepRecord> steps_of_run(pqxx::dbtransaction& tx, const std::string& run_id);

/// A customer's message as a flow reads it.
struct CustomerMessage {
    std::int64_t seq = 0;
    std::string text;
    std::string tapped_id;  // a button's or row's id, or a template button's payload
};
/// The customer's messages after `after_seq` that ask something, oldest first (the last 20).
std::vector<CustomerMessage> customer_messages_after(pqxx::dbtransaction& tx,
                                                     const std::string& conversation,
                                                     std::int64_t after_seq);
/// How many messages the customer has written through `through_seq`.
long customer_message_count(pqxx::dbtransaction& tx, const std::string& conversation,
                            std::int64_t through_seq);

/// The date and time now in `time_zone` (an IANA name; UTC when PostgreSQL does not know it).
LocalNow local_now(pqxx::dbtransaction& tx, const std::string& time_zone);

/// Per node and outcome, how many steps were taken since `since_days` days ago.
struct NodeCount {
    std::string node_id;
    std::string outcome;  // "" for a step that ended the run
    long count = 0;
};
std::vector<NodeCount> node_counts(pqxx::dbtransaction& tx, const std::string& flow_id,
                                   std::optional<int> version, int since_days);
/// Runs started in the last `days` days, by status.
struct RunCounts {
    long started = 0;
    long completed = 0;
    long handed_off = 0;
    long active = 0;
};
RunCounts run_counts(pqxx::dbtransaction& tx, const std::string& flow_id, int days);

}  // namespace botflow::flows
