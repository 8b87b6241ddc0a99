#include "botflow/events/bus.hpp"

#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "events/bus_state.hpp"

namespace botflow::events {
namespace {

constexpr std::size_t kSeenCapacity = 8192;

asio::awaitable<void> publish_on_redis(std::shared_ptr<Bus::State> state, std::string text,
                                       std::function<void()> done) {
    try {
        std::vector<std::string> args{"PUBLISH", state->options.channel, std::move(text)};
        co_await state->redis.command(std::move(args));
    } catch (const Error& e) {
        spdlog::debug("events.publish_failed cause=\"{}\"", e.cause());
    }
    if (done) done();
}

}  // namespace

void Bus::State::deliver(const Event& event) {
    if (event.id > 0) {
        std::lock_guard lock(seen_mutex);
        if (!seen.insert(event.id).second) return;  // relayed again after a crash
        seen_order.push_back(event.id);
        if (seen_order.size() > kSeenCapacity) {
            seen.erase(seen_order.front());
            seen_order.pop_front();
        }
    }
    for (const auto& sink : sinks) {
        try {
            sink(event);
        } catch (const std::exception& e) {
            spdlog::error("events.sink_failed type={} what=\"{}\"", name(event.type), e.what());
        }
    }
}

void Bus::State::send(const Event& event, std::function<void()> done) {
    auto text = to_wire(event, options.origin);
    asio::co_spawn(publish_strand, publish_on_redis(shared_from_this(), std::move(text), done),
                   asio::detached);
}

Bus::Bus(asio::io_context& io, util::RedisClient& redis, const util::RedisEndpoint& endpoint,
         BusOptions options)
    : state_(std::make_shared<State>(io, redis, endpoint, std::move(options))) {}

Bus::~Bus() { stop(); }

void Bus::add_sink(Sink sink) { state_->sinks.push_back(std::move(sink)); }

void Bus::on(Type type, Handler handler) { state_->handlers[type].push_back(std::move(handler)); }

void Bus::on_subscribed(std::function<void(bool after_gap)> callback) {
    state_->subscribed = std::move(callback);
}

void Bus::start() {
    auto state = state_;
    // The other replicas' events; this replica's own were delivered here already.
    auto on_message = [state](std::string_view text) {
        auto parsed = from_wire(text);
        if (!parsed || parsed->second == state->options.origin) return;
        state->deliver(parsed->first);
    };
    auto on_subscribed = [state](bool after_gap) {
        if (after_gap) spdlog::info("events.subscriber_back");
        if (state->subscribed) state->subscribed(after_gap);
    };
    state->subscriber.start(state->options.channel, on_message, on_subscribed);
    state->relay = std::thread([state] { state->relay_loop(); });
}

void Bus::stop() {
    state_->stopping = true;
    state_->subscriber.stop();
    if (state_->relay.joinable()) state_->relay.join();
}

void Bus::publish(Event event) {
    if (event.ts == 0) event.ts = now_ms();
    state_->deliver(event);
    state_->send(event);
}

}  // namespace botflow::events
