// The live feed's switchboard: every event this replica delivers gets the next id, is kept in
// a bounded replay buffer for clients that reconnect with ?since=, and is queued on every
// connected dashboard socket. Thread-safe; no Beast here (the sockets are in src/ws).
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "botflow/events/catalog.hpp"

namespace botflow::ws {

struct Event {
    std::uint64_t id = 0;  // 0: a control message (ready, pong, error, resync)
    std::string type;
    std::optional<std::string> conversation_id;  // set: only clients subscribed to it get it
    std::uint64_t from_connection = 0;           // set: every client but that one gets it
    std::string text;                            // the envelope {"id","type","ts","data"}
};

/// One connected socket, as the hub sees it.
class Client {
public:
    virtual ~Client() = default;
    /// Queues `event` unless the client filters it out. Any thread; never blocks.
    virtual void push(std::shared_ptr<const Event> event) = 0;
    /// Closes the socket with a WebSocket close code. Any thread.
    virtual void close(int code, std::string reason) = 0;
};

/// A control message's envelope: {"id": null, "type", "ts", "data"}.
std::shared_ptr<const Event> control(const std::string& type, const nlohmann::json& data);

class Hub {
public:
    explicit Hub(std::size_t replay_capacity = 1024);

    /// Gives the event the next id, keeps it for replay and queues it on every client (only
    /// those subscribed to its conversation when it is conversation_only, every one but
    /// from_connection when that is set). A durable event's envelope carries its outbox id as
    /// `event_id`. Any thread.
    void deliver(const events::Event& event);

    /// Tells every client to refetch (events may have been missed, e.g. Redis dropped).
    void resync_all(const std::string& reason);

    /// What a client is told when it attaches: the last id, and the events it missed since
    /// the id it gave (nullopt: it must resync).
    struct Start {
        std::uint64_t connection = 0;
        std::uint64_t last_id = 0;
        std::optional<std::vector<std::shared_ptr<const Event>>> missed;
    };
    /// Registers a client (held weakly) and calls `start` under the hub's lock, so that what
    /// it queues there comes before any event delivered afterwards and nothing falls between.
    void attach(const std::shared_ptr<Client>& client, std::optional<std::uint64_t> since,
                const std::function<void(const Start&)>& start);
    void detach(std::uint64_t connection);

    /// The events after `since`, oldest first; nullopt when the buffer no longer holds all of
    /// them, or `since` is an id of another process (this one restarted, or the client reached
    /// another replica): the client must resync. Ids start at this process's start time in
    /// milliseconds times 1,000, so they never repeat across restarts.
    std::optional<std::vector<std::shared_ptr<const Event>>> replay(std::uint64_t since) const;

    std::uint64_t last_id() const;
    std::size_t clients() const;
    /// Closes every socket (shutdown: 1001 going away).
    void close_all(int code, const std::string& reason);

private:
    std::optional<std::vector<std::shared_ptr<const Event>>> replay_locked(
        std::uint64_t since) const;
    mutable std::mutex mutex_;
    std::size_t capacity_;
    std::uint64_t first_id_ = 0;  // this process's ids are above it
    std::uint64_t last_id_ = 0;
    std::uint64_t evicted_up_to_ = 0;  // the newest event that left the replay buffer
    std::uint64_t next_connection_ = 0;
    std::deque<std::shared_ptr<const Event>> buffer_;
    std::unordered_map<std::uint64_t, std::weak_ptr<Client>> clients_;
};

}  // namespace botflow::ws
