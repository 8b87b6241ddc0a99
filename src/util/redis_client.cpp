#include "botflow/util/redis_client.hpp"

#include <cctype>
#include <stdexcept>

#include "botflow/core/encoding.hpp"
#include "botflow/core/log.hpp"
#include "redis_connection.hpp"

namespace botflow::util {

RedisEndpoint parse_redis_url(const std::string& url) {
    RedisEndpoint ep;
    std::string_view rest(url);
    if (rest.rfind("rediss://", 0) == 0) {
        throw std::invalid_argument(
            "uses rediss:// (TLS), which this build cannot speak; use the private redis:// URL");
    }
    if (rest.rfind("redis://", 0) != 0) {
        throw std::invalid_argument("must start with redis://");
    }
    rest.remove_prefix(8);
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    std::string_view path =
        slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    auto at = authority.rfind('@');
    if (at != std::string_view::npos) {
        auto userinfo = authority.substr(0, at);
        authority.remove_prefix(at + 1);
        auto colon = userinfo.find(':');
        auto user = percent_decode(userinfo.substr(0, colon));
        if (!user) throw std::invalid_argument("has a malformed %-escape in the user name");
        ep.username = *user;
        if (colon != std::string_view::npos) {
            auto pass = percent_decode(userinfo.substr(colon + 1));
            if (!pass) throw std::invalid_argument("has a malformed %-escape in the password");
            ep.password = Secret(*pass);
        }
    }
    std::string_view host = authority;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos)
            throw std::invalid_argument("has an unclosed [IPv6] host");
        host = authority.substr(1, close - 1);
        auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') throw std::invalid_argument("has junk after the [IPv6] host");
            port = after.substr(1);
        }
    } else {
        auto colon = authority.rfind(':');
        if (colon != std::string_view::npos) {
            host = authority.substr(0, colon);
            port = authority.substr(colon + 1);
        }
    }
    if (host.empty()) throw std::invalid_argument("has no host");
    ep.host = std::string(host);
    if (!port.empty()) {
        int p = 0;
        for (char c : port) {
            if (!std::isdigit(static_cast<unsigned char>(c)) || p > 65535) {
                throw std::invalid_argument("has an invalid port");
            }
            p = p * 10 + (c - '0');
        }
        if (p < 1 || p > 65535) throw std::invalid_argument("has an invalid port");
        ep.port = static_cast<std::uint16_t>(p);
    }
    if (!path.empty()) {
        int db = 0;
        for (char c : path) {
            if (!std::isdigit(static_cast<unsigned char>(c)) || db > 10000) {
                throw std::invalid_argument("has a database path that is not a number");
            }
            db = db * 10 + (c - '0');
        }
        ep.db = db;
    }
    return ep;
}

// Commands over the shared connection loop; a command that arrives while connecting waits for
// the connection.
struct RedisClient::State : RedisConnection {
    State(asio::io_context& io, RedisEndpoint endpoint)
        : RedisConnection(io, std::move(endpoint), "") {}

    // On the strand:
    // False from start (and after a connection that lived) until a connect attempt fails:
    // meanwhile commands wait for the connection instead of failing at once.
    bool failing = false;
    std::vector<std::pair<std::shared_ptr<PendingCommand>, std::vector<std::string>>> parked;

    void send(std::shared_ptr<PendingCommand> pending, std::vector<std::string> args,
              std::chrono::milliseconds timeout);
    void flush_parked(bool fail);  // sends (or fails) commands that waited for a connection

    void on_up() override {
        failing = false;
        flush_parked(false);
    }
    void on_failure() override {
        failing = true;
        flush_parked(true);
    }
};

void RedisClient::State::flush_parked(bool fail) {
    auto waiting = std::move(parked);
    parked.clear();
    for (auto& [pending, args] : waiting) {
        if (pending->done) continue;
        if (fail) {
            pending->finish(std::make_exception_ptr(unavailable("redis not connected")));
            continue;
        }
        // The timer keeps running: the command's original deadline still holds.
        submit(pending, args);
    }
}

void RedisClient::State::send(std::shared_ptr<PendingCommand> pending,
                              std::vector<std::string> args, std::chrono::milliseconds timeout) {
    if (!args.empty()) {
        std::string verb = args[0];
        for (auto& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        // hiredis calls the callback of these again for every message, but on_reply owns its
        // privdata for one call only: RedisSubscriber is for those.
        if (verb == "SUBSCRIBE" || verb == "PSUBSCRIBE" || verb == "UNSUBSCRIBE" ||
            verb == "PUNSUBSCRIBE" || verb == "MONITOR") {
            pending->finish(std::make_exception_ptr(
                Error(Errc::internal, "unsupported Redis command", verb + " needs a subscriber")));
            return;
        }
    }
    if (!is_connected && !stopped && !failing) {
        // Connecting (at start, or right after a drop): wait for it, within this command's
        // timeout, rather than failing a request that arrives a moment early.
        pending->timer.expires_after(timeout);
        auto self = shared_from_this();
        pending->timer.async_wait([self, pending](boost::system::error_code ec) {
            if (ec || pending->done) return;
            pending->finish(std::make_exception_ptr(unavailable("redis not connected in time")));
        });
        parked.emplace_back(std::move(pending), std::move(args));
        return;
    }
    if (!is_connected) {
        pending->finish(std::make_exception_ptr(unavailable("redis not connected")));
        return;
    }
    send_now(std::move(pending), args, timeout);
}

RedisClient::RedisClient(asio::io_context& io, RedisEndpoint endpoint)
    : state_(std::make_shared<State>(io, std::move(endpoint))) {}

RedisClient::~RedisClient() { stop(); }

void RedisClient::start() {
    auto state = state_;
    asio::post(state->strand, [state] {
        if (state->started || state->stopped) return;
        state->started = true;
        state->spawn("redis.loop_failed");
    });
}

void RedisClient::stop() {
    auto state = state_;
    asio::post(state->strand, [state] {
        state->stopped = true;
        state->drop();
        state->flush_parked(true);
        state->wake.cancel();
    });
}

void RedisClient::stop_now() {
    state_->stopped = true;
    state_->drop();
}

bool RedisClient::connected() const noexcept { return state_->is_connected.load(); }

asio::awaitable<RedisReply> RedisClient::command(std::vector<std::string> args,
                                                 std::chrono::milliseconds timeout) {
    auto state = state_;
    auto init = [state, args = std::move(args), timeout](auto handler) mutable {
        auto home = asio::make_work_guard(asio::get_associated_executor(handler));
        auto shared_handler = std::make_shared<decltype(handler)>(std::move(handler));
        auto pending = std::make_shared<PendingCommand>(state->strand);
        pending->deliver = [shared_handler, home](std::exception_ptr e, RedisReply r) mutable {
            auto deliver = [shared_handler, e, r = std::move(r)]() mutable {
                (*shared_handler)(e, std::move(r));
            };
            asio::post(home.get_executor(), std::move(deliver));
        };
        auto send = [state, pending, args = std::move(args), timeout]() mutable {
            state->send(pending, std::move(args), timeout);
        };
        asio::post(state->strand, std::move(send));
    };
    co_return co_await asio::async_initiate<const asio::use_awaitable_t<>,
                                            void(std::exception_ptr, RedisReply)>(
        std::move(init), asio::use_awaitable);
}

}  // namespace botflow::util
