// A WebSocket client for the dashboard's live feed (GET /api/ws), for integration tests. Beast
// stays in ws_client.cpp: this header includes no Boost.
//
// One I/O thread per client does every socket operation (Beast's own ping/pong and close
// handshake included); the test thread only queues sends and waits for what the reader parsed.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/http_client.hpp"

namespace botflow::test {

struct WsOptions {
    std::string target = "/api/ws";
    /// A session token: sends `Sec-WebSocket-Protocol: botflow.v1, bearer.<token>`.
    std::string bearer;
    /// A session token: sends `Cookie: botflow_session=<token>` (a value that already holds
    /// an '=' is sent as the whole Cookie header).
    std::string cookie;
    /// Sent as the Origin header when not empty.
    std::string origin;
    /// Sent as Sec-WebSocket-Protocol as it is, instead of the one `bearer` makes.
    std::string protocols;
    /// > 0: SO_RCVBUF set on the socket before it connects (a small window for a slow client).
    int receive_buffer = 0;
    /// false: nothing is read (the server's frames pile up in the socket) until
    /// drain_until_close() or close().
    bool read = true;
};

using WsPredicate = std::function<bool(const nlohmann::json&)>;

class WsClient {
public:
    WsClient();
    /// Drops the TCP connection at once (no close handshake) if still connected.
    ~WsClient();
    WsClient(const WsClient&) = delete;
    WsClient& operator=(const WsClient&) = delete;

    /// Connects to 127.0.0.1:port and upgrades (within 20 s). False when the server refused
    /// the upgrade (then refused_status() and refusal() tell how) or the connection failed
    /// (error() says why). One connect per client.
    bool connect(std::uint16_t port, const WsOptions& options = {});
    /// The HTTP status of a refused upgrade (0 when there was no HTTP answer).
    int refused_status() const;
    /// The whole refusal: status, headers (lower-case names) and body.
    const HttpResponse& refusal() const;
    /// Why connect() failed, or why the reader stopped ("" while all is well).
    std::string error() const;
    /// The Sec-WebSocket-Protocol the server answered with ("" when none).
    std::string subprotocol() const;

    /// The next message not yet taken, oldest first; nullopt when none came within `timeout`
    /// (or the connection ended and everything was taken). Text frames are parsed as JSON; a
    /// frame that is not JSON becomes {"type": "<not-json>", "raw": text}.
    std::optional<nlohmann::json> next(std::chrono::milliseconds timeout);
    /// Takes messages until one of `type` (and, if given, for which `pred(message)` holds; it
    /// gets the whole envelope) arrives and returns it. The messages skipped are taken too but
    /// stay in all().
    std::optional<nlohmann::json> wait_for(const std::string& type,
                                           std::chrono::milliseconds timeout,
                                           WsPredicate pred = {});
    /// Waits until some message received since connect() (taken or not) is of `type` and
    /// satisfies `pred`; returns the first such. Takes nothing. (Predicates run under the
    /// client's lock: they must not call back into it.)
    std::optional<nlohmann::json> find(const std::string& type, std::chrono::milliseconds timeout,
                                       WsPredicate pred = {}) const;
    /// How many messages received so far are of `type` and satisfy `pred`.
    std::size_t count(const std::string& type, WsPredicate pred = {}) const;
    /// Every message received since connect(), oldest first.
    std::vector<nlohmann::json> all() const;

    /// Sends a text frame (waits until it is written, up to 10 s); false when it could not be.
    bool send(const std::string& text);
    bool send(const char* text) { return send(std::string(text)); }
    bool send(const nlohmann::json& message);
    /// Sends {"type":"ping"} and waits for the pong (wait_for: takes what comes before it).
    /// Commands are handled in order, so a pong also means every earlier command was.
    bool ping(std::chrono::milliseconds timeout = std::chrono::seconds(5));

    /// Waits until the connection ends (the reader stops) and returns the close code the
    /// server sent; nullopt on timeout or when it ended without a close frame (see error()).
    std::optional<int> close_code(std::chrono::milliseconds timeout);
    /// For a client connected with read = false: starts reading now (everything the server
    /// queued is taken in, as with read = true) and then does what close_code() does.
    std::optional<int> drain_until_close(std::chrono::milliseconds timeout);
    /// Connected and the reader has not seen the end.
    bool open() const;
    /// Closes with 1000 and waits (up to 5 s) for the server's answer, then drops the
    /// connection.
    void close();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Reading the feed's messages; none of these asserts, whatever the server sent.

/// What sits at `path` in `j`, or nullptr when a step is missing.
const nlohmann::json* at_path(const nlohmann::json& j, std::initializer_list<const char*> path);
/// The string at `path` ("" when missing or not a string).
std::string text_at(const nlohmann::json& j, std::initializer_list<const char*> path);
/// The integer at `path` (-1 when missing or not an integer).
long long number_at(const nlohmann::json& j, std::initializer_list<const char*> path);
/// An event's id; -1 for a control message (its id is null).
long long event_id(const nlohmann::json& m);
/// A control message: "id" is there, and null.
bool null_id(const nlohmann::json& m);
/// Messages whose data[key] is `value`.
WsPredicate data_is(const std::string& key, const std::string& value);
/// message.created events whose data.message[key] is `value`.
WsPredicate message_is(const std::string& key, const std::string& value);
/// The last `n` of the messages a client received, for failure output.
std::string tail(const std::vector<nlohmann::json>& all, std::size_t n = 25);

}  // namespace botflow::test
