// The transactional outbox: durable events are rows written in the transaction that commits
// the change they describe, and the relay (events::Bus) publishes them after COMMIT. Functions
// run in the caller's transaction.
#pragma once
#include <chrono>
#include <cstdint>
#include <vector>

#include "botflow/events/catalog.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::events {

/// The channel the relay LISTENs on; stage() NOTIFYs it (delivered at COMMIT).
inline constexpr const char* kOutboxChannel = "botflow_outbox";
/// The session advisory lock the relaying replica holds: one relay at a time keeps the events
/// in the order they were written. Another replica takes over when its session ends.
inline constexpr std::int64_t kRelayLock = 0x626f74666c6f7701;  // "botflow" 01

/// Writes durable events to the outbox; they are published once the transaction commits, and
/// lost with it if it rolls back. Throws std::invalid_argument for a type that is not durable
/// (those go through Bus::publish). One statement however many.
void stage(pqxx::dbtransaction& tx, const std::vector<Event>& events);
void stage(pqxx::dbtransaction& tx, const Event& event);

/// Up to `limit` unpublished events, oldest first, with their ids and times.
std::vector<Event> unpublished(pqxx::dbtransaction& tx, int limit);

/// Marks events published: they leave the outbox.
void mark_published(pqxx::dbtransaction& tx, const std::vector<std::int64_t>& ids);

}  // namespace botflow::events
