// Messages: the pages the dashboard reads, the outbound messages sending stores and moves, and
// the delivery statuses WhatsApp reports. Functions run in the caller's transaction.
#pragma once
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::store {

/// A message's file: WhatsApp's media id (or an upload's id) and what is known of it.
struct MessageMedia {
    std::string id;
    std::optional<std::string> mime_type;
    std::optional<std::string> filename;
    std::optional<std::string> sha256;
    std::optional<std::int64_t> size;
    bool downloaded = false;  // its bytes are stored
};

/// Why a message failed: WhatsApp's code, title and detail, and a reason an owner can read.
struct MessageError {
    std::optional<std::string> code;
    std::optional<std::string> title;
    std::optional<std::string> detail;
    std::optional<std::string> reason;
};

/// How the AI wrote a message.
struct MessageAi {
    std::optional<std::string> mode;  // llm | extractive | away | ...
    std::optional<std::string> model;
    std::optional<std::int64_t> prompt_tokens;
    std::optional<std::int64_t> completion_tokens;
    std::optional<double> cost_usd;
    std::optional<std::int64_t> processing_ms;
    std::optional<std::int64_t> first_token_ms;
};

/// One message. Times are as PostgreSQL writes a timestamptz in JSON
/// ("2026-12-07T05:32:15.123456+00:00").
struct Message {
    std::string id;
    std::string conversation_id;
    std::string direction;  // inbound | outbound
    std::string sender;     // customer | ai | agent | system
    std::optional<std::string> sender_user_id;
    std::string type;
    std::string content;
    nlohmann::json payload;  // what was sent or received, as stored; null when none
    std::optional<MessageMedia> media;
    std::optional<std::string> context_message_id;  // the wamid it replies to
    std::optional<std::string> whatsapp_message_id;
    std::string status;
    std::optional<std::string> sent_at;
    std::optional<std::string> delivered_at;
    std::optional<std::string> read_at;
    std::optional<std::string> played_at;
    std::optional<std::string> failed_at;
    std::optional<MessageError> error;  // when a code, title or reason is known
    std::optional<MessageAi> ai;        // when a mode or model is known
    std::string created_at;
    std::int64_t seq = 0;  // arrival order within the conversation
};

/// Which page of a conversation's messages: just older than `before`, just newer than
/// `after` (cursors of an earlier page), else the newest.
struct MessageQuery {
    std::optional<std::string> before;
    std::optional<std::string> after;
    int limit = 50;
};

/// A page, oldest first. `newer_cursor` is always given once the conversation has messages
/// (to poll for what arrives next), `older_cursor` while older messages may exist.
struct MessagePage {
    std::vector<Message> items;
    std::optional<std::string> older_cursor;
    std::optional<std::string> newer_cursor;
};

/// Throws Errc::unprocessable for a malformed cursor.
MessagePage list_messages(pqxx::dbtransaction& tx, const std::string& conversation_id,
                          const MessageQuery& query);

/// Every message of a conversation in arrival order (for export).
std::vector<Message> list_all_messages(pqxx::dbtransaction& tx, const std::string& conversation_id);

/// The messages with these ids, in that order (ids that do not exist are left out).
std::vector<Message> messages_by_id(pqxx::dbtransaction& tx, const std::vector<std::string>& ids);

/// `id` must be a UUID.
std::optional<Message> find_message(pqxx::dbtransaction& tx, const std::string& id);
/// Message `id` when it belongs to that conversation. Both must be UUIDs.
std::optional<Message> find_message_in_conversation(pqxx::dbtransaction& tx,
                                                    const std::string& conversation_id,
                                                    const std::string& id);
std::optional<Message> find_message_by_wamid(pqxx::dbtransaction& tx, const std::string& wamid);

/// The wamid of the conversation's newest inbound message of the last 30 days (what a read
/// receipt names); nullopt when there is none or the conversation is the simulator's.
std::optional<std::string> find_last_inbound_wamid(pqxx::dbtransaction& tx,
                                                   const std::string& conversation_id);

/// An outbound message to store, queued for sending.
struct QueuedRow {
    std::string conversation_id;
    std::string sender;  // agent | ai | system | ...
    std::optional<std::string> sender_user_id;
    std::string type;
    std::string content;
    nlohmann::json payload;
    std::optional<std::string> context_message_id;
};

/// Stores the message with status queued (marked simulated when its conversation is the
/// simulator's, so it never reaches WhatsApp). Returns its id; nullopt when the conversation
/// does not exist.
std::optional<std::string> insert_queued_message(pqxx::dbtransaction& tx, const QueuedRow& row);

/// An outbound message as its sending needs it.
struct OutboundMessage {
    std::string id;
    std::string status;
    std::optional<std::string> whatsapp_message_id;
    std::string content;
    std::optional<std::string> context_message_id;
    std::string wa_id;  // the customer's; '' when unknown
    std::string bsuid;  // the customer's; '' when unknown
    bool simulated = false;
    nlohmann::json payload;                     // null for messages stored before payloads
    std::optional<std::string> reaction_wamid;  // a reaction: the wamid of its message
};

std::optional<OutboundMessage> find_outbound_message(pqxx::dbtransaction& tx,
                                                     const std::string& id);

/// Marks a queued message failed with `error`; false when it is not queued (any more).
bool mark_message_failed(pqxx::dbtransaction& tx, const std::string& id, const MessageError& error);

/// Records the wamid WhatsApp gave message `id` and moves it to sent. Takes the wamid's
/// advisory lock first, the one webhook ingestion takes for its statuses. False when the
/// message had a wamid already.
bool mark_message_sent(pqxx::dbtransaction& tx, const std::string& id, const std::string& wamid);

/// A queued message of a simulator conversation: delivered at once. False when not queued.
bool mark_simulated_delivered(pqxx::dbtransaction& tx, const std::string& id);

/// A delivery status as WhatsApp reported it.
struct StatusChange {
    std::string wamid;
    std::string status;  // sent | delivered | read | played | failed
    std::string at;      // a timestamptz input ("now" for the transaction's time)
    std::optional<std::string> error_code;
    std::optional<std::string> error_title;
    std::optional<std::string> error_detail;
};

/// The message a status moved, as it is now.
struct StatusApplied {
    std::string id;
    std::string conversation_id;
    std::string status;
    std::optional<std::string> error_reason;
};

/// Applies the status to the outbound message with its wamid, never moving it backwards
/// (failed is final; played is kept as read, with played_at); `reason` is kept with a
/// failure. nullopt when no outbound message has that wamid.
std::optional<StatusApplied> update_message_status(pqxx::dbtransaction& tx,
                                                   const StatusChange& change,
                                                   const std::string& reason);

/// Keeps a status for a message not stored yet (a status seen twice is kept once).
void insert_pending_status(pqxx::dbtransaction& tx, const StatusChange& change);

/// Removes and returns the statuses kept for `wamid`.
std::vector<StatusChange> take_pending_statuses(pqxx::dbtransaction& tx, const std::string& wamid);

/// Deletes the kept statuses older than `keep` (their message never came). Returns how many.
long delete_pending_statuses_before(pqxx::dbtransaction& tx, std::chrono::hours keep);

}  // namespace botflow::store
