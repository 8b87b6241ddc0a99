// The accounts module: sign-in, sessions, users and invitations, and the authenticator every
// route goes through.
#pragma once
#include "botflow/config/config.hpp"
#include "botflow/core/asio.hpp"
#include "botflow/core/bounded_pool.hpp"
#include "botflow/http/router.hpp"
#include "botflow/store/db.hpp"
#include "botflow/util/redis_client.hpp"

namespace botflow::auth {

class Sessions;

/// What the module works with; owned by the application, outlives the server.
struct Module {
    const config::Config& config;
    store::Db& db;
    util::RedisClient& redis;
    Sessions& sessions;
    http::Router& router;
    BoundedPool& hashing;  // argon2id
};

/// /api/auth/..., /api/users/...
void register_module(Module& mod);

}  // namespace botflow::auth
