#include "botflow/core/events.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "botflow/core/app.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/whatsapp/routes.hpp"
#include "botflow/ws/hub.hpp"

namespace botflow::events {
namespace {

asio::awaitable<void> send(App& app, std::string channel, std::string text) {
    try {
        std::vector<std::string> args{"PUBLISH", std::move(channel), std::move(text)};
        co_await app.redis.command(std::move(args));
    } catch (const Error& e) {
        spdlog::debug("events.publish_failed cause=\"{}\"", e.cause());
    }
}

}  // namespace

std::string channel(const App& app) { return app.config.redis_prefix + "events"; }

void publish(App& app, std::string type, nlohmann::json data,
             std::optional<std::string> conversation_id, std::uint64_t from_connection) {
    auto ts = ws::now_ms();
    app.hub.deliver(type, ts, data, conversation_id, from_connection);
    // The other replicas: the origin tells them it is not theirs, and lets this one skip its
    // own echo. A colleague's typing is for this replica's other sockets and the others'.
    nlohmann::json wire{{"origin", app.instance_id},
                        {"type", std::move(type)},
                        {"ts", ts},
                        {"data", std::move(data)}};
    if (conversation_id) wire["conversation_id"] = *conversation_id;
    if (from_connection) wire["live_only"] = true;  // a colleague typing: not for replay
    auto text = wire.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    // One strand for every publish: the other replicas see this replica's events in order.
    static std::once_flag once;
    static std::optional<asio::strand<asio::io_context::executor_type>> strand;
    std::call_once(once, [&app] { strand.emplace(asio::make_strand(app.io)); });
    asio::co_spawn(*strand, send(app, channel(app), std::move(text)), asio::detached);
}

struct Subscriber::State {
    explicit State(App& app) : app(app) {}
    App& app;
    std::atomic<bool> stopping{false};
    std::thread thread;

    void deliver(const char* text, std::size_t size);
    void loop();
};

void Subscriber::State::deliver(const char* text, std::size_t size) {
    auto j = nlohmann::json::parse(text, text + size, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("type") || !j["type"].is_string()) {
        return;
    }
    if (j.contains("origin") && j["origin"].is_string() &&
        j["origin"].get<std::string>() == app.instance_id) {
        return;  // delivered already
    }
    std::optional<std::string> conversation;
    if (j.contains("conversation_id") && j["conversation_id"].is_string()) {
        conversation = j["conversation_id"].get<std::string>();
    }
    // A section that is not a string simply does not match (value() would throw here).
    if (j["type"] == "settings.updated" && j.contains("data") && j["data"].is_object() &&
        j["data"].contains("section") && j["data"]["section"] == "whatsapp") {
        whatsapp::reload_credentials(app);  // another replica saved new credentials
    }
    auto ts = j.contains("ts") && j["ts"].is_number_integer() ? j["ts"].get<std::int64_t>()
                                                              : ws::now_ms();
    // A connection id no socket here has: everyone gets it, and it is not kept for replay.
    bool live_only =
        j.contains("live_only") && j["live_only"].is_boolean() && j["live_only"].get<bool>();
    std::uint64_t from = live_only ? ~std::uint64_t{0} : 0;
    app.hub.deliver(j["type"].get<std::string>(), ts, j.contains("data") ? j["data"] : nullptr,
                    conversation, from);
}

// hiredis' blocking API on a thread of its own: a subscribed connection only waits.
void Subscriber::State::loop() {
    util::RedisEndpoint ep;
    try {
        ep = util::parse_redis_url(app.config.redis_url.reveal());
    } catch (const std::exception& e) {
        spdlog::error("events.subscribe_failed what=\"{}\"", e.what());
        return;
    }
    auto name = channel(app);
    bool lost = false;  // the subscription dropped: the sockets may have missed events
    bool warned = false;
    while (!stopping) {
        struct timeval connect_timeout {
            2, 0
        };
        redisContext* c = redisConnectWithTimeout(ep.host.c_str(), ep.port, connect_timeout);
        auto fail = [&](const std::string& why) {
            if (!warned) spdlog::warn("events.subscriber_down cause=\"{}\"", why);
            warned = true;
            lost = true;
            if (c) redisFree(c);
            c = nullptr;
            for (int i = 0; i < 10 && !stopping; ++i) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        };
        if (!c || c->err) {
            fail(c ? c->errstr : "no memory");
            continue;
        }
        // Every read is bounded, AUTH and SUBSCRIBE included: a Redis that accepts and then
        // says nothing must not hang shutdown.
        struct timeval read_timeout {
            1, 0
        };
        redisSetTimeout(c, read_timeout);
        redisEnableKeepAlive(c);
        auto call = [&](const std::vector<std::string>& args) {
            std::vector<const char*> argv;
            std::vector<size_t> lens;
            for (const auto& a : args) {
                argv.push_back(a.c_str());
                lens.push_back(a.size());
            }
            auto* r = static_cast<redisReply*>(
                redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data()));
            bool ok = r && r->type != REDIS_REPLY_ERROR;
            if (r) freeReplyObject(r);
            return ok;
        };
        if (!ep.password.empty()) {
            bool ok = ep.username.empty() || ep.username == "default"
                          ? call({"AUTH", ep.password.reveal()})
                          : call({"AUTH", ep.username, ep.password.reveal()});
            if (!ok) {
                fail("AUTH refused");
                continue;
            }
        }
        if (!call({"SUBSCRIBE", name})) {
            fail(c->err ? c->errstr : "SUBSCRIBE refused");
            continue;
        }
        if (lost) {
            spdlog::info("events.subscriber_back");
            app.hub.resync_all("events_may_be_missing");
        }
        // A save may have been announced before this subscription (at start, or while Redis
        // was away).
        whatsapp::reload_credentials(app);
        lost = false;
        warned = false;
        // A quiet channel and a dead connection look alike: PING every 10 s (allowed while
        // subscribed) and give up on a connection that answers nothing for 25 s.
        auto last_heard = std::chrono::steady_clock::now();
        auto last_ping = last_heard;
        bool dead = false;
        while (!stopping) {
            auto now = std::chrono::steady_clock::now();
            if (now - last_heard > std::chrono::seconds(25)) {
                dead = true;
                break;
            }
            if (now - last_ping > std::chrono::seconds(10)) {
                redisAppendCommand(c, "PING");
                last_ping = now;
            }
            void* raw = nullptr;
            if (redisGetReply(c, &raw) != REDIS_OK) {
                if (c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                    c->err = 0;  // the read timeout: look at `stopping` and wait again
                    c->errstr[0] = '\0';
                    continue;
                }
                break;
            }
            last_heard = std::chrono::steady_clock::now();
            auto* r = static_cast<redisReply*>(raw);
            if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
                r->element[0]->type == REDIS_REPLY_STRING &&
                std::string_view(r->element[0]->str, r->element[0]->len) == "message" &&
                r->element[2]->type == REDIS_REPLY_STRING) {
                try {
                    deliver(r->element[2]->str, r->element[2]->len);
                } catch (const std::exception& e) {
                    // Another build's or an operator's message: never a reason to stop.
                    spdlog::warn("events.bad_message what=\"{}\"", e.what());
                }
            }
            if (r) freeReplyObject(r);
        }
        if (!stopping) {
            fail(dead ? "no answer to PING" : c->err ? c->errstr : "connection lost");
            continue;
        }
        redisFree(c);
    }
}

Subscriber::Subscriber(App& app) : state_(std::make_shared<State>(app)) {}

Subscriber::~Subscriber() { stop(); }

void Subscriber::start() {
    state_->thread = std::thread([state = state_] { state->loop(); });
}

void Subscriber::stop() {
    state_->stopping = true;
    if (state_->thread.joinable()) state_->thread.join();
}

}  // namespace botflow::events
