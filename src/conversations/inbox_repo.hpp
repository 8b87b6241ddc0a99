// The statements of webhook ingestion: the deliveries' locks, the customers' conversations
// found, created and folded together, and the messages stored with their conversations'
// counters and turn jobs. Private to conversations/; functions run in the caller's
// transaction.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "botflow/whatsapp/webhook.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::conversations {

/// Takes a transaction advisory lock for each key, in the array's order, then bounds the
/// transaction's later lock waits to `lock_wait_ms` (lock_timeout until COMMIT or ROLLBACK).
/// One statement.
void lock_ingestion_keys(pqxx::dbtransaction& tx, const std::vector<std::string>& keys,
                         int lock_wait_ms);

// The set-based path (known_customers.cpp): a fixed number of statements for a whole group.

/// A customer's conversation, with what it holds about them.
struct Known {
    std::string id;
    bool stale;  // no number yet, or the simulator's: the general path records them
    std::string profile_name, customer_name;
};
using KnownMap = std::map<std::string, Known>;  // by wa_id

/// The conversations of these customers (wa_ids), without locking them.
KnownMap find_known_conversations(pqxx::dbtransaction& tx,
                                  const std::vector<std::optional<std::string>>& wa_ids);

/// First contacts' conversations (one per wa_id, with its phone and name), in one statement;
/// those created are added to `known`. A customer whose number is another conversation's
/// phone is left out.
void insert_first_contacts(pqxx::dbtransaction& tx,
                           const std::vector<std::optional<std::string>>& wa_ids,
                           const std::vector<std::optional<std::string>>& phones,
                           const std::vector<std::optional<std::string>>& names, KnownMap& known);

/// Plain inbound messages, one array per column (each a statement parameter).
struct PlainMessages {
    std::vector<std::optional<std::string>> conversation, type, content, context, wamid, ts,
        metadata, short_text;
};

/// Stores the messages, their conversations' counters (once per conversation), the turns'
/// jobs and their message.created events in the outbox, in one statement. Returns the wamids
/// stored (the others were re-deliveries).
std::set<std::string> insert_plain_messages(pqxx::dbtransaction& tx, const PlainMessages& rows,
                                            int default_debounce_ms);

// The general path (store_batch.cpp): message by message.

/// A customer as a delivery names them.
struct CustomerIds {
    std::optional<std::string> wa_id;
    std::optional<std::string> bsuid;
    std::string phone;  // "+<wa_id>", or '' without one
    std::string name;   // their profile name, '' when not given
    bool simulated = false;
};

/// A conversation of the customer, locked.
struct CustomerConversation {
    std::string id;
    bool changes = false;  // the delivery says something of the customer it does not hold
    bool simulated = false;
};

/// Their conversations (by either identity), oldest first, locked (FOR UPDATE).
std::vector<CustomerConversation> lock_customer_conversations(pqxx::dbtransaction& tx,
                                                              const CustomerIds& customer);

/// Records in conversation `id` what the delivery says of the customer: an identity missing
/// so far, a new profile name, and that a real message makes a simulator number a customer.
void update_customer(pqxx::dbtransaction& tx, const std::string& id, const CustomerIds& customer);

/// The customer's first conversation; nullopt when a concurrent first message created it.
std::optional<std::string> insert_customer_conversation(pqxx::dbtransaction& tx,
                                                        const CustomerIds& customer);

/// Folds the conversation `other` into `id`: its messages, jobs, counters, identities, tags
/// and notes.
void fold_conversation(pqxx::dbtransaction& tx, const std::string& id, const std::string& other);

/// A message just stored.
struct StoredMessage {
    std::string id;
    long turn_jobs = 0;      // conversation_turn jobs its insert enqueued
    std::string created_at;  // as the API shows it
    std::optional<std::string> payload;
};

/// The message and its conversation's counters and turn job in one statement; the
/// conversation changes only when the message is new. nullopt for a re-delivery.
std::optional<StoredMessage> insert_delivered_message(pqxx::dbtransaction& tx,
                                                      const std::string& conversation,
                                                      const whatsapp::InboundMessage& m,
                                                      int default_debounce_ms);

/// Wakes the job workers at COMMIT for the turns enqueued.
void notify_turn_workers(pqxx::dbtransaction& tx);

}  // namespace botflow::conversations
