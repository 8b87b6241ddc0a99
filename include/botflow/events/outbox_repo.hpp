// The transactional outbox: durable events are rows written in the transaction that commits
// the change they describe, and the relay (events::Bus) publishes them after COMMIT. Functions
// run in the caller's transaction.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "botflow/events/catalog.hpp"

namespace pqxx {
class dbtransaction;
class transaction_base;
}  // namespace pqxx

namespace botflow::events {

/// The channel the relay LISTENs on; stage() NOTIFYs it (delivered at COMMIT).
inline constexpr const char* kOutboxChannel = "botflow_outbox";
/// The session advisory lock the relaying replica holds: one relay at a time keeps the events
/// in the order they were written. Another replica takes over when its session ends.
inline constexpr std::int64_t kRelayLock = 0x626f74666c6f7701;  // "botflow" 01

/// An event's id is its outbox row's id shifted left by kRowShift, plus its place in the row:
/// most rows hold one event, a batch row (type "batch:<type>", data a JSON array of payloads,
/// each naming its conversation_id) holds every event of one type a statement wrote, which
/// saves the ingestion a row per message.
inline constexpr int kRowShift = 16;
inline constexpr std::size_t kRowCapacity = std::size_t{1} << kRowShift;
inline constexpr const char* kBatchPrefix = "batch:";

/// Writes durable events to the outbox; they are published once the transaction commits, and
/// lost with it if it rolls back. Throws std::invalid_argument for a type that is not durable
/// (those go through Bus::publish). One statement however many.
void stage(pqxx::dbtransaction& tx, const std::vector<Event>& events);
void stage(pqxx::dbtransaction& tx, const Event& event);

/// What one read of the outbox found: the events in order, and the rows they came from.
struct Unpublished {
    std::vector<Event> events;
    std::vector<std::int64_t> rows;
};

/// The unpublished events of up to `limit` rows, oldest first, with their ids and times.
Unpublished unpublished(pqxx::dbtransaction& tx, int limit);

/// Marks rows published: they leave the outbox.
void mark_published(pqxx::dbtransaction& tx, const std::vector<std::int64_t>& rows);

/// The relay's own transaction commits without waiting for the disk (SET LOCAL).
void commit_without_flush(pqxx::dbtransaction& tx);

/// Takes the relay lock (kRelayLock) for the connection's session if no other session holds
/// it; true when this one does now.
bool try_lead_relay(pqxx::transaction_base& tx);

}  // namespace botflow::events
