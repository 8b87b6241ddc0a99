#include "botflow/util/redis_client.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <random>
#include <stdexcept>

#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/http/request.hpp"

namespace botflow::util {
namespace {

using Strand = asio::strand<asio::io_context::executor_type>;

RedisReply convert(const redisReply* r) {
    RedisReply out;
    switch (r->type) {
        case REDIS_REPLY_STRING:
            out.type = RedisReply::Type::string;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_STATUS:
            out.type = RedisReply::Type::status;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_ERROR:
            out.type = RedisReply::Type::error;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_INTEGER:
            out.type = RedisReply::Type::integer;
            out.integer = r->integer;
            break;
        case REDIS_REPLY_ARRAY:
            out.type = RedisReply::Type::array;
            for (std::size_t i = 0; i < r->elements; ++i)
                out.elements.push_back(convert(r->element[i]));
            break;
        default:
            out.type = RedisReply::Type::nil;
    }
    return out;
}

Error unavailable(std::string cause) {
    return Error(Errc::unavailable, "Redis is unavailable; try again shortly.", std::move(cause));
}

}  // namespace

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
        auto user = http::percent_decode(userinfo.substr(0, colon));
        if (!user) throw std::invalid_argument("has a malformed %-escape in the user name");
        ep.username = *user;
        if (colon != std::string_view::npos) {
            auto pass = http::percent_decode(userinfo.substr(colon + 1));
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

// One hiredis context's socket, watched through a dup'ed descriptor (closing it never closes
// hiredis' own fd). Lives on the client's strand.
struct Watcher : std::enable_shared_from_this<Watcher> {
    // Takes ownership of `fd` (a dup of hiredis' socket).
    Watcher(Strand strand, int fd, RedisClient::State* state)
        : descriptor(strand, fd), state(state) {}
    asio::posix::stream_descriptor descriptor;
    RedisClient::State* state;
    redisAsyncContext* ctx = nullptr;  // null once hiredis cleaned up
    bool want_read = false, want_write = false, reading = false, writing = false;

    void arm();
};

struct PendingCommand {
    explicit PendingCommand(Strand strand) : timer(strand) {}
    std::function<void(std::exception_ptr, RedisReply)> deliver;
    asio::steady_timer timer;
    bool done = false;

    void finish(std::exception_ptr e, RedisReply r = {}) {
        if (done) return;
        done = true;
        timer.cancel();
        deliver(e, std::move(r));
    }
};

struct RedisClient::State : std::enable_shared_from_this<RedisClient::State> {
    State(asio::io_context& io, RedisEndpoint endpoint)
        : io(io), strand(asio::make_strand(io)), endpoint(std::move(endpoint)), wake(strand) {}

    asio::io_context& io;
    Strand strand;
    RedisEndpoint endpoint;
    // On the strand:
    redisAsyncContext* ctx = nullptr;
    std::shared_ptr<Watcher> watcher;
    bool stopped = false;
    bool started = false;
    int connect_status = 0;  // 0 pending, 1 ok, -1 failed
    asio::steady_timer wake;
    std::atomic<bool> is_connected{false};
    // False from start (and after a connection that lived) until a connect attempt fails:
    // meanwhile commands wait for the connection instead of failing at once.
    bool failing = false;
    std::vector<std::pair<std::shared_ptr<PendingCommand>, std::vector<std::string>>> parked;

    asio::awaitable<void> run();
    void send(std::shared_ptr<PendingCommand> pending, std::vector<std::string> args,
              std::chrono::milliseconds timeout, bool during_handshake);
    void drop();                   // frees the context; hiredis fails its pending commands
    void flush_parked(bool fail);  // sends (or fails) commands that waited for a connection
    // Hands a command to hiredis; false (and the command failed) if hiredis refused it.
    bool submit(const std::shared_ptr<PendingCommand>& pending,
                const std::vector<std::string>& args);
    asio::awaitable<RedisReply> handshake_command(std::vector<std::string> args);
    // Connects to one address, attaches the watcher, authenticates; "" on success.
    asio::awaitable<std::string> connect(std::string ip);
};

void Watcher::arm() {
    auto self = shared_from_this();
    if (want_read && !reading && ctx) {
        reading = true;
        descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                              [self](boost::system::error_code ec) {
                                  self->reading = false;
                                  if (ec || !self->ctx || !self->want_read) return;
                                  redisAsyncHandleRead(self->ctx);
                                  self->arm();
                              });
    }
    if (want_write && !writing && ctx) {
        writing = true;
        descriptor.async_wait(asio::posix::stream_descriptor::wait_write,
                              [self](boost::system::error_code ec) {
                                  self->writing = false;
                                  if (ec || !self->ctx || !self->want_write) return;
                                  redisAsyncHandleWrite(self->ctx);
                                  self->arm();
                              });
    }
}

namespace {

void on_add_read(void* p) {
    auto* w = static_cast<Watcher*>(p);
    w->want_read = true;
    w->arm();
}
void on_del_read(void* p) { static_cast<Watcher*>(p)->want_read = false; }
void on_add_write(void* p) {
    auto* w = static_cast<Watcher*>(p);
    w->want_write = true;
    w->arm();
}
void on_del_write(void* p) { static_cast<Watcher*>(p)->want_write = false; }

// hiredis is freeing the context: forget it everywhere and wake the connection loop.
void on_cleanup(void* p) {
    auto* w = static_cast<Watcher*>(p);
    auto* state = w->state;
    if (state->ctx == w->ctx) state->ctx = nullptr;
    if (!state->ctx) {
        state->is_connected = false;
        state->wake.cancel();
    }
    w->ctx = nullptr;
    w->want_read = w->want_write = false;
    boost::system::error_code ignored;
    w->descriptor.close(ignored);
    if (state->watcher.get() == w) state->watcher.reset();  // last use of w
}

void on_connect(const redisAsyncContext* ac, int status) {
    auto* state = static_cast<RedisClient::State*>(ac->data);
    state->connect_status = status == REDIS_OK ? 1 : -1;
    state->wake.cancel();
}

void on_disconnect(const redisAsyncContext* ac, int) {
    auto* state = static_cast<RedisClient::State*>(ac->data);
    state->is_connected = false;
    state->wake.cancel();
}

void on_reply(redisAsyncContext*, void* reply, void* privdata) {
    auto* holder = static_cast<std::shared_ptr<PendingCommand>*>(privdata);
    std::shared_ptr<PendingCommand> pending = std::move(*holder);
    delete holder;
    if (!reply) {
        pending->finish(std::make_exception_ptr(unavailable("redis connection closed")));
        return;
    }
    pending->finish(nullptr, convert(static_cast<redisReply*>(reply)));
}

}  // namespace

bool RedisClient::State::submit(const std::shared_ptr<PendingCommand>& pending,
                                const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> argvlen;
    for (const auto& a : args) {
        argv.push_back(a.data());
        argvlen.push_back(a.size());
    }
    auto* holder = new std::shared_ptr<PendingCommand>(pending);
    if (redisAsyncCommandArgv(ctx, on_reply, holder, static_cast<int>(argv.size()), argv.data(),
                              argvlen.data()) != REDIS_OK) {
        delete holder;
        pending->finish(std::make_exception_ptr(unavailable("redis command rejected")));
        return false;
    }
    return true;
}

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

void RedisClient::State::drop() {
    if (ctx) {
        auto* c = ctx;
        ctx = nullptr;
        is_connected = false;
        redisAsyncFree(c);  // runs on_reply(NULL) for pending commands, then on_cleanup
    }
}

void RedisClient::State::send(std::shared_ptr<PendingCommand> pending,
                              std::vector<std::string> args, std::chrono::milliseconds timeout,
                              bool during_handshake) {
    if (!args.empty()) {
        std::string verb = args[0];
        for (auto& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        // hiredis calls the callback of these again for every message, but on_reply owns its
        // privdata for one call only.
        if (verb == "SUBSCRIBE" || verb == "PSUBSCRIBE" || verb == "UNSUBSCRIBE" ||
            verb == "PUNSUBSCRIBE" || verb == "MONITOR") {
            pending->finish(std::make_exception_ptr(
                Error(Errc::internal, "unsupported Redis command", verb + " needs a subscriber")));
            return;
        }
    }
    if (!during_handshake && !is_connected && !stopped && !failing) {
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
    if (!ctx || stopped || (!during_handshake && !is_connected)) {
        pending->finish(std::make_exception_ptr(unavailable("redis not connected")));
        return;
    }
    if (!submit(pending, args)) return;
    auto self = shared_from_this();
    pending->timer.expires_after(timeout);
    pending->timer.async_wait([self, pending](boost::system::error_code ec) {
        if (ec || pending->done) return;
        pending->finish(std::make_exception_ptr(unavailable("redis command timed out")));
        // A reply that does not come means the connection is no good: start over.
        spdlog::warn("redis.timeout host={} action=reconnect", self->endpoint.host);
        self->drop();
    });
}

asio::awaitable<RedisReply> RedisClient::State::handshake_command(std::vector<std::string> args) {
    auto pending = std::make_shared<PendingCommand>(strand);
    RedisReply result;
    std::exception_ptr error;
    bool finished = false;
    asio::steady_timer done(strand);
    done.expires_at(asio::steady_timer::time_point::max());
    pending->deliver = [&](std::exception_ptr e, RedisReply r) {
        error = e;
        result = std::move(r);
        finished = true;
        done.cancel();
    };
    send(pending, std::move(args), std::chrono::milliseconds(3000), true);
    while (!finished) {
        boost::system::error_code ec;
        co_await done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (error) std::rethrow_exception(error);
    co_return result;
}

asio::awaitable<void> RedisClient::State::run() {
    auto self = shared_from_this();
    std::mt19937 rng{std::random_device{}()};
    auto backoff = std::chrono::milliseconds(100);
    bool logged_failure = false;
    asio::ip::tcp::resolver resolver(strand);
    std::vector<std::string> addresses;  // from the last resolve, tried in turn
    std::size_t next_address = 0;
    while (!stopped) {
        std::string failure;
        boost::system::error_code ec;
        if (next_address >= addresses.size()) {
            // Resolve asynchronously: hiredis would otherwise call getaddrinfo on this thread.
            addresses.clear();
            next_address = 0;
            auto results =
                co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port),
                                                asio::redirect_error(asio::use_awaitable, ec));
            if (stopped) break;
            if (!ec) {
                for (const auto& r : results) {
                    addresses.push_back(r.endpoint().address().to_string());
                }
            }
        }
        if (addresses.empty()) {
            failure = "resolve " + endpoint.host + ": " + (ec ? ec.message() : "no address");
        } else {
            failure = co_await connect(addresses[next_address++]);
        }
        if (failure.empty() && ctx) {
            is_connected = true;
            failing = false;
            flush_parked(false);
            next_address = addresses.size();  // resolve afresh after the next drop
            spdlog::info("redis.connected host={} port={} db={}", endpoint.host, endpoint.port,
                         endpoint.db);
            auto up_since = std::chrono::steady_clock::now();
            while (ctx && !stopped) {
                wake.expires_at(asio::steady_timer::time_point::max());
                co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            }
            is_connected = false;
            if (stopped) break;
            if (std::chrono::steady_clock::now() - up_since >= std::chrono::seconds(5)) {
                // A connection that lived: reconnect at once, with a fresh backoff.
                backoff = std::chrono::milliseconds(100);
                logged_failure = false;
                failing = false;
                spdlog::warn("redis.disconnected host={} action=reconnect", endpoint.host);
                continue;
            }
            // Closed right after connecting (protected mode, maxclients, a proxy without an
            // upstream): back off like any failure instead of looping.
            failure = "connection closed right after connect";
        }
        if (stopped) break;
        failing = true;
        flush_parked(true);
        // Log the first failure of a run at warn, the repeats at debug: no log flood while down.
        if (!logged_failure) {
            spdlog::warn("redis.connect_failed host={} port={} error=\"{}\" retry_ms={}",
                         endpoint.host, endpoint.port, failure, backoff.count());
            logged_failure = true;
        } else {
            spdlog::debug("redis.connect_failed host={} error=\"{}\"", endpoint.host, failure);
        }
        std::uniform_int_distribution<int> jitter(0, static_cast<int>(backoff.count() / 4));
        wake.expires_after(backoff + std::chrono::milliseconds(jitter(rng)));
        co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
    drop();
}

asio::awaitable<std::string> RedisClient::State::connect(std::string ip) {
    redisAsyncContext* c = redisAsyncConnect(ip.c_str(), endpoint.port);
    if (!c) co_return "out of memory";
    if (c->err) {
        std::string error = c->errstr;
        redisAsyncFree(c);
        co_return error;
    }
    int fd = ::dup(c->c.fd);
    std::shared_ptr<Watcher> w;
    try {
        if (fd < 0) throw std::system_error(errno, std::generic_category(), "dup");
        w = std::make_shared<Watcher>(strand, fd, this);
    } catch (const std::exception& e) {
        if (fd >= 0) ::close(fd);
        redisAsyncFree(c);  // no event hooks attached yet: freeing is safe
        co_return e.what();
    }
    watcher = std::move(w);
    ctx = c;
    c->data = this;
    connect_status = 0;
    watcher->ctx = c;
    c->ev.data = watcher.get();
    c->ev.addRead = on_add_read;
    c->ev.delRead = on_del_read;
    c->ev.addWrite = on_add_write;
    c->ev.delWrite = on_del_write;
    c->ev.cleanup = on_cleanup;
    redisAsyncSetConnectCallback(c, on_connect);
    redisAsyncSetDisconnectCallback(c, on_disconnect);
    // Writability tells us the non-blocking connect finished (hiredis 0.14 only arms it on the
    // first command).
    watcher->want_write = true;
    watcher->arm();
    boost::system::error_code ec;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (ctx && connect_status == 0 && !stopped && std::chrono::steady_clock::now() < deadline) {
        wake.expires_at(deadline);
        co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (connect_status != 1 || !ctx) {
        drop();
        co_return connect_status == 0 ? "connect timed out" : "connect refused";
    }
    std::string failure;
    try {
        if (!endpoint.password.empty()) {
            std::vector<std::string> auth{"AUTH"};
            if (!endpoint.username.empty() && endpoint.username != "default") {
                auth.push_back(endpoint.username);
            }
            auth.push_back(endpoint.password.reveal());
            auto reply = co_await handshake_command(std::move(auth));
            if (reply.type == RedisReply::Type::error) failure = "AUTH refused: " + reply.str;
        }
        if (failure.empty() && endpoint.db != 0) {
            std::vector<std::string> select{"SELECT", std::to_string(endpoint.db)};
            auto reply = co_await handshake_command(std::move(select));
            if (reply.type == RedisReply::Type::error) failure = "SELECT refused: " + reply.str;
        }
    } catch (const Error& e) {
        failure = e.cause();
    }
    if (!failure.empty()) drop();
    co_return failure;
}

RedisClient::RedisClient(asio::io_context& io, RedisEndpoint endpoint)
    : state_(std::make_shared<State>(io, std::move(endpoint))) {}

RedisClient::~RedisClient() { stop(); }

void RedisClient::start() {
    auto state = state_;
    asio::post(state->strand, [state] {
        if (state->started || state->stopped) return;
        state->started = true;
        asio::co_spawn(state->strand, state->run(), log::log_on_error("redis.loop_failed"));
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
            state->send(pending, std::move(args), timeout, false);
        };
        asio::post(state->strand, std::move(send));
    };
    co_return co_await asio::async_initiate<const asio::use_awaitable_t<>,
                                            void(std::exception_ptr, RedisReply)>(
        std::move(init), asio::use_awaitable);
}

}  // namespace botflow::util
