#include "support/ws_client.hpp"

// Beast is compiled once for the program, in src/core/asio_impl.cpp.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "botflow/core/asio.hpp"

namespace botflow::test {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using nlohmann::json;

std::string str(beast::string_view s) { return std::string(s.data(), s.size()); }

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool matches(const json& m, const std::string& type, const WsPredicate& pred) {
    if (!m.is_object()) return false;
    auto it = m.find("type");
    if (it == m.end() || !it->is_string() || it->get<std::string>() != type) return false;
    return !pred || pred(m);
}

using Done = std::shared_ptr<std::promise<bool>>;

}  // namespace

struct WsClient::Impl {
    // Declared before the stream, so the stream goes first when this is destroyed.
    asio::io_context ioc;
    asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
    websocket::stream<beast::tcp_stream> ws{ioc};
    std::thread thread;

    // Set before the I/O thread starts; read-only afterwards.
    WsOptions options;
    std::string host;

    // The I/O thread's own.
    websocket::response_type response;
    beast::flat_buffer buffer;
    bool reading = false;
    bool writing = false;
    struct Outgoing {
        std::string text;
        Done done;
    };
    std::deque<Outgoing> outbox;

    // Shared: under `mutex`; `changed` is notified on every change.
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    bool connected = false;
    bool ended = false;    // the connection is over: nothing more will be received
    bool stopped = false;  // the I/O thread is stopped (or stopping)
    std::optional<int> code;
    std::string error;
    std::string subprotocol;
    HttpResponse refusal;
    std::deque<json> queue;
    std::vector<json> all;

    ~Impl() { shutdown(); }

    // --- on the I/O thread ---------------------------------------------------------------

    void fail_connect(const Done& done, const std::string& why) {
        {
            std::lock_guard lock(mutex);
            if (error.empty()) error = why;
            ended = true;
        }
        changed.notify_all();
        beast::get_lowest_layer(ws).close();
        done->set_value(false);
    }

    void start_connect(std::uint16_t port, const Done& done) {
        auto& stream = beast::get_lowest_layer(ws);
        error_code ec;
        stream.socket().open(tcp::v4(), ec);
        if (!ec && options.receive_buffer > 0) {
            // Before connect(): the window is agreed in the handshake.
            stream.socket().set_option(
                asio::socket_base::receive_buffer_size(options.receive_buffer), ec);
        }
        if (ec) return fail_connect(done, "socket: " + ec.message());
        stream.expires_after(std::chrono::seconds(15));
        tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
        stream.async_connect(endpoint, [this, done](error_code ec) {
            if (ec) return fail_connect(done, "connect: " + ec.message());
            ws.set_option(websocket::stream_base::decorator([o = options](
                                                                websocket::request_type& req) {
                req.set(bhttp::field::user_agent, "botflow-tests");
                if (!o.protocols.empty()) {
                    req.set(bhttp::field::sec_websocket_protocol, o.protocols);
                } else if (!o.bearer.empty()) {
                    req.set(bhttp::field::sec_websocket_protocol, "botflow.v1, bearer." + o.bearer);
                }
                if (!o.cookie.empty()) {
                    req.set(bhttp::field::cookie, o.cookie.find('=') != std::string::npos
                                                      ? o.cookie
                                                      : "botflow_session=" + o.cookie);
                }
                if (!o.origin.empty()) req.set(bhttp::field::origin, o.origin);
            }));
            ws.async_handshake(response, host, options.target,
                               [this, done](error_code ec) { on_handshake(ec, done); });
        });
    }

    void on_handshake(error_code ec, const Done& done) {
        if (ec) {
            if (ec == websocket::error::upgrade_declined) {
                std::lock_guard lock(mutex);
                refusal.status = response.result_int();
                for (const auto& field : response) {
                    refusal.headers[lower(str(field.name_string()))] = str(field.value());
                }
                refusal.body = response.body();
                error = "upgrade refused: HTTP " + std::to_string(refusal.status) + " " +
                        refusal.body.substr(0, 300);
            }
            return fail_connect(done, "handshake: " + ec.message());
        }
        beast::get_lowest_layer(ws).expires_never();
        websocket::stream_base::timeout timeouts{};
        timeouts.handshake_timeout = std::chrono::seconds(5);  // also bounds close()
        timeouts.idle_timeout = websocket::stream_base::none();
        timeouts.keep_alive_pings = false;
        ws.set_option(timeouts);
        ws.text(true);
        {
            std::lock_guard lock(mutex);
            connected = true;
            subprotocol = str(response[bhttp::field::sec_websocket_protocol]);
        }
        changed.notify_all();
        if (options.read) start_reading();
        done->set_value(true);
    }

    void start_reading() {
        if (reading) return;
        {
            std::lock_guard lock(mutex);
            if (!connected || ended) return;
        }
        reading = true;
        read_next();
    }

    void read_next() {
        ws.async_read(buffer, [this](error_code ec, std::size_t) {
            if (ec) return finish(ec);
            std::string text = beast::buffers_to_string(buffer.data());
            buffer.consume(buffer.size());
            auto message = json::parse(text, nullptr, false);
            if (message.is_discarded()) message = json{{"type", "<not-json>"}, {"raw", text}};
            {
                std::lock_guard lock(mutex);
                queue.push_back(message);
                all.push_back(std::move(message));
            }
            changed.notify_all();
            read_next();
        });
    }

    // The connection is over: keeps the close code the server sent, if it sent one.
    void finish(error_code ec) {
        {
            std::lock_guard lock(mutex);
            if (ended) return;
            ended = true;
            auto received = ws.reason().code;
            if (received != websocket::close_code::none) code = static_cast<int>(received);
            if (ec && ec != websocket::error::closed && error.empty()) {
                error = "connection ended without a close frame: " + ec.message();
            }
        }
        changed.notify_all();
    }

    void queue_write(std::string text, Done done) {
        outbox.push_back({std::move(text), std::move(done)});
        if (!writing) write_next();
    }

    void write_next() {
        if (outbox.empty()) {
            writing = false;
            return;
        }
        writing = true;
        ws.async_write(asio::buffer(outbox.front().text), [this](error_code ec, std::size_t) {
            auto done = std::move(outbox.front().done);
            outbox.pop_front();
            done->set_value(!ec);
            write_next();
        });
    }

    // --- any thread ------------------------------------------------------------------------

    // Drops the connection and stops the I/O thread; what is pending is abandoned.
    void shutdown() {
        {
            std::lock_guard lock(mutex);
            if (stopped) return;
            stopped = true;
            if (!ended) {
                ended = true;
                if (error.empty()) error = "closed by the test";
            }
        }
        changed.notify_all();
        if (!thread.joinable()) return;
        asio::post(ioc, [this] {
            error_code ec;
            beast::get_lowest_layer(ws).socket().shutdown(tcp::socket::shutdown_both, ec);
            beast::get_lowest_layer(ws).close();
            ioc.stop();
        });
        thread.join();
    }
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}

WsClient::~WsClient() = default;

bool WsClient::connect(std::uint16_t port, const WsOptions& options) {
    auto& s = *impl_;
    if (s.thread.joinable()) {
        std::lock_guard lock(s.mutex);
        s.error = "connect() was called twice";
        return false;
    }
    s.options = options;
    s.host = "127.0.0.1:" + std::to_string(port);
    s.thread = std::thread([&s] { s.ioc.run(); });
    auto done = std::make_shared<std::promise<bool>>();
    auto result = done->get_future();
    asio::post(s.ioc, [&s, port, done] { s.start_connect(port, done); });
    if (result.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
        {
            std::lock_guard lock(s.mutex);
            if (s.error.empty()) s.error = "no WebSocket handshake within 20 s";
        }
        s.shutdown();
        return false;
    }
    return result.get();
}

int WsClient::refused_status() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->refusal.status;
}

const HttpResponse& WsClient::refusal() const {
    // Written only before connect() returns: no lock needed afterwards.
    return impl_->refusal;
}

std::string WsClient::error() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->error;
}

std::string WsClient::subprotocol() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->subprotocol;
}

std::optional<nlohmann::json> WsClient::next(std::chrono::milliseconds timeout) {
    auto& s = *impl_;
    std::unique_lock lock(s.mutex);
    s.changed.wait_for(lock, timeout, [&] { return !s.queue.empty() || s.ended; });
    if (s.queue.empty()) return std::nullopt;
    auto m = std::move(s.queue.front());
    s.queue.pop_front();
    return m;
}

std::optional<nlohmann::json> WsClient::wait_for(const std::string& type,
                                                 std::chrono::milliseconds timeout,
                                                 WsPredicate pred) {
    auto& s = *impl_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(s.mutex);
    for (;;) {
        while (!s.queue.empty()) {
            auto m = std::move(s.queue.front());
            s.queue.pop_front();
            if (matches(m, type, pred)) return m;
        }
        if (s.ended) return std::nullopt;
        if (!s.changed.wait_until(lock, deadline, [&] { return !s.queue.empty() || s.ended; })) {
            return std::nullopt;
        }
    }
}

std::optional<nlohmann::json> WsClient::find(const std::string& type,
                                             std::chrono::milliseconds timeout,
                                             WsPredicate pred) const {
    auto& s = *impl_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(s.mutex);
    std::size_t scanned = 0;
    for (;;) {
        for (; scanned < s.all.size(); ++scanned) {
            if (matches(s.all[scanned], type, pred)) return s.all[scanned];
        }
        if (s.ended) return std::nullopt;
        if (!s.changed.wait_until(lock, deadline,
                                  [&] { return s.all.size() > scanned || s.ended; })) {
            return std::nullopt;
        }
    }
}

std::size_t WsClient::count(const std::string& type, WsPredicate pred) const {
    std::lock_guard lock(impl_->mutex);
    std::size_t n = 0;
    for (const auto& m : impl_->all) {
        if (matches(m, type, pred)) ++n;
    }
    return n;
}

std::vector<nlohmann::json> WsClient::all() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->all;
}

bool WsClient::send(const std::string& text) {
    auto& s = *impl_;
    {
        std::lock_guard lock(s.mutex);
        if (!s.connected || s.stopped) return false;
    }
    auto done = std::make_shared<std::promise<bool>>();
    auto result = done->get_future();
    asio::post(s.ioc, [&s, text, done]() mutable { s.queue_write(std::move(text), done); });
    if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return false;
    try {
        return result.get();
    } catch (const std::future_error&) {
        return false;
    }
}

bool WsClient::send(const nlohmann::json& message) { return send(message.dump()); }

bool WsClient::ping(std::chrono::milliseconds timeout) {
    return send(nlohmann::json{{"type", "ping"}}) && wait_for("pong", timeout).has_value();
}

std::optional<int> WsClient::close_code(std::chrono::milliseconds timeout) {
    auto& s = *impl_;
    std::unique_lock lock(s.mutex);
    s.changed.wait_for(lock, timeout, [&] { return s.ended; });
    if (!s.ended) return std::nullopt;
    return s.code;
}

std::optional<int> WsClient::drain_until_close(std::chrono::milliseconds timeout) {
    auto& s = *impl_;
    {
        std::lock_guard lock(s.mutex);
        if (s.stopped) return s.code;
    }
    asio::post(s.ioc, [&s] { s.start_reading(); });
    return close_code(timeout);
}

bool WsClient::open() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->connected && !impl_->ended;
}

void WsClient::close() {
    auto& s = *impl_;
    bool live = false;
    {
        std::lock_guard lock(s.mutex);
        live = s.connected && !s.ended && !s.stopped;
    }
    if (live) {
        asio::post(s.ioc, [&s] {
            s.ws.async_close(websocket::close_code::normal, [&s](error_code ec) {
                // A reader sees the end itself; without one, the close handshake is the end.
                if (!s.reading) {
                    error_code end = ec;
                    if (!end) end = websocket::error::closed;
                    s.finish(end);
                }
            });
        });
        std::unique_lock lock(s.mutex);
        s.changed.wait_for(lock, std::chrono::seconds(5), [&] { return s.ended; });
    }
    s.shutdown();
}

const nlohmann::json* at_path(const nlohmann::json& j, std::initializer_list<const char*> path) {
    const nlohmann::json* at = &j;
    for (const char* key : path) {
        if (!at->is_object()) return nullptr;
        auto it = at->find(key);
        if (it == at->end()) return nullptr;
        at = &*it;
    }
    return at;
}

std::string text_at(const nlohmann::json& j, std::initializer_list<const char*> path) {
    const nlohmann::json* at = at_path(j, path);
    return at && at->is_string() ? at->get<std::string>() : std::string();
}

long long number_at(const nlohmann::json& j, std::initializer_list<const char*> path) {
    const nlohmann::json* at = at_path(j, path);
    return at && at->is_number_integer() ? at->get<long long>() : -1;
}

long long event_id(const nlohmann::json& m) { return number_at(m, {"id"}); }

bool null_id(const nlohmann::json& m) {
    auto it = m.find("id");
    return it != m.end() && it->is_null();
}

WsPredicate data_is(const std::string& key, const std::string& value) {
    return [key, value](const nlohmann::json& m) {
        return text_at(m, {"data", key.c_str()}) == value;
    };
}

WsPredicate message_is(const std::string& key, const std::string& value) {
    return [key, value](const nlohmann::json& m) {
        return text_at(m, {"data", "message", key.c_str()}) == value;
    };
}

std::string tail(const std::vector<nlohmann::json>& all, std::size_t n) {
    std::string out = "\n" + std::to_string(all.size()) + " messages received; the last ones:";
    for (auto i = all.size() > n ? all.size() - n : 0; i < all.size(); ++i) {
        out += "\n  " + all[i].dump().substr(0, 400);
    }
    return out;
}

}  // namespace botflow::test
