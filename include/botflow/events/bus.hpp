// The event bus: delivers every event to this replica's sinks (the live feed, cached settings)
// and to the other replicas over Redis pub/sub, and relays the outbox: durable events written
// by committed transactions are published in order, run through the in-process subscribers
// once, and marked done. A SIGKILL at any point loses no durable event; a consumer may see one
// twice only with the same id, and the bus itself drops ids it delivered already.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "botflow/core/asio.hpp"
#include "botflow/core/secret.hpp"
#include "botflow/events/catalog.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::util {
class RedisClient;
struct RedisEndpoint;
}  // namespace botflow::util

namespace botflow::events {

/// A consumer on every replica: gets each event (local or from another replica) once. Called
/// on the relay's thread or the Redis subscriber's strand: must not block.
using Sink = std::function<void(const Event&)>;

/// An in-process subscriber to durable events: runs once per event across all replicas, in
/// the relay's transaction (a savepoint of it), so what it writes (a delivery to make) commits
/// with the event being marked done. Throwing rolls back only its own work, logged as an error.
using Handler = std::function<void(pqxx::dbtransaction&, const Event&)>;

struct BusOptions {
    std::string channel;  // the Redis channel: "<REDIS_KEY_PREFIX>events"
    std::string origin;   // this replica's id, to tell its own messages on Redis
    Secret database_url;  // the relay's own connection (LISTEN and the relay lock)
    std::chrono::milliseconds sweep{1000};  // the relay looks without a NOTIFY this often
    int batch = 256;                        // events per relay transaction
    // After relaying, the relay lets this pass before it looks again: under load, the commits
    // of that time go out in one relay transaction instead of one each.
    std::chrono::milliseconds gather{10};
};

class Bus {
public:
    Bus(asio::io_context& io, util::RedisClient& redis, const util::RedisEndpoint& endpoint,
        BusOptions options);
    ~Bus();
    Bus(const Bus&) = delete;
    Bus& operator=(const Bus&) = delete;

    /// Adds a sink. Before start() only.
    void add_sink(Sink sink);
    /// Subscribes `handler` to durable events of `type`. Before start() only.
    void on(Type type, Handler handler);
    /// Called each time the Redis subscription is (re)established; `after_gap`: it was lost
    /// and events from other replicas may be missing. Before start() only.
    void on_subscribed(std::function<void(bool after_gap)> callback);

    /// Starts the relay (a thread with its own PostgreSQL connection) and the Redis
    /// subscription. Non-blocking.
    void start();
    /// Stops both; joins the relay thread (blocks up to about a second).
    void stop();

    /// Delivers an event that is not durable (typing, a streamed answer) to this replica's
    /// sinks now and publishes it to the others, without waiting. Never throws. Any thread.
    void publish(Event event);

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace botflow::events
