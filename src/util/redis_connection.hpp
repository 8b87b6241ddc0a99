// One hiredis async connection on a strand, shared by RedisClient and RedisSubscriber: resolve,
// connect, AUTH and SELECT, watch the socket, reconnect with backoff (model: ray-project/ray
// src/ray/gcs/asio.cc).
#pragma once
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "botflow/core/asio.hpp"
#include "botflow/core/error.hpp"
#include "botflow/util/redis_client.hpp"

namespace botflow::util {

using RedisStrand = asio::strand<asio::io_context::executor_type>;

RedisReply convert(const redisReply* r);
Error unavailable(std::string cause);

struct RedisConnection;

// One hiredis context's socket, watched through a dup'ed descriptor (closing it never closes
// hiredis' own fd). Lives on the connection's strand.
struct RedisWatcher : std::enable_shared_from_this<RedisWatcher> {
    // Takes ownership of `fd` (a dup of hiredis' socket).
    RedisWatcher(RedisStrand strand, int fd, RedisConnection* connection)
        : descriptor(strand, fd), connection(connection) {}
    asio::posix::stream_descriptor descriptor;
    RedisConnection* connection;
    redisAsyncContext* ctx = nullptr;  // null once hiredis cleaned up
    bool want_read = false, want_write = false, reading = false, writing = false;

    void arm();
};

struct PendingCommand {
    explicit PendingCommand(RedisStrand strand) : timer(strand) {}
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

// The connection loop and its hiredis context. Everything but the constructor and the atomics
// runs on `strand` (or after the io_context stopped, for stop_now()). What a connection is for
// (commands, a subscription) is said by overriding the hooks.
struct RedisConnection : std::enable_shared_from_this<RedisConnection> {
    // `log_fields` goes after each log event's name: "" or " role=subscriber".
    RedisConnection(asio::io_context& io, RedisEndpoint endpoint, std::string log_fields);
    virtual ~RedisConnection() = default;

    asio::io_context& io;
    RedisStrand strand;
    RedisEndpoint endpoint;
    std::string log_fields;
    redisAsyncContext* ctx = nullptr;
    std::shared_ptr<RedisWatcher> watcher;
    bool stopped = false;
    bool started = false;
    int connect_status = 0;  // 0 pending, 1 ok, -1 failed
    asio::steady_timer wake;
    std::atomic<bool> is_connected{false};
    // When the socket last had something to read: any byte from Redis is a sign of life.
    std::chrono::steady_clock::time_point last_read;

    // Starts the connection loop (call on the strand, once: callers check and set `started`);
    // `loop_event` names an escaped exception in the log and must be a literal.
    void spawn(std::string_view loop_event);
    void drop();  // frees the context; hiredis fails its pending commands
    // Hands a command to hiredis; false (and the command failed) if hiredis refused it.
    bool submit(const std::shared_ptr<PendingCommand>& pending,
                const std::vector<std::string>& args);
    // Submits on the current context with a deadline; a missed deadline resets the connection.
    void send_now(std::shared_ptr<PendingCommand> pending, const std::vector<std::string>& args,
                  std::chrono::milliseconds timeout);

    // Hooks, all on the strand.
    // After AUTH and SELECT: "" when the connection is ready, else why not (it is dropped).
    virtual asio::awaitable<std::string> prepare();
    virtual void on_up() {}       // ready: is_connected was just set
    virtual void on_failure() {}  // a connect attempt failed; the loop backs off
    // While up: called whenever the loop wakes; returns when to call it again. May drop().
    virtual asio::steady_timer::time_point keepalive();
    virtual void on_context_freed() {}  // hiredis is freeing the current context

    // The loop, in the order it runs.
    struct Addresses;
    asio::awaitable<void> run();
    // Resolves when the last addresses are used up, then connects to the next one; "" when up.
    asio::awaitable<std::string> connect_next(Addresses& addresses);
    // Connects to one address, attaches the watcher, authenticates; "" on success.
    asio::awaitable<std::string> connect(std::string ip);
    asio::awaitable<std::string> authenticate();
    asio::awaitable<RedisReply> handshake_command(std::vector<std::string> args);
    // Waits while the connection is up; true if it lived long enough to reconnect at once.
    asio::awaitable<bool> stay_up();
};

}  // namespace botflow::util
