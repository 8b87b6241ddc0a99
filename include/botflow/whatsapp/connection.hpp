// The WhatsApp connection: the credentials in effect (the environment's, overridden by what the
// owner saved in Settings > WhatsApp, secrets sealed in the database), what Meta's calls to the
// webhook have shown, and the "check connection" verdict built from both and from Meta's API.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "botflow/config/config.hpp"
#include "botflow/core/secret.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::whatsapp {

struct GraphError;

/// Where a credential in effect came from.
enum class Source { none, environment, settings };
const char* source_name(Source s) noexcept;

struct Credentials {
    std::string phone_number_id;
    Secret access_token;
    Secret app_secret;
    Secret verify_token;
    Source phone_number_id_source = Source::none;
    Source access_token_source = Source::none;
    Source app_secret_source = Source::none;
    Source verify_token_source = Source::none;
    /// Saved secrets that cannot be opened since SECRET_KEY changed ("access_token", ...);
    /// the environment's value, if any, stands in for them.
    std::vector<std::string> unreadable;
    /// Goes up by one with every save in Settings (0: never saved): which of two reads is newer.
    std::int64_t version = 0;

    /// All four set: messages can be received and answered.
    bool complete() const;
    /// A token and a number id: messages can be sent.
    bool can_send() const;
};

/// The environment's credentials alone.
Credentials environment_credentials(const config::Config& config);

/// The environment's credentials with the saved ones over them.
Credentials load_credentials(pqxx::dbtransaction& tx, const config::Config& config);

/// Validates a PUT /api/settings/whatsapp body (422 naming each field at fault) and stores it:
/// a string saves the field (secrets sealed), null removes the saved value so the environment's
/// applies again, an absent field is left as it is. Returns the names of the fields changed.
std::vector<std::string> put_credentials(pqxx::dbtransaction& tx, const nlohmann::json& body,
                                         const std::string& user_id, const config::Config& config);

/// The credentials as the API shows them. Secrets never leave: only whether one is set, where
/// it comes from and its last four characters; the verify token (which the owner types into
/// Meta's console) is shown to owners.
nlohmann::json credentials_json(const Credentials& c, const config::Config& config, bool owner);

/// The credentials in effect on this replica. Any thread.
class Connection {
public:
    explicit Connection(const config::Config& config);
    std::shared_ptr<const Credentials> get() const;
    /// Applies `c` unless what is in effect is newer (a slower read of an older save), and logs
    /// the fields it could not read, once per saved version. Returns whether the version
    /// changed.
    bool set(Credentials c);

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const Credentials> current_;
    std::int64_t reported_ = -1;  // the version whose unreadable fields were logged
};

enum class Activity { verified, verify_refused, delivered, bad_signature, secret_missing };
const char* activity_name(Activity a) noexcept;
inline constexpr Activity kActivities[] = {Activity::verified, Activity::verify_refused,
                                           Activity::delivered, Activity::bad_signature,
                                           Activity::secret_missing};

/// When Meta last called the webhook with the credentials in effect, and how it went. Kept per
/// replica and, every few seconds, merged in Redis so that a check on any replica sees every
/// replica's (unix milliseconds, 0: never).
struct WebhookActivity {
    std::int64_t verified = 0;        // GET verification with the right token
    std::int64_t verify_refused = 0;  // GET verification with another token
    std::int64_t delivered = 0;       // POST with a valid signature
    std::int64_t bad_signature = 0;   // POST with a well-formed but wrong signature
    std::int64_t secret_missing = 0;  // POST refused because no app secret is set

    std::int64_t& operator[](Activity a);
};

/// What the webhook saw with one version of the credentials.
struct VersionedActivity {
    std::int64_t version = 0;
    WebhookActivity seen;
};

/// This replica's record, for the credentials version in effect. A call is recorded under the
/// version it was checked against, so one that began before a save cannot count for the new
/// credentials.
class ActivityLog {
public:
    /// Records `a` at `now_ms` if `version` is the one kept (anything older is ignored).
    void record(std::int64_t version, Activity a, std::int64_t now_ms);
    VersionedActivity snapshot() const;
    /// Goes up with every change: whether there is something new to share.
    std::uint64_t changes() const;
    /// Starts the record for a newer `version`: what was seen says nothing of it.
    void reset(std::int64_t version);

private:
    mutable std::mutex mutex_;
    VersionedActivity kept_;  // under mutex_
    std::atomic<std::uint64_t> changes_{0};
};

/// What Meta said of the phone number (GET /{version}/{phone_number_id}).
struct NumberInfo {
    std::string display_phone_number;
    std::string verified_name;
    std::string quality_rating;
};

/// One line of the check: "ok", "warning" or "error", and a sentence for the owner.
struct CheckItem {
    std::string id;  // credentials | meta | webhook
    std::string status;
    std::string message;
};

/// The verdict on the credentials alone. Pure.
CheckItem check_credentials(const Credentials& c);
/// The verdict on Meta's answer to the phone number lookup: `number` when it answered, else
/// `error` (a transport failure has http_status 0). Pure.
CheckItem check_meta(const Credentials& c, const std::optional<NumberInfo>& number,
                     const std::optional<GraphError>& error);
/// The verdict on what the webhook has seen, at `now_ms`. Pure.
CheckItem check_webhook(const Credentials& c, const WebhookActivity& activity, std::int64_t now_ms);

nlohmann::json check_json(const std::vector<CheckItem>& items,
                          const std::optional<NumberInfo>& number, const WebhookActivity& activity);

}  // namespace botflow::whatsapp
