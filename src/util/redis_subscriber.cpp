#include "botflow/util/redis_subscriber.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <optional>

#include "botflow/core/log.hpp"
#include "redis_connection.hpp"

// forget_ping_callbacks() relies on 0.14's callback list (async.h) and its malloc/free.
static_assert(HIREDIS_MAJOR == 0 && HIREDIS_MINOR == 14, "check forget_ping_callbacks()");

namespace botflow::util {
namespace {

constexpr auto kPingInterval = std::chrono::seconds(10);
constexpr auto kSilenceLimit = std::chrono::seconds(25);
constexpr auto kSubscribeTimeout = std::chrono::seconds(3);

std::optional<std::string_view> text(const redisReply* r) {
    if (r->type != REDIS_REPLY_STRING) return std::nullopt;
    return std::string_view(r->str, r->len);
}

// hiredis 0.14 queues a callback record for each command sent while subscribed and takes one off
// only for a reply that is not an array; a subscribed connection's pong is an array, so every
// PING would leave its record until the connection closes. Ours carry no callback: free them.
void forget_ping_callbacks(redisAsyncContext* ac) {
    for (auto* cb = ac->sub.invalid.head; cb; cb = cb->next) {
        if (cb->fn || cb->privdata) return;  // not only ours
    }
    auto* cb = ac->sub.invalid.head;
    while (cb) {
        auto* next = cb->next;
        std::free(cb);
        cb = next;
    }
    ac->sub.invalid.head = ac->sub.invalid.tail = nullptr;
}

template <class F>
void guarded(F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        spdlog::warn("redis.subscriber_callback_failed what=\"{}\"", e.what());
    } catch (...) {
        spdlog::warn("redis.subscriber_callback_failed what=\"unknown exception\"");
    }
}

}  // namespace

struct RedisSubscriber::State : RedisConnection {
    State(asio::io_context& io, RedisEndpoint endpoint)
        : RedisConnection(io, std::move(endpoint), " role=subscriber") {}

    // On the strand:
    std::string channel;
    std::function<void(std::string_view)> on_message;
    std::function<void(bool)> on_subscribed;
    bool confirmed = false;          // Redis acknowledged this connection's SUBSCRIBE
    bool subscribed_before = false;  // an earlier connection was subscribed: a gap since
    std::chrono::steady_clock::time_point last_ping;
    std::atomic<bool> is_subscribed{false};

    asio::awaitable<std::string> prepare() override;
    void on_up() override { last_ping = std::chrono::steady_clock::now(); }
    asio::steady_timer::time_point keepalive() override;
    void on_context_freed() override {
        confirmed = false;
        is_subscribed = false;
    }

    void handle(const redisReply& reply);  // a reply pushed on the subscription
    void confirm();
};

namespace {

// The SUBSCRIBE callback. hiredis 0.14 keeps it for the channel and calls it with the same
// privdata for the confirmation, for every message, and once with a NULL reply when it frees
// the context. The privdata is the state itself, which outlives every context it opens (the
// connection loop holds it until its last drop()): nothing is allocated per call or freed here.
void on_subscription_reply(redisAsyncContext*, void* reply, void* privdata) {
    if (!reply) return;
    static_cast<RedisSubscriber::State*>(privdata)->handle(*static_cast<redisReply*>(reply));
}

}  // namespace

asio::awaitable<std::string> RedisSubscriber::State::prepare() {
    confirmed = false;
    const char* argv[] = {"SUBSCRIBE", channel.c_str()};
    std::size_t argvlen[] = {9, channel.size()};
    if (redisAsyncCommandArgv(ctx, on_subscription_reply, this, 2, argv, argvlen) != REDIS_OK) {
        co_return "SUBSCRIBE rejected";
    }
    // confirm() runs from the reply and wakes us.
    auto deadline = std::chrono::steady_clock::now() + kSubscribeTimeout;
    boost::system::error_code ec;
    while (ctx && !confirmed && !stopped && std::chrono::steady_clock::now() < deadline) {
        wake.expires_at(deadline);
        co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (stopped) co_return "stopped";
    // An error reply (an ACL without the channel, say) makes hiredis close the connection.
    if (!ctx) co_return "connection closed before SUBSCRIBE was confirmed";
    if (!confirmed) co_return "SUBSCRIBE not confirmed in time";
    co_return std::string{};
}

void RedisSubscriber::State::handle(const redisReply& reply) {
    if (reply.type != REDIS_REPLY_ARRAY || reply.elements != 3) return;
    auto kind = text(reply.element[0]);
    auto name = text(reply.element[1]);
    if (!kind || !name || *name != channel) return;
    if (*kind == "subscribe") {
        if (!confirmed) confirm();
        return;
    }
    auto payload = text(reply.element[2]);
    if (*kind != "message" || !payload || !on_message) return;
    guarded([&] { on_message(*payload); });
}

// Runs inside the confirmation's callback, so before any message that came with it.
void RedisSubscriber::State::confirm() {
    confirmed = true;
    is_subscribed = true;
    wake.cancel();  // prepare() waits for this
    bool after_gap = subscribed_before;
    subscribed_before = true;
    spdlog::info("redis.subscribed channel={} after_gap={}", channel, after_gap);
    if (on_subscribed) guarded([&] { on_subscribed(after_gap); });
}

// A quiet channel and a dead connection look alike: PING every 10 s (allowed while subscribed)
// and give up on a connection from which nothing was read for 25 s.
asio::steady_timer::time_point RedisSubscriber::State::keepalive() {
    auto now = std::chrono::steady_clock::now();
    if (now - last_read >= kSilenceLimit) {
        spdlog::warn("redis.subscriber_silent host={} channel={} seconds={} action=reconnect",
                     endpoint.host, channel, kSilenceLimit.count());
        drop();
        return asio::steady_timer::time_point::max();
    }
    if (now - last_ping >= kPingInterval) {
        const char* argv[] = {"PING"};
        std::size_t argvlen[] = {4};
        // No callback: hiredis 0.14 hands a subscribed connection's pong to none.
        redisAsyncCommandArgv(ctx, nullptr, nullptr, 1, argv, argvlen);
        forget_ping_callbacks(ctx);
        last_ping = now;
    }
    return std::min(last_ping + kPingInterval, last_read + kSilenceLimit);
}

RedisSubscriber::RedisSubscriber(asio::io_context& io, RedisEndpoint endpoint)
    : state_(std::make_shared<State>(io, std::move(endpoint))) {}

RedisSubscriber::~RedisSubscriber() { stop(); }

void RedisSubscriber::start(std::string channel,
                            std::function<void(std::string_view payload)> on_message,
                            std::function<void(bool after_gap)> on_subscribed) {
    auto state = state_;
    auto begin = [state, channel = std::move(channel), on_message = std::move(on_message),
                  on_subscribed = std::move(on_subscribed)]() mutable {
        if (state->started || state->stopped) return;
        state->started = true;
        state->channel = std::move(channel);
        state->on_message = std::move(on_message);
        state->on_subscribed = std::move(on_subscribed);
        state->spawn("redis.subscriber_loop_failed");
    };
    asio::post(state->strand, std::move(begin));
}

void RedisSubscriber::stop() {
    auto state = state_;
    asio::post(state->strand, [state] {
        state->stopped = true;
        state->drop();
        state->wake.cancel();
        // Whatever the callbacks hold is released now, not when the last handler lets go.
        state->on_message = nullptr;
        state->on_subscribed = nullptr;
    });
}

void RedisSubscriber::stop_now() {
    state_->stopped = true;
    state_->drop();
}

bool RedisSubscriber::subscribed() const noexcept { return state_->is_subscribed.load(); }

}  // namespace botflow::util
