// A deliberately plain HTTP/1.1 client over POSIX sockets, so tests control every byte
// (partial requests, oversized headers, idle connections).
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace botflow::test {

struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-case
    std::string body;
    std::string header(const std::string& lower_name) const;
};

class Connection {
public:
    /// Connects to 127.0.0.1:port; throws std::runtime_error on failure.
    explicit Connection(std::uint16_t port);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Sends raw bytes; false if the peer closed.
    bool send(const std::string& bytes);
    /// Reads one response (Content-Length framed; no body for HEAD/204/304). nullopt if the
    /// connection closed first or nothing came within `timeout`.
    std::optional<HttpResponse> read_response(
        bool head_request = false,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));
    /// Whatever arrives within `timeout` (at least one read), unparsed.
    std::string read_available(std::chrono::milliseconds timeout);
    /// True if the server closes the connection (EOF or reset) within `timeout`.
    bool closed_within(std::chrono::milliseconds timeout);

private:
    bool fill(std::chrono::steady_clock::time_point deadline);
    int fd_ = -1;
    std::string buffer_;
};

/// Signs in with POST /api/auth/login and returns the session token ("" and a test failure
/// when sign-in does not answer 200).
std::string login(std::uint16_t port, const std::string& email, const std::string& password);

/// Invites `email` as an agent with the owner's token and accepts the invite; returns the
/// agent's session token ("" and a test failure when a step does not succeed).
std::string add_agent(std::uint16_t port, const std::string& owner_token, const std::string& email,
                      const std::string& password = "agent password 1");

/// A request with `Authorization: Bearer <token>` and, unless `body` is null, that JSON body.
HttpResponse call_api(std::uint16_t port, const std::string& token, const std::string& method,
                      const std::string& target, const nlohmann::json& body = nullptr);

/// One request on a fresh connection.
HttpResponse request(std::uint16_t port, const std::string& method, const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& headers = {},
                     const std::string& body = {});

/// Sends `bytes` as the file part of a multipart/form-data form (with `fields` before it),
/// signed in with `token`.
HttpResponse send_file(std::uint16_t port, const std::string& token, const std::string& method,
                       const std::string& target, const std::string& filename,
                       const std::string& bytes,
                       const std::vector<std::pair<std::string, std::string>>& fields = {});

}  // namespace botflow::test
