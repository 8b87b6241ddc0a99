// Conversations as the dashboard and API read and change them; their messages are in
// message_repo.hpp (included). Functions run in the caller's transaction.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "botflow/store/message_repo.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::store {

/// Who a conversation is with. WhatsApp names a customer by wa_id (their number as digits)
/// or by a business-scoped user id; at least one is known.
struct Customer {
    std::string name;          // as the agents call them
    std::string profile_name;  // their WhatsApp profile's
    std::optional<std::string> wa_id;
    std::optional<std::string> bsuid;
    std::optional<std::string> phone;  // E.164
};

/// One conversation. Times are as PostgreSQL writes a timestamptz in JSON
/// ("2026-12-07T05:32:15.123456+00:00").
struct Conversation {
    std::string id;
    Customer customer;
    std::string status;  // active | handed_off | closed | archived
    bool ai_enabled = true;
    bool simulated = false;
    std::optional<std::string> assigned_user_id;
    std::vector<std::string> tags;
    std::string notes;
    /// What flows collected: {"Service": "Haircut", ...} (text values, by field name).
    nlohmann::json fields = nlohmann::json::object();
    std::int64_t unread_count = 0;
    std::optional<std::string> last_message_at;
    std::optional<std::string> last_customer_message_at;
    std::string last_message_preview;
    std::optional<std::string> handoff_reason;
    /// WhatsApp's 24-hour customer service window; both null until the customer writes.
    std::optional<bool> window_open;
    std::optional<std::string> window_expires_at;
    std::string created_at;
    std::optional<std::int64_t> message_count;  // from find_conversation only
};

struct ConversationFilter {
    std::optional<std::string> status;
    std::optional<bool> ai_enabled;
    std::optional<std::string> assigned;  // a user id, or "none"
    std::optional<std::string> tag;
    bool unread_only = false;
    std::optional<std::string> q;       // name/phone substring or words in messages
    std::optional<std::string> cursor;  // from the previous page's next_cursor
    int limit = 50;
};

/// A page of the inbox; next_cursor while more may follow.
struct ConversationPage {
    std::vector<Conversation> items;
    std::optional<std::string> next_cursor;
};

/// Most recent activity first. Throws Errc::unprocessable for a malformed cursor.
ConversationPage list_conversations(pqxx::dbtransaction& tx, const ConversationFilter& filter);

/// One conversation with its message_count, or nullopt. `id` must be a UUID.
std::optional<Conversation> find_conversation(pqxx::dbtransaction& tx, const std::string& id);

/// The conversation of a WhatsApp number (without message_count), or nullopt.
std::optional<Conversation> find_conversation_by_wa_id(pqxx::dbtransaction& tx,
                                                       const std::string& wa_id);

/// Locks the conversation's row until the transaction ends; false when it does not exist.
bool lock_conversation(pqxx::dbtransaction& tx, const std::string& id);

struct ConversationChange {
    std::optional<std::string> status;
    std::optional<bool> ai_enabled;
    bool set_assigned = false;
    std::optional<std::string> assigned_to;  // with set_assigned: a user id or none
    std::optional<std::vector<std::string>> tags;
    std::optional<std::string> customer_name;
    std::optional<std::string> notes;
};

/// Applies the change; false when the conversation does not exist. An unknown assignee throws
/// Errc::unprocessable.
bool update_conversation(pqxx::dbtransaction& tx, const std::string& id,
                         const ConversationChange& change);

/// An agent replied: the AI stays quiet, the unread count is cleared, and the conversation is
/// the agent's unless someone has it already.
/// Sets the named fields (what a flow collected), replacing those of the same name.
void merge_conversation_fields(pqxx::dbtransaction& tx, const std::string& id,
                               const nlohmann::json& fields);

void update_for_agent_reply(pqxx::dbtransaction& tx, const std::string& id,
                            const std::string& user_id);

/// A message went out now: its preview heads the conversation.
void update_last_message(pqxx::dbtransaction& tx, const std::string& id,
                         const std::string& preview);

/// A message of the customer's waiting for an answer.
struct WaitingMessage {
    std::int64_t seq = 0;
    std::string content;    // as stored ("[pressed] Kettle" for a tap)
    std::string wamid;      // empty when none
    std::string tapped_id;  // a button's or row's id, or a template button's payload
    std::string tapped;     // the title tapped; empty when it is not a tap
};
/// The customer's messages after `after_seq` that ask something (not a reaction, a deletion or
/// a kind WhatsApp did not describe), oldest first, the last `limit`.
std::vector<WaitingMessage> waiting_messages(pqxx::dbtransaction& tx, const std::string& id,
                                             std::int64_t after_seq, int limit);

/// What decides whether free text may be sent: the 24-hour window since the customer last wrote.
struct ReplyWindow {
    bool simulated = false;
    std::optional<std::int64_t> seconds_since_customer;  // nullopt: they have not written yet
};

/// nullopt when the conversation does not exist.
std::optional<ReplyWindow> find_reply_window(pqxx::dbtransaction& tx, const std::string& id);

/// One CSV field (RFC 4180 quoting). Text a spreadsheet would run as a formula (=, +, -, @,
/// tab, carriage return first) gets a leading apostrophe.
std::string csv_field(const std::string& value);

bool mark_conversation_read(pqxx::dbtransaction& tx, const std::string& id);

/// Hands the conversation to a person: handed off, automatic answers off, with the reason.
void hand_off(pqxx::dbtransaction& tx, const std::string& id, const std::string& reason);

/// The customer's messages through `seq` have been dealt with (by the AI or a flow): moves
/// the conversation's mark forward (never back), so nothing answers them again.
void mark_answered(pqxx::dbtransaction& tx, const std::string& id, std::int64_t seq);

/// The conversation's mark of the customer's messages dealt with; nullopt when there is no
/// such conversation.
std::optional<std::int64_t> find_answered_seq(pqxx::dbtransaction& tx, const std::string& id);

/// Deletes every message of the conversation and blanks what identifies the customer beyond
/// their WhatsApp id (a data-deletion request). Returns the number of messages erased, or
/// nullopt when the conversation does not exist.
std::optional<long> erase_conversation(pqxx::dbtransaction& tx, const std::string& id);

}  // namespace botflow::store
