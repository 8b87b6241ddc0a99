// Fixed-window attempt limits kept in Redis (shared by every replica).
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include "botflow/core/asio.hpp"
#include "botflow/util/redis_client.hpp"

namespace botflow::auth {

struct RateDecision {
    bool allowed = true;
    long retry_after_s = 0;  // when refused: whole seconds until the window ends (>= 1)
};

/// The decision for the `count`-th attempt in a window with `ttl_ms` left. Pure.
RateDecision decide_rate(long count, long limit, long ttl_ms);

/// Counts one attempt under `key` (window `window`) and throws Errc::rate_limited with a
/// Retry-After header when it is over `limit`. Throws Errc::unavailable when Redis is down.
asio::awaitable<void> count_attempt(util::RedisClient& redis, const std::string& key, long limit,
                                    std::chrono::seconds window, const std::string& what);

/// Refuses (Errc::rate_limited with Retry-After) when `key` already holds `limit` failures in
/// its window, or when `delay_key` (a wait after many failures; empty: none) is set; counts
/// nothing.
asio::awaitable<void> check_failures(util::RedisClient& redis, const std::string& key, long limit,
                                     const std::string& delay_key, const std::string& what);
/// Counts one failure under `key` (window `window`); returns how many it holds now.
asio::awaitable<long> count_failure(util::RedisClient& redis, const std::string& key,
                                    std::chrono::seconds window);
/// Sets `key` for `wait`: check_failures refuses until then.
asio::awaitable<void> hold_off(util::RedisClient& redis, const std::string& key,
                               std::chrono::seconds wait);
/// Forgets the failures under `keys` (a success).
asio::awaitable<void> clear_failures(util::RedisClient& redis, std::vector<std::string> keys);

/// The address a limit counts: an IPv4 address as it is, an IPv6 address as its /64 (one
/// customer's network hands out a whole /64). Pure.
std::string limit_address(const std::string& ip);

}  // namespace botflow::auth
