// What a handler returns: status, headers and a body (owned, or shared for cached files).
#pragma once
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace botflow::http {

struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // Set instead of `body` for bytes shared between responses (cached static files).
    std::shared_ptr<const std::string> shared_body;
    // Set by a route that takes the connection over (the WebSocket feed): once its checks have
    // passed, the server hands it the socket instead of writing this response.
    std::function<void(boost::asio::ip::tcp::socket)> take_over;

    std::string_view body_view() const {
        return shared_body ? std::string_view(*shared_body) : std::string_view(body);
    }
    void set_header(std::string name, std::string value);
    std::string_view header(std::string_view name) const;  // case-insensitive; empty if absent

    static Response json(int status, const nlohmann::json& value);
    static Response text(int status, std::string body,
                         std::string content_type = "text/plain; charset=utf-8");
    static Response no_content();
};

/// `r` with Cache-Control: no-store (answers that hold secrets or change from one call to the
/// next).
Response no_store(Response r);

}  // namespace botflow::http
