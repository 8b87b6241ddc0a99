// The flows' rows: flows with their drafts, published versions, and the secrets API calls
// send. Each function runs in the caller's transaction. Private to flows/.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::flows {

/// A flow as the API shows it; times as PostgreSQL writes them in JSON.
struct FlowRow {
    std::string id;
    std::string name;
    std::string description;
    nlohmann::json draft;
    std::string draft_updated_at;
    std::optional<int> published_version;
    int latest_version = 0;                   // the newest version published (0: never)
    std::optional<std::string> published_at;  // of the newest version
    int priority = 100;
    std::optional<std::string> created_by;
    std::string created_at;
    std::string updated_at;
};

std::vector<FlowRow> list_flows(pqxx::dbtransaction& tx);
std::optional<FlowRow> find_flow(pqxx::dbtransaction& tx, const std::string& id);
/// A new flow; Errc::conflict (from the store) when the name is taken.
FlowRow insert_flow(pqxx::dbtransaction& tx, const std::string& name,
                    const std::string& description, const nlohmann::json& draft, int priority,
                    const std::optional<std::string>& user_id);

struct FlowChange {
    std::optional<std::string> name, description;
    std::optional<nlohmann::json> draft;
    std::optional<int> priority;
};
/// nullopt: no such flow.
std::optional<FlowRow> update_flow(pqxx::dbtransaction& tx, const std::string& id,
                                   const FlowChange& change);
bool delete_flow(pqxx::dbtransaction& tx, const std::string& id);

/// Keeps `document` as the flow's next version and makes it the one that runs; returns its
/// number. Locks the flow, so two publishes number their versions one after the other.
int insert_version(pqxx::dbtransaction& tx, const std::string& flow_id,
                   const nlohmann::json& document, const std::optional<std::string>& user_id);
/// No version runs any more (runs in progress finish on theirs). False: no such flow.
bool unpublish(pqxx::dbtransaction& tx, const std::string& flow_id);

struct VersionRow {
    int version = 0;
    nlohmann::json document;  // null in lists
    std::optional<std::string> published_by;
    std::string published_at;
};
std::vector<VersionRow> list_versions(pqxx::dbtransaction& tx, const std::string& flow_id);
std::optional<VersionRow> find_version(pqxx::dbtransaction& tx, const std::string& flow_id,
                                       int version);

/// Whether `id` is a user of the team (an assignee of a handoff step).
bool user_exists(pqxx::dbtransaction& tx, const std::string& id);

/// A flow that runs now: its id, name, trigger order and published version.
struct LiveFlow {
    std::string id;
    std::string name;
    int priority = 100;
    int version = 0;
};
/// By priority, then age.
std::vector<LiveFlow> live_flows(pqxx::dbtransaction& tx);
/// The live version of one flow, or nullopt when it is not published.
std::optional<LiveFlow> find_live_flow(pqxx::dbtransaction& tx, const std::string& id);

struct SecretRow {
    std::string name;
    std::string created_at;
    std::string updated_at;
};
std::vector<SecretRow> list_secrets(pqxx::dbtransaction& tx);
std::set<std::string> secret_names(pqxx::dbtransaction& tx);
/// Stores `sealed` (util::seal's bytes) under `name`, replacing an older value.
void put_secret(pqxx::dbtransaction& tx, const std::string& name, const std::string& sealed,
                const std::optional<std::string>& user_id);
bool delete_secret(pqxx::dbtransaction& tx, const std::string& name);
/// The sealed values of `names` that exist.
std::map<std::string, std::string> sealed_secrets(pqxx::dbtransaction& tx,
                                                  const std::set<std::string>& names);

}  // namespace botflow::flows
