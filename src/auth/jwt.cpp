#include "botflow/auth/jwt.hpp"

#include <nlohmann/json.hpp>

#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/util/crypto.hpp"

namespace botflow::auth {
namespace {

[[noreturn]] void refuse(const std::string& why) {
    throw Error(Errc::unauthorized, "The session token is not valid; sign in again.", why);
}

}  // namespace

std::string sign_jwt(const Claims& c, const Secret& key) {
    static const std::string header = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
    nlohmann::json payload{
        {"sub", c.sub}, {"sid", c.sid}, {"role", c.role}, {"iat", c.iat}, {"exp", c.exp}};
    std::string signing_input = header + "." + base64url_encode(payload.dump());
    return signing_input + "." + base64url_encode(util::hmac_sha256(key, signing_input));
}

Claims verify_jwt(std::string_view token, const Secret& key, std::int64_t now) {
    auto dot1 = token.find('.');
    auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot1 == std::string_view::npos || dot2 == std::string_view::npos ||
        token.find('.', dot2 + 1) != std::string_view::npos) {
        refuse("not three parts");
    }
    std::string header_raw, payload_raw, signature;
    if (!base64url_decode(token.substr(0, dot1), header_raw) ||
        !base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1), payload_raw) ||
        !base64url_decode(token.substr(dot2 + 1), signature)) {
        refuse("bad base64url");
    }
    // The algorithm is ours to choose, never the token's: anything but HS256 is refused
    // before the signature is considered.
    auto header = nlohmann::json::parse(header_raw, nullptr, false);
    if (!header.is_object() || !header.contains("alg") || header["alg"] != "HS256") {
        refuse("alg is not HS256");
    }
    if (header.contains("crit")) refuse("unsupported crit header");
    std::string expected = util::hmac_sha256(key, token.substr(0, dot2));
    if (!constant_time_equal(signature, expected)) {
        refuse("bad signature");
    }
    auto payload = nlohmann::json::parse(payload_raw, nullptr, false);
    if (!payload.is_object()) refuse("payload is not an object");
    auto str = [&](const char* k) {
        if (!payload.contains(k) || !payload[k].is_string()) refuse(std::string("no ") + k);
        return payload[k].get<std::string>();
    };
    auto num = [&](const char* k) {
        if (!payload.contains(k) || !payload[k].is_number_integer()) {
            refuse(std::string("no ") + k);
        }
        return payload[k].get<std::int64_t>();
    };
    Claims c{str("sub"), str("sid"), str("role"), num("iat"), num("exp")};
    if (c.role != "owner" && c.role != "agent") refuse("unknown role");
    if (c.exp <= now) refuse("expired");
    return c;
}

}  // namespace botflow::auth
