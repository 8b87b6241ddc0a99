// Session tokens: JWTs signed with HMAC-SHA256 (HS256) and nothing else. Pure functions.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "botflow/core/secret.hpp"

namespace botflow::auth {

struct Claims {
    std::string sub;   // user id
    std::string sid;   // session id (the Redis key)
    std::string role;  // owner | agent
    std::int64_t iat = 0;
    std::int64_t exp = 0;
};

/// header.payload.signature, base64url without padding.
std::string sign_jwt(const Claims& claims, const Secret& key);

/// Verifies and decodes. Throws Errc::unauthorized, with a detail saying why, for: not three
/// parts, bad base64url, a header that is not {"alg":"HS256"} (any other alg, including
/// "none", is refused before the signature is looked at), a wrong signature (compared in
/// constant time), a payload without string sub/sid/role or numeric iat/exp, an unknown role,
/// or exp at or before `now` (Unix seconds).
Claims verify_jwt(std::string_view token, const Secret& key, std::int64_t now);

}  // namespace botflow::auth
