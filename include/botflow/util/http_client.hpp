// Outbound HTTP(S) through libcurl's multi interface driven by the server's io_context: many
// requests in flight cost sockets, not threads, and no call ever blocks an IO thread.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "botflow/core/asio.hpp"

namespace botflow::util {

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds timeout{30000};  // the whole exchange
    std::size_t max_response_bytes = 16u << 20;
    int max_redirects = 0;  // 0: a redirect is returned as the response
    /// Non-zero: a ticket from HttpClient::ticket() that abort() can name.
    std::uint64_t ticket = 0;
    /// When set, the body is handed over in pieces as it arrives instead of being collected;
    /// returning false aborts the transfer. Called on the client's strand.
    std::function<bool(std::string_view)> on_data;
    /// When set, called with the address the connection reached ("10.0.0.7", "::1") before
    /// the request is sent; false refuses the exchange (Errc::upstream_failed, "address not
    /// allowed"). Checked on the connected socket, so a name that resolves differently the
    /// second time cannot slip past. Called on the client's strand.
    std::function<bool(const std::string& ip)> allow_address;
};

struct HttpResponse {
    long status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;

    /// The first header named `name` (lower case), or nullopt.
    std::optional<std::string> header(std::string_view name) const;
};

class HttpClient {
public:
    /// At most `max_host_connections` connections to one host at once; more exchanges wait.
    explicit HttpClient(asio::io_context& io, long max_host_connections = 64);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// Performs the exchange. Any HTTP status is a response; a transport failure (DNS,
    /// connect, TLS, timeout, reset, a body over max_response_bytes, shutdown) throws
    /// Errc::upstream_failed with curl's words in the cause.
    asio::awaitable<HttpResponse> request(HttpRequest request);

    /// A fresh ticket for HttpRequest::ticket.
    std::uint64_t ticket() noexcept;

    /// Abandons the exchange holding `ticket` (if it is still in flight): its request() throws
    /// Errc::upstream_failed with `why`. Any thread; for deadlines curl cannot express, such as
    /// "no first token within 15 s" while keep-alive bytes still arrive.
    void abort(std::uint64_t ticket, std::string why);

    /// Fails every exchange in flight and refuses new ones. Any thread; does not block.
    void shutdown();

    /// Drops every exchange without completing it. Only when no thread runs the io_context
    /// any more (at the very end of serve()).
    void stop_now();

    /// Exchanges in flight.
    int in_flight() const noexcept;

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace botflow::util
