#include "botflow/auth/rate_limit.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "botflow/core/error.hpp"

namespace botflow::auth {
namespace {

// INCR and set the window's expiry on the first attempt, atomically; returns {count, ttl ms}.
constexpr const char* kScript =
    "local n = redis.call('INCR', KEYS[1]) "
    "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end "
    "local ttl = redis.call('PTTL', KEYS[1]) "
    "if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end "
    "return {n, ttl}";

// The failures so far and the window's time left, without counting; and the hold-off's.
constexpr const char* kReadScript =
    "local n = tonumber(redis.call('GET', KEYS[1]) or '0') "
    "local held = -2 "
    "if #KEYS > 1 then held = redis.call('PTTL', KEYS[2]) end "
    "return {n, redis.call('PTTL', KEYS[1]), held}";

Error too_many(const std::string& what, long retry_after_s) {
    return Error(Errc::rate_limited, "Too many " + what + " attempts; try again in " +
                                         std::to_string((retry_after_s + 59) / 60) + " minute(s).")
        .with_header("Retry-After", std::to_string(retry_after_s));
}

}  // namespace

RateDecision decide_rate(long count, long limit, long ttl_ms) {
    if (count <= limit) return {true, 0};
    long seconds = (std::max(ttl_ms, 1L) + 999) / 1000;
    return {false, seconds};
}

asio::awaitable<void> count_attempt(util::RedisClient& redis, const std::string& key, long limit,
                                    std::chrono::seconds window, const std::string& what) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(window).count();
    std::vector<std::string> args{"EVAL", kScript, "1", key, std::to_string(ms)};
    auto reply = co_await redis.command(std::move(args));
    if (reply.type != util::RedisReply::Type::array || reply.elements.size() != 2) {
        throw Error(Errc::unavailable, "Try again shortly.", "rate limit script: " + reply.str);
    }
    auto decision = decide_rate(static_cast<long>(reply.elements[0].integer), limit,
                                static_cast<long>(reply.elements[1].integer));
    if (!decision.allowed) throw too_many(what, decision.retry_after_s);
}

asio::awaitable<void> check_failures(util::RedisClient& redis, const std::string& key, long limit,
                                     const std::string& delay_key, const std::string& what) {
    std::vector<std::string> args{"EVAL", kReadScript, delay_key.empty() ? "1" : "2", key};
    if (!delay_key.empty()) args.push_back(delay_key);
    auto reply = co_await redis.command(std::move(args));
    if (reply.type != util::RedisReply::Type::array || reply.elements.size() != 3) {
        throw Error(Errc::unavailable, "Try again shortly.", "rate limit read: " + reply.str);
    }
    long held_ms = static_cast<long>(reply.elements[2].integer);
    if (held_ms > 0) throw too_many(what, (held_ms + 999) / 1000);
    // The next failure would be one too many: refused before the password is even checked.
    auto decision = decide_rate(static_cast<long>(reply.elements[0].integer) + 1, limit,
                                static_cast<long>(reply.elements[1].integer));
    if (!decision.allowed) throw too_many(what, decision.retry_after_s);
}

asio::awaitable<long> count_failure(util::RedisClient& redis, const std::string& key,
                                    std::chrono::seconds window) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(window).count();
    std::vector<std::string> args{"EVAL", kScript, "1", key, std::to_string(ms)};
    auto reply = co_await redis.command(std::move(args));
    if (reply.type != util::RedisReply::Type::array || reply.elements.size() != 2) {
        throw Error(Errc::unavailable, "Try again shortly.", "rate limit script: " + reply.str);
    }
    co_return static_cast<long>(reply.elements[0].integer);
}

asio::awaitable<void> hold_off(util::RedisClient& redis, const std::string& key,
                               std::chrono::seconds wait) {
    std::vector<std::string> args{"SET", key, "1", "EX", std::to_string(wait.count())};
    co_await redis.command(std::move(args));
}

asio::awaitable<void> clear_failures(util::RedisClient& redis, std::vector<std::string> keys) {
    std::vector<std::string> args{"DEL"};
    args.insert(args.end(), keys.begin(), keys.end());
    co_await redis.command(std::move(args));
}

std::string limit_address(const std::string& ip) {
    unsigned char bytes[16] = {};
    if (ip.find(':') == std::string::npos || inet_pton(AF_INET6, ip.c_str(), bytes) != 1) {
        return ip;
    }
    std::memset(bytes + 8, 0, 8);
    char out[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, bytes, out, sizeof out);
    return std::string(out) + "/64";
}

}  // namespace botflow::auth
