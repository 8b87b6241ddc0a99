// The bus's shared state, between bus.cpp (sinks, Redis) and relay.cpp (the outbox relay).
#pragma once
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "botflow/events/bus.hpp"
#include "botflow/util/redis_client.hpp"
#include "botflow/util/redis_subscriber.hpp"

namespace botflow::events {

struct Bus::State : std::enable_shared_from_this<Bus::State> {
    State(asio::io_context& io, util::RedisClient& redis, const util::RedisEndpoint& endpoint,
          BusOptions options)
        : io(io),
          redis(redis),
          subscriber(io, endpoint),
          options(std::move(options)),
          publish_strand(asio::make_strand(io)) {}

    asio::io_context& io;
    util::RedisClient& redis;
    util::RedisSubscriber subscriber;
    BusOptions options;
    asio::strand<asio::io_context::executor_type> publish_strand;  // this replica's order
    std::vector<Sink> sinks;
    std::map<Type, std::vector<Handler>> handlers;
    std::function<void(bool)> subscribed;
    std::atomic<bool> stopping{false};
    std::thread relay;

    std::mutex seen_mutex;
    std::unordered_set<std::int64_t> seen;  // durable ids delivered here lately
    std::deque<std::int64_t> seen_order;

    /// Hands the event to every sink unless its id was delivered already. Any thread.
    void deliver(const Event& event);
    /// PUBLISHes the event on Redis, after the ones published before it; `done` (if set) runs
    /// when Redis answered or failed. Never throws.
    void send(const Event& event, std::function<void()> done = {});
    /// The relay thread's loop: LISTEN, take the relay lock, relay until stopped.
    void relay_loop();
    /// One relay transaction on `conn`; returns how many events it published.
    int relay_batch(void* conn);
};

}  // namespace botflow::events
