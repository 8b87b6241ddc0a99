#include "redis_connection.hpp"

#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <random>
#include <system_error>

#include "botflow/core/log.hpp"

namespace botflow::util {

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

void RedisWatcher::arm() {
    auto self = shared_from_this();
    if (want_read && !reading && ctx) {
        reading = true;
        descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                              [self](boost::system::error_code ec) {
                                  self->reading = false;
                                  if (ec || !self->ctx || !self->want_read) return;
                                  self->connection->last_read = std::chrono::steady_clock::now();
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
    auto* w = static_cast<RedisWatcher*>(p);
    w->want_read = true;
    w->arm();
}
void on_del_read(void* p) { static_cast<RedisWatcher*>(p)->want_read = false; }
void on_add_write(void* p) {
    auto* w = static_cast<RedisWatcher*>(p);
    w->want_write = true;
    w->arm();
}
void on_del_write(void* p) { static_cast<RedisWatcher*>(p)->want_write = false; }

// hiredis is freeing the context: forget it everywhere and wake the connection loop.
void on_cleanup(void* p) {
    auto* w = static_cast<RedisWatcher*>(p);
    auto* connection = w->connection;
    if (connection->ctx == w->ctx) connection->ctx = nullptr;
    if (!connection->ctx) {
        connection->is_connected = false;
        connection->wake.cancel();
    }
    w->ctx = nullptr;
    w->want_read = w->want_write = false;
    boost::system::error_code ignored;
    w->descriptor.close(ignored);
    if (connection->watcher.get() == w) {
        connection->on_context_freed();
        connection->watcher.reset();  // last use of w
    }
}

void on_connect(const redisAsyncContext* ac, int status) {
    auto* connection = static_cast<RedisConnection*>(ac->data);
    connection->connect_status = status == REDIS_OK ? 1 : -1;
    connection->wake.cancel();
}

void on_disconnect(const redisAsyncContext* ac, int) {
    auto* connection = static_cast<RedisConnection*>(ac->data);
    connection->is_connected = false;
    connection->wake.cancel();
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

RedisConnection::RedisConnection(asio::io_context& io, RedisEndpoint endpoint,
                                 std::string log_fields)
    : io(io),
      strand(asio::make_strand(io)),
      endpoint(std::move(endpoint)),
      log_fields(std::move(log_fields)),
      wake(strand) {}

void RedisConnection::spawn(std::string_view loop_event) {
    asio::co_spawn(strand, run(), log::log_on_error(loop_event));
}

bool RedisConnection::submit(const std::shared_ptr<PendingCommand>& pending,
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

void RedisConnection::drop() {
    if (ctx) {
        auto* c = ctx;
        ctx = nullptr;
        is_connected = false;
        redisAsyncFree(c);  // runs on_reply(NULL) for pending commands, then on_cleanup
    }
}

void RedisConnection::send_now(std::shared_ptr<PendingCommand> pending,
                               const std::vector<std::string>& args,
                               std::chrono::milliseconds timeout) {
    if (!ctx || stopped) {
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
        spdlog::warn("redis.timeout{} host={} action=reconnect", self->log_fields,
                     self->endpoint.host);
        self->drop();
    });
}

asio::awaitable<std::string> RedisConnection::prepare() { co_return std::string{}; }

asio::steady_timer::time_point RedisConnection::keepalive() {
    return asio::steady_timer::time_point::max();
}

asio::awaitable<RedisReply> RedisConnection::handshake_command(std::vector<std::string> args) {
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
    send_now(pending, args, std::chrono::milliseconds(3000));
    while (!finished) {
        boost::system::error_code ec;
        co_await done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (error) std::rethrow_exception(error);
    co_return result;
}

struct RedisConnection::Addresses {
    explicit Addresses(RedisStrand strand) : resolver(strand) {}
    asio::ip::tcp::resolver resolver;
    std::vector<std::string> list;  // from the last resolve, tried in turn
    std::size_t next = 0;
};

asio::awaitable<void> RedisConnection::run() {
    auto self = shared_from_this();
    std::mt19937 rng{std::random_device{}()};
    auto backoff = std::chrono::milliseconds(100);
    bool logged_failure = false;
    Addresses addresses(strand);
    while (!stopped) {
        std::string failure = co_await connect_next(addresses);
        if (failure.empty() && ctx) {
            bool lived = co_await stay_up();
            if (stopped) break;
            if (lived) {
                // A connection that lived: reconnect at once, with a fresh backoff.
                backoff = std::chrono::milliseconds(100);
                logged_failure = false;
                spdlog::warn("redis.disconnected{} host={} action=reconnect", log_fields,
                             endpoint.host);
                continue;
            }
            // Closed right after connecting (protected mode, maxclients, a proxy without an
            // upstream): back off like any failure instead of looping.
            failure = "connection closed right after connect";
        }
        if (stopped) break;
        on_failure();
        // Log the first failure of a run at warn, the repeats at debug: no log flood while down.
        if (!logged_failure) {
            spdlog::warn("redis.connect_failed{} host={} port={} error=\"{}\" retry_ms={}",
                         log_fields, endpoint.host, endpoint.port, failure, backoff.count());
            logged_failure = true;
        } else {
            spdlog::debug("redis.connect_failed{} host={} error=\"{}\"", log_fields, endpoint.host,
                          failure);
        }
        std::uniform_int_distribution<int> jitter(0, static_cast<int>(backoff.count() / 4));
        wake.expires_after(backoff + std::chrono::milliseconds(jitter(rng)));
        boost::system::error_code ec;
        co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
    drop();
}

asio::awaitable<std::string> RedisConnection::connect_next(Addresses& addresses) {
    boost::system::error_code ec;
    if (addresses.next >= addresses.list.size()) {
        // Resolve asynchronously: hiredis would otherwise call getaddrinfo on this thread.
        addresses.list.clear();
        addresses.next = 0;
        auto results = co_await addresses.resolver.async_resolve(
            endpoint.host, std::to_string(endpoint.port),
            asio::redirect_error(asio::use_awaitable, ec));
        if (stopped) co_return "stopped";
        if (!ec) {
            for (const auto& r : results) {
                addresses.list.push_back(r.endpoint().address().to_string());
            }
        }
    }
    if (addresses.list.empty()) {
        co_return "resolve " + endpoint.host + ": " + (ec ? ec.message() : "no address");
    }
    std::string failure = co_await connect(addresses.list[addresses.next++]);
    if (!failure.empty() || !ctx) co_return failure;
    addresses.next = addresses.list.size();  // resolve afresh after the next drop
    spdlog::info("redis.connected{} host={} port={} db={}", log_fields, endpoint.host,
                 endpoint.port, endpoint.db);
    failure = co_await prepare();
    if (!failure.empty()) drop();
    co_return failure;
}

asio::awaitable<bool> RedisConnection::stay_up() {
    is_connected = true;
    on_up();
    auto up_since = std::chrono::steady_clock::now();
    boost::system::error_code ec;
    while (ctx && !stopped) {
        auto next = keepalive();
        if (!ctx || stopped) break;  // keepalive() gave up on the connection
        wake.expires_at(next);
        co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    is_connected = false;
    co_return std::chrono::steady_clock::now() - up_since >= std::chrono::seconds(5);
}

asio::awaitable<std::string> RedisConnection::connect(std::string ip) {
    redisAsyncContext* c = redisAsyncConnect(ip.c_str(), endpoint.port);
    if (!c) co_return "out of memory";
    if (c->err) {
        std::string error = c->errstr;
        redisAsyncFree(c);
        co_return error;
    }
    int fd = ::dup(c->c.fd);
    std::shared_ptr<RedisWatcher> w;
    try {
        if (fd < 0) throw std::system_error(errno, std::generic_category(), "dup");
        w = std::make_shared<RedisWatcher>(strand, fd, this);
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
    last_read = std::chrono::steady_clock::now();
    std::string failure = co_await authenticate();
    if (!failure.empty()) drop();
    co_return failure;
}

asio::awaitable<std::string> RedisConnection::authenticate() {
    try {
        if (!endpoint.password.empty()) {
            std::vector<std::string> auth{"AUTH"};
            if (!endpoint.username.empty() && endpoint.username != "default") {
                auth.push_back(endpoint.username);
            }
            auth.push_back(endpoint.password.reveal());
            auto reply = co_await handshake_command(std::move(auth));
            if (reply.type == RedisReply::Type::error) co_return "AUTH refused: " + reply.str;
        }
        if (endpoint.db != 0) {
            std::vector<std::string> select{"SELECT", std::to_string(endpoint.db)};
            auto reply = co_await handshake_command(std::move(select));
            if (reply.type == RedisReply::Type::error) co_return "SELECT refused: " + reply.str;
        }
    } catch (const Error& e) {
        co_return e.cause();
    }
    co_return std::string{};
}

}  // namespace botflow::util
