#include "botflow/http/request.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "botflow/core/encoding.hpp"
#include "botflow/http/response.hpp"

namespace botflow::http {

std::string_view trim_blanks(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

namespace {}  // namespace

std::string_view method_name(Method m) noexcept {
    switch (m) {
        case Method::get:
            return "GET";
        case Method::head:
            return "HEAD";
        case Method::post:
            return "POST";
        case Method::put:
            return "PUT";
        case Method::patch:
            return "PATCH";
        case Method::delete_:
            return "DELETE";
        case Method::options:
            return "OPTIONS";
        case Method::other:
            return "OTHER";
    }
    return "OTHER";
}

Method parse_method(std::string_view name) noexcept {
    if (name == "GET") return Method::get;
    if (name == "HEAD") return Method::head;
    if (name == "POST") return Method::post;
    if (name == "PUT") return Method::put;
    if (name == "PATCH") return Method::patch;
    if (name == "DELETE") return Method::delete_;
    if (name == "OPTIONS") return Method::options;
    return Method::other;
}

std::string_view Request::header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers) {
        if (k == lower_name) return v;
    }
    return {};
}

bool Request::has_header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers) {
        if (k == lower_name) return true;
    }
    return false;
}

std::string_view Request::param(std::string_view name) const {
    for (const auto& [k, v] : params) {
        if (k == name) return v;
    }
    return {};
}

std::optional<std::string> Request::query_param(std::string_view name) const {
    std::string_view rest = query;
    while (!rest.empty()) {
        auto amp = rest.find('&');
        auto pair = rest.substr(0, amp);
        auto eq = pair.find('=');
        auto key = percent_decode(pair.substr(0, eq), true);
        if (key && *key == name) {
            if (eq == std::string_view::npos) return std::string{};
            return percent_decode(pair.substr(eq + 1), true);
        }
        if (amp == std::string_view::npos) break;
        rest.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

std::string client_address(const Request& req, int trusted_proxies) {
    if (trusted_proxies <= 0) return req.remote_address;
    // Every X-Forwarded-For line, in order: a proxy may add its own line after a forged one.
    std::string joined;
    for (const auto& [k, v] : req.headers) {
        if (k != "x-forwarded-for") continue;
        if (!joined.empty()) joined += ",";
        joined += v;
    }
    std::string_view header = joined;
    if (header.empty()) return req.remote_address;
    std::vector<std::string_view> entries;
    while (!header.empty()) {
        auto comma = header.find(',');
        entries.push_back(trim_blanks(header.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        header.remove_prefix(comma + 1);
    }
    // The last proxy appended the address it saw; trusting N proxies means the N-th entry from
    // the right is the client (or the leftmost when the chain is shorter).
    std::size_t n = static_cast<std::size_t>(trusted_proxies);
    std::string_view pick = entries.size() >= n ? entries[entries.size() - n] : entries.front();
    std::string candidate(pick);
    unsigned char buf[sizeof(in6_addr)];
    if (inet_pton(AF_INET, candidate.c_str(), buf) != 1 &&
        inet_pton(AF_INET6, candidate.c_str(), buf) != 1) {
        return req.remote_address;  // not an address: not to be trusted as one
    }
    return candidate;
}

std::string cookie_value(const Request& req, std::string_view name) {
    std::string_view header = req.header("cookie");
    while (!header.empty()) {
        auto semi = header.find(';');
        auto item = header.substr(0, semi);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        auto eq = item.find('=');
        if (eq != std::string_view::npos && item.substr(0, eq) == name) {
            return std::string(item.substr(eq + 1));
        }
        if (semi == std::string_view::npos) break;
        header.remove_prefix(semi + 1);
    }
    return {};
}

void Response::set_header(std::string name, std::string value) {
    for (auto& [k, v] : headers) {
        if (iequals(k, name)) {
            v = std::move(value);
            return;
        }
    }
    headers.emplace_back(std::move(name), std::move(value));
}

std::string_view Response::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (iequals(k, name)) return v;
    }
    return {};
}

Response Response::json(int status, const nlohmann::json& value) {
    Response r;
    r.status = status;
    r.body = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    r.headers.emplace_back("Content-Type", "application/json");
    return r;
}

Response Response::text(int status, std::string body, std::string content_type) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    r.headers.emplace_back("Content-Type", std::move(content_type));
    return r;
}

Response Response::no_content() {
    Response r;
    r.status = 204;
    return r;
}

Response no_store(Response r) {
    r.set_header("Cache-Control", "no-store");
    return r;
}

// RFC 6266 / 5987: an ASCII fallback and the UTF-8 name percent-encoded.
std::string attachment_disposition(const std::string& filename, bool attachment) {
    std::string out = attachment ? "attachment" : "inline";
    if (filename.empty()) return out;
    std::string ascii, encoded;
    static const char* hex = "0123456789ABCDEF";
    for (unsigned char c : filename) {
        bool plain = std::isalnum(c) || c == '.' || c == '-' || c == '_';
        ascii += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
        if (plain) {
            encoded += static_cast<char>(c);
        } else {
            encoded += '%';
            encoded += hex[c >> 4];
            encoded += hex[c & 15];
        }
    }
    return out + "; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

}  // namespace botflow::http
