// Conversations and their messages as the dashboard and API read and change them. Functions
// run in the caller's transaction and return JSON ready for the response.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::store {

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

/// {items, next_cursor}, most recent activity first. Throws Errc::unprocessable for a
/// malformed cursor.
nlohmann::json list_conversations(pqxx::dbtransaction& tx, const ConversationFilter& filter);

/// One conversation, or nullopt. `id` must be a UUID.
std::optional<nlohmann::json> find_conversation(pqxx::dbtransaction& tx, const std::string& id);

struct MessagePage {
    std::optional<std::string> before;  // cursor: the page just older than this
    std::optional<std::string> after;   // cursor: the page just newer than this
    int limit = 50;
};

/// {items (oldest first), older_cursor, newer_cursor}. Throws Errc::unprocessable for a
/// malformed cursor.
nlohmann::json list_messages(pqxx::dbtransaction& tx, const std::string& conversation_id,
                             const MessagePage& page);

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

/// Every message of a conversation in arrival order (for export).
nlohmann::json all_messages(pqxx::dbtransaction& tx, const std::string& conversation_id);

/// The messages with these ids, in that order (ids that do not exist are left out).
nlohmann::json messages_by_id(pqxx::dbtransaction& tx, const std::vector<std::string>& ids);

/// One CSV field (RFC 4180 quoting). Text a spreadsheet would run as a formula (=, +, -, @,
/// tab, carriage return first) gets a leading apostrophe.
std::string csv_field(const std::string& value);

bool mark_conversation_read(pqxx::dbtransaction& tx, const std::string& id);

/// Deletes every message of the conversation and blanks what identifies the customer beyond
/// their WhatsApp id (a data-deletion request). Returns the number of messages erased, or
/// nullopt when the conversation does not exist.
std::optional<long> erase_conversation(pqxx::dbtransaction& tx, const std::string& id);

}  // namespace botflow::store
