// Events for the live feed. An event goes at once to this replica's sockets (the hub) and, on
// Redis pub/sub, to every other replica, which hands it to its own. Best effort: a lost event
// costs a refresh (clients get `resync` when Redis dropped), never a message.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace botflow {
class App;
}

namespace botflow::events {

/// The Redis channel events go out on: "<REDIS_KEY_PREFIX>events".
std::string channel(const App& app);

/// Delivers to this replica's sockets and publishes to the others without waiting; never
/// throws. Any thread. `conversation_id`: only sockets subscribed to that conversation get it
/// (a streamed answer); `from_connection`: every socket but that one (a colleague typing).
void publish(App& app, std::string type, nlohmann::json data,
             std::optional<std::string> conversation_id = std::nullopt,
             std::uint64_t from_connection = 0);

/// Receives the other replicas' events from Redis on a thread of its own and hands them to
/// this replica's hub; after Redis dropped and came back, tells every socket to resync.
class Subscriber {
public:
    explicit Subscriber(App& app);
    ~Subscriber();
    Subscriber(const Subscriber&) = delete;
    Subscriber& operator=(const Subscriber&) = delete;
    void start();
    /// Stops and joins (blocks up to about a second).
    void stop();

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace botflow::events
