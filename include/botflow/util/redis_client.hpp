// Redis over hiredis' async API on Asio: one connection, reconnected with backoff, commands
// as coroutines with a timeout each.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "botflow/core/asio.hpp"
#include "botflow/core/secret.hpp"

namespace botflow::util {

struct RedisEndpoint {
    std::string host;
    std::uint16_t port = 6379;
    std::string username;
    Secret password;
    int db = 0;
};

/// Parses redis://[user[:password]@]host[:port][/db]. Throws std::invalid_argument with a
/// message naming what is wrong (rediss:// is refused: hiredis 0.14 has no TLS).
RedisEndpoint parse_redis_url(const std::string& url);

struct RedisReply {
    enum class Type { nil, string, status, integer, array, error };
    Type type = Type::nil;
    std::string str;  // string, status and error replies
    long long integer = 0;
    std::vector<RedisReply> elements;
};

class RedisClient {
public:
    RedisClient(asio::io_context& io, RedisEndpoint endpoint);
    ~RedisClient();
    RedisClient(const RedisClient&) = delete;
    RedisClient& operator=(const RedisClient&) = delete;

    /// Starts connecting in the background; reconnects with backoff (100 ms doubling to 5 s)
    /// whenever the connection drops, until stop().
    void start();
    /// Disconnects and stops reconnecting; pending commands fail with Errc::unavailable.
    void stop();
    /// Frees the connection synchronously. Only when no thread runs the io_context any more
    /// (after it was stopped and its threads joined).
    void stop_now();
    bool connected() const noexcept;

    /// Sends one command. Resumes on the caller's executor with the reply (a Redis error reply
    /// is returned as Type::error, not thrown). Throws Errc::unavailable when not connected or
    /// when no reply came within `timeout`; a timeout also resets the connection.
    asio::awaitable<RedisReply> command(
        std::vector<std::string> args,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

    struct State;  // shared with hiredis callbacks; defined in redis_client.cpp

private:
    std::shared_ptr<State> state_;
};

}  // namespace botflow::util
