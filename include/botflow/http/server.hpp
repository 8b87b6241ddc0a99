// The HTTP/1.1 server: accepts connections, reads requests with limits and timeouts, routes
// them, writes responses, and shuts down gracefully. Beast stays inside server.cpp.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "botflow/core/asio.hpp"
#include "botflow/http/metrics.hpp"
#include "botflow/http/router.hpp"

namespace botflow::http {

struct ServerOptions {
    std::chrono::seconds idle_timeout{60};  // a connection's wait for (all of) a request header
    std::chrono::seconds read_timeout{30};  // reading a request body
    std::uint32_t max_header_bytes = 16 * 1024;
    Handler fallback;  // GET/HEAD of non-/api/ paths the router does not know (static files)
    // Called before the handler of every route whose access is not public: sets
    // req.principal or throws (401, 403, 503).
    std::function<asio::awaitable<void>(Request&, Access)> authenticate;
    // Added to every response that does not set them itself (security headers).
    std::vector<std::pair<std::string, std::string>> response_headers;
};

class Server {
public:
    Server(asio::io_context& io, const Router& router, Metrics& metrics, ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds host:port ("::" listens on IPv6 and IPv4 where the system allows, else 0.0.0.0).
    /// Returns the bound port (useful with port 0). Throws std::system_error.
    std::uint16_t listen(const std::string& host, std::uint16_t port);
    /// Starts accepting on the io_context. Non-blocking.
    void start();
    /// Stops accepting and closes idle connections; a connection in the middle of a request
    /// finishes it, answers with `Connection: close`, then closes. Non-blocking; any thread.
    void shutdown();
    /// Connections still open.
    int open_connections() const noexcept;

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace botflow::http
