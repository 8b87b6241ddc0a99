#include "botflow/auth/rate_limit.hpp"

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
    if (!decision.allowed) {
        throw Error(Errc::rate_limited, "Too many " + what + " attempts; try again in " +
                                            std::to_string((decision.retry_after_s + 59) / 60) +
                                            " minute(s).")
            .with_header("Retry-After", std::to_string(decision.retry_after_s));
    }
}

}  // namespace botflow::auth
