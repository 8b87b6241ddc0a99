// Redis pub/sub on the io_context: one subscribed hiredis async connection (the same connection
// code as RedisClient), kept honest with PING and reconnected with backoff.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "botflow/core/asio.hpp"
#include "botflow/util/redis_client.hpp"

namespace botflow::util {

class RedisSubscriber {
public:
    RedisSubscriber(asio::io_context& io, RedisEndpoint endpoint);
    ~RedisSubscriber();
    RedisSubscriber(const RedisSubscriber&) = delete;
    RedisSubscriber& operator=(const RedisSubscriber&) = delete;

    /// Subscribes to `channel` and keeps the subscription up (reconnects with the client's
    /// backoff, 100 ms doubling to 5 s) until stop(). Does not block; a second start() is
    /// ignored.
    /// `on_message` gets each message's payload, on the subscriber's strand, in the order Redis
    /// sent them; the view is valid during the call only.
    /// `on_subscribed` runs on the same strand each time the subscription is (re-)established,
    /// before any message of that subscription; `after_gap` is true when an earlier
    /// subscription of this object was lost (messages may have been missed), false the first
    /// time.
    /// Both must not block; an exception they throw is logged (redis.subscriber_callback_failed)
    /// and the subscriber goes on. A connection from which nothing was read for 25 s (it gets a
    /// PING every 10 s) is dropped and reconnected.
    void start(std::string channel, std::function<void(std::string_view payload)> on_message,
               std::function<void(bool after_gap)> on_subscribed);
    /// Closes the connection and stops reconnecting; any thread, does not block. Callbacks
    /// already queued on the strand may still run until it has handled the stop; then the
    /// callbacks are released.
    void stop();
    /// Frees the connection synchronously. Only when no thread runs the io_context any more
    /// (after it was stopped and its threads joined).
    void stop_now();
    /// True while a subscription is confirmed by Redis on a live connection.
    bool subscribed() const noexcept;

    struct State;  // shared with hiredis callbacks; defined in redis_subscriber.cpp

private:
    std::shared_ptr<State> state_;
};

}  // namespace botflow::util
