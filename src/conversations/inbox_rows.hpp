// What the two ways of storing an inbound message share (store_batch.cpp, one by one;
// known_customers.cpp, set-based): its live-feed event, its conversation and its timestamp
// parameter; the simulator opens a conversation the same way. Private to conversations/.
#pragma once
#include <cstdint>
#include <pqxx/pqxx>
#include <string>

#include "botflow/events/catalog.hpp"
#include "botflow/whatsapp/webhook.hpp"

namespace botflow::conversations {

// The live feed's message.created for a message just stored; `created_at` as the API shows
// it (PostgreSQL's JSON form of the stored value).
events::Event created_event(const std::string& conversation, const std::string& id,
                            const std::string& created_at, const whatsapp::InboundMessage& m);

// The conversation of the message's customer, created on first contact (and for the simulator,
// marked as its own; a real customer's number is a 409).
std::string conversation_for(pqxx::dbtransaction& tx, const whatsapp::InboundMessage& m,
                             bool simulated);

// The message's time as a statement parameter: Meta's when given, else '' (the moment we
// heard of it).
std::string timestamp_text(std::int64_t unix_seconds);

}  // namespace botflow::conversations
