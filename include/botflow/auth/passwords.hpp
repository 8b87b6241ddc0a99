// Password hashing with argon2id (libsodium, interactive limits). CPU- and memory-heavy (about
// 64 MiB and 0.1 s per call): call from the cpu pool, never an IO thread.
#pragma once
#include <string>
#include <string_view>

namespace botflow::auth {

inline constexpr std::size_t kMinPasswordBytes = 10;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

/// Initialises libsodium once; call before any other function here. Throws std::runtime_error.
void init_crypto();

/// Throws Errc::unprocessable (field "password") unless 10 to 1024 bytes.
void check_password_rules(std::string_view password, const std::string& field = "password");

/// An argon2id string ($argon2id$v=19$...). Throws std::runtime_error when out of memory.
std::string hash_password(std::string_view password);

/// Whether `password` matches `hash`. False for a malformed hash.
bool verify_password(std::string_view password, const std::string& hash);

/// Computes the fixed hash verify_password_dummy uses, so the first unknown-email sign-in is
/// not slower than the rest. Call once before serving. Blocks (one hash).
void prepare_dummy_hash();

/// Spends the same time as verify_password on a fixed hash: used when the email is unknown so
/// that the answer takes about as long as for a wrong password.
void verify_password_dummy(std::string_view password);

/// `bytes` random bytes as URL-safe base64 without padding (for tokens and ids).
std::string random_token(std::size_t bytes = 32);

}  // namespace botflow::auth
