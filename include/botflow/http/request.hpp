// What a handler sees of an HTTP request: no Beast, so handlers compile fast and test without
// sockets.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace botflow::http {

enum class Method { get, head, post, put, patch, delete_, options, other };

std::string_view method_name(Method m) noexcept;
Method parse_method(std::string_view name) noexcept;

/// Who made a request, once the auth layer has checked the session.
struct Principal {
    std::string user_id;
    std::string session_id;
    std::string role;  // owner | agent
    bool via_cookie = false;
};

struct Request {
    Method method = Method::get;
    std::string target;  // as sent: path and query, still percent-encoded
    std::string path;    // target without the query, still percent-encoded
    std::string query;   // after '?', without it
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
    std::string body;
    std::vector<std::pair<std::string, std::string>> params;  // from the route template
    std::string request_id;
    std::string remote_address;
    std::chrono::steady_clock::time_point received_at{};
    std::optional<Principal> principal;  // set for routes that need a session

    /// The first header of that (lower-case) name, or empty.
    std::string_view header(std::string_view lower_name) const;
    bool has_header(std::string_view lower_name) const;
    /// A route parameter (`:id`), percent-decoded; empty when absent.
    std::string_view param(std::string_view name) const;
    /// A query parameter, percent-decoded ('+' is a space); nullopt when absent.
    std::optional<std::string> query_param(std::string_view name) const;
};

/// The client's address: the socket peer, or, behind `trusted_proxies` proxies that append to
/// X-Forwarded-For, the entry that many places from its right end. A forged header cannot
/// move the answer past the entries the trusted proxies added.
std::string client_address(const Request& req, int trusted_proxies);

/// A cookie's value from the Cookie header, or empty.
std::string cookie_value(const Request& req, std::string_view name);

/// `s` without leading and trailing spaces and tabs (header list items).
std::string_view trim_blanks(std::string_view s) noexcept;

/// ASCII case-insensitive equality (header names and values, schemes).
bool iequals(std::string_view a, std::string_view b) noexcept;

/// A Content-Disposition value (RFC 6266): attachment or inline, with an ASCII fallback name
/// and the UTF-8 name percent-encoded (filename*).
std::string attachment_disposition(const std::string& filename, bool attachment = true);

}  // namespace botflow::http
