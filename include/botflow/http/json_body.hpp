// Reading JSON request bodies with errors a caller can act on (400, 415, 422 naming fields).
#pragma once
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "botflow/http/request.hpp"

namespace botflow::http {

/// The body as a JSON object. Throws Errc::unsupported_media_type when Content-Type is set
/// and is not JSON, Errc::bad_request when the body is not a JSON object.
nlohmann::json json_object_body(const Request& req);

/// A required string member, 1 to `max_bytes` bytes. Throws Errc::unprocessable naming it.
std::string required_string(const nlohmann::json& body, const std::string& field,
                            std::size_t max_bytes = 1024);
/// An optional string member (absent or null: nullopt). Throws Errc::unprocessable when it is
/// not a string or is longer than `max_bytes`.
std::optional<std::string> optional_string(const nlohmann::json& body, const std::string& field,
                                           std::size_t max_bytes = 1024);
/// A whole-number query parameter in [min, max]; nullopt when absent. Throws
/// Errc::unprocessable naming it otherwise.
std::optional<long long> integer_query(const Request& req, const std::string& name, long long min,
                                       long long max);

/// The route's `:id` when it is a UUID; anything else throws Errc::not_found ("No <what> has
/// the id ..."), since no row can have it.
std::string id_param(const Request& req, const std::string& what);

/// Throws Errc::not_found "No <what> has the id <id>."
[[noreturn]] void not_found(const std::string& what, const std::string& id);

/// An optional boolean member. Throws Errc::unprocessable when it is not a boolean.
std::optional<bool> optional_bool(const nlohmann::json& body, const std::string& field);

}  // namespace botflow::http
