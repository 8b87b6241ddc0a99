// Encodings and comparisons every module needs, in one home: base64url, percent-decoding, uuid
// checks, a constant-time comparison for secrets, and the clock in Unix milliseconds. Pure.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace botflow {

/// Base64url without padding (RFC 4648 section 5).
std::string base64url_encode(std::string_view bytes);
/// Decodes unpadded base64url into `out`; false for anything else (padding, other alphabets,
/// trailing characters).
bool base64url_decode(std::string_view text, std::string& out);

/// Decodes %XX escapes (and '+' as a space when `plus_is_space`); nullopt for a malformed
/// escape.
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space = false);

/// Escapes every byte but RFC 3986's unreserved ones (A-Z a-z 0-9 - . _ ~) as %XX: a value
/// that can stand in any part of a URL.
std::string percent_encode(std::string_view in);

/// Whether `s` is a uuid in its canonical text form (8-4-4-4-12 hex digits).
bool is_uuid(std::string_view s);

/// Whether two secrets are equal, in time that depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

/// Unix time in milliseconds.
std::int64_t now_ms();

}  // namespace botflow
