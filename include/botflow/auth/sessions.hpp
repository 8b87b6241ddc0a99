// Sign-in sessions: a JWT names a session id that lives in Redis, so logging out, a password
// change or disabling a user ends it at once on every replica.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

#include "botflow/auth/jwt.hpp"
#include "botflow/core/asio.hpp"
#include "botflow/core/secret.hpp"
#include "botflow/util/redis_client.hpp"

namespace botflow::auth {

inline constexpr std::chrono::seconds kSessionLifetime{7 * 24 * 3600};

struct Issued {
    std::string token;
    Claims claims;
};

class Sessions {
public:
    /// Keys are `prefix` + "session:<sid>" and `prefix` + "user_sessions:<user id>".
    Sessions(util::RedisClient& redis, Secret key, std::string prefix);

    /// Starts a session. Throws Errc::unavailable when Redis is down.
    asio::awaitable<Issued> create(const std::string& user_id, const std::string& role);
    /// A new token for the same session, with a new expiry. Throws like verify().
    asio::awaitable<Issued> refresh(const Claims& claims);
    /// Checks the token and that its session still exists for that user. Throws
    /// Errc::unauthorized (bad token, ended session) or Errc::unavailable (Redis down).
    asio::awaitable<Claims> verify(std::string_view token);
    asio::awaitable<void> end(const Claims& claims);
    /// Ends every session of a user (password change or reset, disabled, deleted, role change).
    asio::awaitable<void> end_all(const std::string& user_id);

private:
    asio::awaitable<util::RedisReply> call(std::vector<std::string> args);
    std::string session_key(const std::string& sid) const;
    std::string user_key(const std::string& user_id) const;
    util::RedisClient& redis_;
    Secret key_;
    std::string prefix_;
};

/// Unix time in seconds.
std::int64_t unix_now();

}  // namespace botflow::auth
