// Fixed-window attempt limits kept in Redis (shared by every replica).
#pragma once
#include <chrono>
#include <string>

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

}  // namespace botflow::auth
