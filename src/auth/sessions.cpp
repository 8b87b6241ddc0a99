#include "botflow/auth/sessions.hpp"

#include "botflow/auth/passwords.hpp"
#include "botflow/core/error.hpp"

namespace botflow::auth {
namespace {

// KEYS: session key, user's session set. ARGV: user id, ttl seconds, session id.
constexpr const char* kCreateScript =
    "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) "
    "redis.call('SADD', KEYS[2], ARGV[3]) "
    "redis.call('EXPIRE', KEYS[2], ARGV[2]) "
    "return 1";

// KEYS: user's session set. ARGV: the session key prefix.
constexpr const char* kEndAllScript =
    "local sids = redis.call('SMEMBERS', KEYS[1]) "
    "for _, sid in ipairs(sids) do redis.call('DEL', ARGV[1] .. sid) end "
    "redis.call('DEL', KEYS[1]) "
    "return #sids";

}  // namespace
namespace {}  // namespace

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Sessions::Sessions(util::RedisClient& redis, Secret key, std::string prefix)
    : redis_(redis), key_(std::move(key)), prefix_(std::move(prefix)) {}

std::string Sessions::session_key(const std::string& sid) const {
    return prefix_ + "session:" + sid;
}

std::string Sessions::user_key(const std::string& user_id) const {
    return prefix_ + "user_sessions:" + user_id;
}

asio::awaitable<util::RedisReply> Sessions::call(std::vector<std::string> args) {
    auto reply = co_await redis_.command(std::move(args));
    if (reply.type == util::RedisReply::Type::error) {
        throw Error(Errc::unavailable, "Sessions are unavailable; try again shortly.",
                    "redis error: " + reply.str);
    }
    co_return reply;
}

asio::awaitable<Issued> Sessions::create(const std::string& user_id, const std::string& role) {
    Claims c;
    c.sub = user_id;
    c.sid = random_token(24);
    c.role = role;
    c.iat = unix_now();
    c.exp = c.iat + kSessionLifetime.count();
    std::string ttl = std::to_string(kSessionLifetime.count());
    // One script, so the session and its entry in the user's set exist together or not at
    // all (a session missing from the set would survive "end all sessions").
    std::vector<std::string> create{
        "EVAL", kCreateScript, "2", session_key(c.sid), user_key(user_id), user_id, ttl, c.sid};
    co_await call(std::move(create));
    co_return Issued{sign_jwt(c, key_), c};
}

asio::awaitable<Issued> Sessions::refresh(const Claims& old) {
    Claims c = old;
    c.iat = unix_now();
    c.exp = c.iat + kSessionLifetime.count();
    std::string ttl = std::to_string(kSessionLifetime.count());
    // XX: only an existing session is extended; one ended meanwhile stays ended.
    std::vector<std::string> set{"SET", session_key(c.sid), c.sub, "EX", ttl, "XX"};
    auto reply = co_await call(std::move(set));
    if (reply.type == util::RedisReply::Type::nil) {
        throw Error(Errc::unauthorized, "This session has ended; sign in again.");
    }
    std::vector<std::string> expire{"EXPIRE", user_key(c.sub), ttl};
    co_await call(std::move(expire));
    co_return Issued{sign_jwt(c, key_), c};
}

asio::awaitable<Claims> Sessions::verify(std::string_view token) {
    Claims c = verify_jwt(token, key_, unix_now());
    std::vector<std::string> get{"GET", session_key(c.sid)};
    auto reply = co_await call(std::move(get));
    if (reply.type != util::RedisReply::Type::string || reply.str != c.sub) {
        throw Error(Errc::unauthorized, "This session has ended; sign in again.", "unknown sid");
    }
    co_return c;
}

asio::awaitable<void> Sessions::end(const Claims& c) {
    std::vector<std::string> del{"DEL", session_key(c.sid)};
    co_await call(std::move(del));
    std::vector<std::string> rem{"SREM", user_key(c.sub), c.sid};
    co_await call(std::move(rem));
}

asio::awaitable<void> Sessions::end_all(const std::string& user_id) {
    // Atomic, so a session created meanwhile cannot slip between reading and deleting the set.
    std::vector<std::string> end{"EVAL", kEndAllScript, "1", user_key(user_id), session_key("")};
    co_await call(std::move(end));
}

}  // namespace botflow::auth
