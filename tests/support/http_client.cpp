#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace botflow::test {

std::string HttpResponse::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string{} : it->second;
}

Connection::Connection(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd_);
        fd_ = -1;
        throw std::runtime_error("connect to port " + std::to_string(port) + ": " +
                                 std::strerror(errno));
    }
}

Connection::~Connection() {
    if (fd_ >= 0) ::close(fd_);
}

bool Connection::send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

bool Connection::fill(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
}

std::optional<HttpResponse> Connection::read_response(bool head_request,
                                                      std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
        if (!fill(deadline)) return std::nullopt;
    }
    std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    HttpResponse r;
    auto line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    r.status = std::stoi(status_line.substr(9, 3));
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
        auto next = head.find("\r\n", pos);
        if (next == std::string::npos) next = head.size();
        std::string line = head.substr(pos, next - pos);
        auto colon = line.find(':');
        if (colon != std::string::npos) {
            std::string name = line.substr(0, colon);
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            std::string value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(0, 1);
            r.headers[name] = value;
        }
        pos = next + 2;
    }
    if (r.status == 100) return read_response(head_request, timeout);
    std::size_t length = 0;
    if (!head_request && r.status != 204 && r.status != 304 && r.headers.count("content-length")) {
        length = std::stoul(r.headers["content-length"]);
    }
    while (buffer_.size() < length) {
        if (!fill(deadline)) return std::nullopt;
    }
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return r;
}

bool Connection::closed_within(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{fd_, POLLIN, 0};
        int n = ::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count())));
        if (n <= 0) continue;
        char buf[4096];
        ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
        if (got <= 0) return true;
        buffer_.append(buf, static_cast<std::size_t>(got));
    }
    return false;
}

std::string Connection::read_available(std::chrono::milliseconds timeout) {
    fill(std::chrono::steady_clock::now() + timeout);
    std::string out;
    out.swap(buffer_);
    return out;
}

std::string login(std::uint16_t port, const std::string& email, const std::string& password) {
    nlohmann::json body{{"email", email}, {"password", password}};
    auto r = request(port, "POST", "/api/auth/login", {{"Content-Type", "application/json"}},
                     body.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    return nlohmann::json::parse(r.body)["token"].get<std::string>();
}

std::string add_agent(std::uint16_t port, const std::string& owner_token, const std::string& email,
                      const std::string& password) {
    auto invite =
        call_api(port, owner_token, "POST", "/api/users", {{"email", email}, {"role", "agent"}});
    EXPECT_EQ(invite.status, 201) << invite.body;
    if (invite.status != 201) return {};
    nlohmann::json accept{{"token", nlohmann::json::parse(invite.body)["invite_token"]},
                          {"password", password}};
    auto accepted = request(port, "POST", "/api/auth/accept-invite",
                            {{"Content-Type", "application/json"}}, accept.dump());
    EXPECT_EQ(accepted.status, 200) << accepted.body;
    if (accepted.status != 200) return {};
    return nlohmann::json::parse(accepted.body)["token"].get<std::string>();
}

HttpResponse request(std::uint16_t port, const std::string& method, const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     const std::string& body) {
    Connection c(port);
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    req += "Connection: close\r\n\r\n" + body;
    if (!c.send(req)) throw std::runtime_error("send failed");
    auto r = c.read_response(method == "HEAD");
    if (!r) throw std::runtime_error("no response to " + method + " " + target);
    return *r;
}

HttpResponse call_api(std::uint16_t port, const std::string& token, const std::string& method,
                      const std::string& target, const nlohmann::json& body) {
    std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer " + token}};
    std::string payload;
    if (!body.is_null()) {
        headers.emplace_back("Content-Type", "application/json");
        payload = body.dump();
    }
    return request(port, method, target, headers, payload);
}

HttpResponse send_file(std::uint16_t port, const std::string& token, const std::string& method,
                       const std::string& target, const std::string& filename,
                       const std::string& bytes,
                       const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string b = "----botflowtest7MA4YWxkTrZu0gW";
    std::string body;
    for (const auto& [name, value] : fields) {
        body += "--" + b + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
                value + "\r\n";
    }
    body += "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
            "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + bytes + "\r\n--" + b +
            "--\r\n";
    return request(port, method, target,
                   {{"Authorization", "Bearer " + token},
                    {"Content-Type", "multipart/form-data; boundary=" + b}},
                   body);
}

}  // namespace botflow::test
