// Hashes, MACs and authenticated encryption over OpenSSL, and hex: the few primitives several
// modules share.
#pragma once
#include <string>
#include <string_view>

#include "botflow/core/secret.hpp"

namespace botflow::util {

/// SHA-256 of `data`, raw 32 bytes.
std::string sha256(std::string_view data);
/// HMAC-SHA256(key, data), raw 32 bytes.
std::string hmac_sha256(const Secret& key, std::string_view data);
/// Lower-case hex of raw bytes.
std::string to_hex(std::string_view bytes);
/// Authenticated encryption (AES-256-GCM) under a key derived from `secret`: a random 12-byte
/// nonce, the ciphertext and the 16-byte tag.
std::string seal(const Secret& secret, std::string_view plain);
/// The plain text of seal()'s output; throws std::runtime_error when it was made with another
/// secret or changed since.
std::string unseal(const Secret& secret, std::string_view sealed);
/// SHA-256 of `data` as lower-case hex.
inline std::string sha256_hex(std::string_view data) { return to_hex(sha256(data)); }

}  // namespace botflow::util
