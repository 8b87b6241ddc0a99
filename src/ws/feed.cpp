// GET /api/ws: the dashboard's live feed over a WebSocket (Boost.Beast).
#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>

#include "botflow/auth/auth.hpp"
#include "botflow/auth/sessions.hpp"
#include "botflow/config/config.hpp"
#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/events/bus.hpp"
#include "botflow/http/router.hpp"
#include "botflow/ws/hub.hpp"
#include "botflow/ws/module.hpp"

namespace botflow::ws {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using nlohmann::json;

constexpr std::size_t kMaxFrame = 64 * 1024;
constexpr int kSendBuffer = 64 * 1024;
constexpr auto kSessionCheck = std::chrono::seconds(5);
constexpr const char* kProtocol = "botflow.v1";

// A concrete executor type all the way down: no type-erased executor on every write.
using Strand = asio::strand<asio::io_context::executor_type>;
using Socket = asio::basic_stream_socket<tcp, Strand>;

class Session;

// Sockets are spread over a few shards, one per IO thread, and a shard's sockets share its
// strand. An event for ten thousand sockets then costs one post per shard, not one per socket:
// the shard's flush starts every idle writer it was asked to, in one go, on its strand.
class Shard {
public:
    explicit Shard(asio::io_context& io) : strand_(asio::make_strand(io)) {}
    const Strand& strand() const { return strand_; }
    // Any thread.
    void schedule(std::shared_ptr<Session> session);

private:
    void flush();
    Strand strand_;
    std::mutex mutex_;
    std::vector<std::shared_ptr<Session>> pending_;  // under mutex_
    std::vector<std::shared_ptr<Session>> running_;  // on the strand
    bool posted_ = false;                            // under mutex_
};

class Shards {
public:
    Shards(asio::io_context& io, int count) {
        for (int i = 0; i < std::max(1, count); ++i) shards_.push_back(std::make_unique<Shard>(io));
    }
    Shard& next() { return *shards_[next_++ % shards_.size()]; }

private:
    std::vector<std::unique_ptr<Shard>> shards_;
    std::atomic<std::size_t> next_{0};
};

struct Identity {
    std::string user_id;
    std::string token;
};

// Sockets of one session (a user with several tabs, or a load test) share one check of it
// every few seconds.
class VerifiedSessions {
public:
    bool recently(const std::string& token) {
        std::lock_guard lock(mutex_);
        auto it = verified_.find(token);
        return it != verified_.end() &&
               std::chrono::steady_clock::now() - it->second < kSessionCheck;
    }
    void mark(const std::string& token) {
        std::lock_guard lock(mutex_);
        auto now = std::chrono::steady_clock::now();
        if (verified_.size() > 10000) {
            for (auto it = verified_.begin(); it != verified_.end();) {
                it = now - it->second > kSessionCheck ? verified_.erase(it) : std::next(it);
            }
        }
        verified_[token] = now;
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> verified_;
};

class Session : public Client, public std::enable_shared_from_this<Session> {
public:
    Session(Module& mod, VerifiedSessions& verified, Shard& shard, Socket socket, Identity who,
            std::size_t queue_limit)
        : mod_(mod),
          verified_(verified),
          shard_(shard),
          ws_(std::move(socket)),
          who_(std::move(who)),
          queue_limit_(queue_limit),
          idle_(true) {}

    // Each coroutine holds the session through its first parameter: it may start after the
    // code that spawned it returned.
    asio::awaitable<void> run(std::shared_ptr<Session> keep,
                              bhttp::request<bhttp::empty_body> upgrade, bool offered_protocol,
                              std::optional<std::uint64_t> since);

    void push(std::shared_ptr<const Event> event) override { queue(std::move(event), false); }

    // `replay`: missed events sent on reconnect, which may exceed the live queue's limit.
    void queue(std::shared_ptr<const Event> event, bool replay) {
        if (event->conversation_id) {
            std::lock_guard lock(mutex_);
            if (!subscribed_.count(*event->conversation_id)) return;
        }
        if (event->from_connection && event->from_connection == connection_) return;
        bool overflow = false;
        {
            std::lock_guard lock(mutex_);
            if (closing_) return;
            if (!replay && queue_.size() >= queue_limit_) {
                overflow = true;
            } else {
                queue_.push_back(std::move(event));
            }
        }
        if (overflow) {
            close(1013, "too slow: the client does not read its events");
        } else if (idle_.exchange(false)) {
            wake();  // only an idle writer needs waking: a busy one takes the queue next
        }
    }

    void close(int code, std::string reason) override {
        {
            std::lock_guard lock(mutex_);
            if (closing_) return;
            closing_ = true;
            close_code_ = code;
            close_reason_ = std::move(reason);
            queue_.clear();
        }
        idle_ = false;
        wake();
        // A client that does not read may never take the close frame: drop it after 5 s.
        auto self = shared_from_this();
        asio::post(ws_.get_executor(), [self] {
            auto t = std::make_shared<asio::steady_timer>(self->ws_.get_executor(),
                                                          std::chrono::seconds(5));
            t->async_wait([self, t](boost::system::error_code) {
                if (self->done_) return;
                boost::system::error_code ignored;
                self->ws_.next_layer().close(ignored);
            });
        });
    }

private:
    void wake() { shard_.schedule(shared_from_this()); }

public:
    void kick();  // on the strand

private:
    void send_control(const std::string& type, const json& data) { push(control(type, data)); }
    asio::awaitable<void> watch_session(std::shared_ptr<Session> keep);
    void command(const std::string& text);

    Module& mod_;
    VerifiedSessions& verified_;
    Shard& shard_;
    websocket::stream<Socket> ws_;
    Identity who_;
    std::size_t queue_limit_;
    std::atomic<std::uint64_t> connection_{0};
    std::map<std::string, std::chrono::steady_clock::time_point> typed_;  // strand only
    std::mutex mutex_;
    std::deque<std::shared_ptr<const Event>> queue_;  // under mutex_
    std::set<std::string> subscribed_;                // under mutex_
    bool closing_ = false;                            // under mutex_
    int close_code_ = 1000;                           // under mutex_
    std::string close_reason_;                        // under mutex_
    bool done_ = false;                               // on the strand: the reader ended
    bool writing_ = false;    // on the strand: a write or the close is in flight
    bool closed_ = false;     // on the strand: the close frame went (or writing failed)
    std::atomic<bool> idle_;  // no write in flight or posted: the next push posts a kick
};

// Writes the queue one frame at a time as a chain of completion handlers on the strand: one
// post to start an idle writer and one completion per frame, nothing else per event.
void Session::kick() {
    if (writing_ || done_ || closed_) return;
    std::shared_ptr<const Event> next;
    bool closing = false;
    int code = 1000;
    std::string reason;
    {
        std::lock_guard lock(mutex_);
        if (!queue_.empty()) {
            next = std::move(queue_.front());
            queue_.pop_front();
        } else if (closing_) {
            closing = true;
            code = close_code_;
            reason = close_reason_;
        } else {
            idle_ = true;  // under the lock: a push after this sees it and posts a kick
            return;
        }
    }
    auto self = shared_from_this();
    writing_ = true;
    if (closing) {
        closed_ = true;
        websocket::close_reason cr(static_cast<websocket::close_code>(code), reason);
        ws_.async_close(cr, [self](boost::system::error_code) { self->writing_ = false; });
        return;
    }
    ws_.async_write(asio::buffer(next->text),
                    [self, next](boost::system::error_code ec, std::size_t) {
                        self->writing_ = false;
                        if (ec) {
                            self->closed_ = true;
                            return;
                        }
                        self->kick();
                    });
}

void Shard::schedule(std::shared_ptr<Session> session) {
    bool post = false;
    {
        std::lock_guard lock(mutex_);
        pending_.push_back(std::move(session));
        post = !std::exchange(posted_, true);
    }
    if (post) asio::post(strand_, [this] { flush(); });
}

void Shard::flush() {
    {
        std::lock_guard lock(mutex_);
        running_.swap(pending_);
        posted_ = false;
    }
    for (auto& session : running_) session->kick();
    running_.clear();
}

// A session signed out (or its user disabled) while connected is closed within seconds.
asio::awaitable<void> Session::watch_session(std::shared_ptr<Session>) {
    asio::steady_timer timer(ws_.get_executor());
    while (!done_) {
        timer.expires_after(kSessionCheck);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (done_) co_return;
        bool ended = false;
        if (!verified_.recently(who_.token)) {
            try {
                co_await mod_.sessions.verify(who_.token);
                verified_.mark(who_.token);
            } catch (const Error& e) {
                ended = e.code() == Errc::unauthorized;  // Redis down: keep the socket
            } catch (const std::exception& e) {
                spdlog::warn("ws.session_check_failed what=\"{}\"", e.what());
            }
        }
        if (ended) {
            close(1008, "the session ended: sign in again");
            co_return;
        }
    }
}

void Session::command(const std::string& text) {
    auto j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("type") || !j["type"].is_string()) {
        send_control("error", {{"message", "Commands are JSON objects with a \"type\"."}});
        return;
    }
    auto type = j["type"].get<std::string>();
    if (type == "ping") {
        send_control("pong", json::object());
        return;
    }
    if (type == "subscribe" || type == "unsubscribe" || type == "typing") {
        std::string id = j.contains("conversation_id") && j["conversation_id"].is_string()
                             ? j["conversation_id"].get<std::string>()
                             : std::string();
        if (!is_uuid(id)) {
            send_control("error", {{"message", type + " needs a conversation_id (a uuid)."},
                                   {"command", type}});
            return;
        }
        if (type == "typing") {
            // At most one every 2 s per conversation: a key press is not an event for everyone.
            auto now = std::chrono::steady_clock::now();
            auto& last = typed_[id];
            if (now - last < std::chrono::seconds(2)) return;
            last = now;
            if (typed_.size() > 1000) typed_.clear();
            mod_.bus.publish(events::agent_typing(id, who_.user_id, connection_));
            return;
        }
        std::lock_guard lock(mutex_);
        if (type == "subscribe") {
            if (subscribed_.size() < 100) subscribed_.insert(id);
        } else {
            subscribed_.erase(id);
        }
        return;
    }
    send_control("error", {{"message", "Unknown command \"" + type.substr(0, 50) +
                                           "\": use subscribe, unsubscribe, typing or ping."},
                           {"command", type.substr(0, 50)}});
}

asio::awaitable<void> Session::run(std::shared_ptr<Session> self,
                                   bhttp::request<bhttp::empty_body> upgrade, bool offered_protocol,
                                   std::optional<std::uint64_t> since) {
    boost::system::error_code ec;
    ws_.next_layer().set_option(asio::socket_base::send_buffer_size(kSendBuffer), ec);
    ws_.read_message_max(kMaxFrame);
    // Beast pings an idle peer after half the idle timeout (30 s) and drops it after 60 s.
    websocket::stream_base::timeout timeouts{std::chrono::seconds(10), std::chrono::seconds(60),
                                             true};
    ws_.set_option(timeouts);
    if (offered_protocol) {
        ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
            res.set(bhttp::field::sec_websocket_protocol, kProtocol);
        }));
    }
    co_await ws_.async_accept(upgrade, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;

    // Attached before `ready` is queued: nothing delivered from now on is missed, and the
    // replay below covers what came before.
    // `ready` and what was missed are queued under the hub's lock: every later event comes
    // after them, and none falls in between.
    auto start = [this, since](const Hub::Start& s) {
        connection_ = s.connection;
        queue(control("ready", {{"last_id", s.last_id}}), true);
        if (!since) return;
        if (s.missed) {
            for (const auto& e : *s.missed) queue(e, true);
        } else {
            queue(control("resync", {{"reason", "the events since " + std::to_string(*since) +
                                                    " are not kept here (too old, or another "
                                                    "server's)"}}),
                  true);
        }
    };
    mod_.hub.attach(self, since, start);
    kick();  // ready and any replay
    asio::co_spawn(ws_.get_executor(), watch_session(self), asio::detached);

    beast::flat_buffer buffer;
    for (;;) {
        co_await ws_.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;  // closed, too big (Beast answers 1009), timed out or reset
        if (ws_.got_text()) {
            command(beast::buffers_to_string(buffer.data()));
        } else {
            send_control("error", {{"message", "Commands are text frames."}});
        }
        buffer.consume(buffer.size());
    }
    done_ = true;
    mod_.hub.detach(connection_);
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
        queue_.clear();
    }
    spdlog::debug("ws.closed connection={} user={} reason=\"{}\"", connection_, who_.user_id,
                  ec.message());
}

http::Response upgrade_required() {
    http::Response r = http::Response::json(
        426, {{"type", "about:blank"},
              {"title", "Upgrade Required"},
              {"status", 426},
              {"detail", "/api/ws is a WebSocket: connect with a WebSocket client."}});
    r.set_header("Content-Type", "application/problem+json");
    r.set_header("Upgrade", "websocket");
    return r;
}

// The items of a comma-separated header value ("Upgrade, keep-alive"), trimmed.
std::vector<std::string_view> header_items(std::string_view list) {
    std::vector<std::string_view> items;
    for (;;) {
        auto comma = list.find(',');
        auto item = list.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) items.push_back(item);
        if (comma == std::string_view::npos) return items;
        list.remove_prefix(comma + 1);
    }
}

}  // namespace

// Owned by the module (and so by the application), which outlives every socket: the strands
// go before its io_context.
struct Feed {
    Feed(asio::io_context& io, int count) : shards(io, count) {}
    Shards shards;
    VerifiedSessions verified;
};

namespace {

asio::awaitable<http::Response> handle_feed(Module& mod, Feed& feed, http::Request& req) {
    auto& shards = feed.shards;
    auto connection = header_items(req.header("connection"));
    bool upgrade_asked = std::any_of(connection.begin(), connection.end(),
                                     [](auto item) { return http::iequals(item, "upgrade"); });
    if (!upgrade_asked || !http::iequals(req.header("upgrade"), "websocket")) {
        co_return upgrade_required();
    }
    // Non-browser clients sign in through the subprotocol list: "botflow.v1, bearer.<token>".
    std::string token;
    bool offered_protocol = false;
    for (auto item : header_items(req.header("sec-websocket-protocol"))) {
        if (item == kProtocol) offered_protocol = true;
        if (item.rfind("bearer.", 0) == 0) token = std::string(item.substr(7));
    }
    if (!token.empty()) {
        if (!offered_protocol) {
            throw Error(Errc::bad_request,
                        "Offer the botflow.v1 subprotocol together with bearer.<token>.");
        }
        req.headers.emplace_back("authorization", "Bearer " + token);
    }
    co_await auth::authenticate(mod.auth, req, http::Access::user);
    if (token.empty() && !req.principal->via_cookie) {
        // A plain "Authorization: Bearer" header: the socket is watched with that token.
        auto header = req.header("authorization");
        if (header.size() > 7) token = std::string(header.substr(7));
    }
    if (req.principal->via_cookie) {
        // A page of another site must not open a socket with the owner's cookie.
        auto origin = req.header("origin");
        if (origin.empty() || !http::iequals(origin, auth::origin_of(mod.config.public_url))) {
            throw Error(Errc::forbidden, "This socket only opens from " +
                                             auth::origin_of(mod.config.public_url) + ".");
        }
        token = std::string(http::cookie_value(req, auth::kSessionCookie));
    }
    std::optional<std::uint64_t> since;
    if (auto s = req.query_param("since")) {
        try {
            std::size_t used = 0;
            auto v = std::stoull(*s, &used);
            if (used != s->size()) throw std::invalid_argument("trailing");
            since = v;
        } catch (const std::exception&) {
            throw Error(Errc::unprocessable, "since must be an event id (a whole number).", {},
                        {{"since", "must be a whole number"}});
        }
    }
    bhttp::request<bhttp::empty_body> upgrade;
    upgrade.method(bhttp::verb::get);
    upgrade.target(req.target);
    upgrade.version(11);
    for (const auto& [name, value] : req.headers) upgrade.insert(name, value);

    http::Response r;
    r.status = 101;
    Identity who{req.principal->user_id, token};
    auto limit = mod.config.ws_queue_limit;
    r.take_over = [&mod, &feed, &shards, who, upgrade = std::move(upgrade), offered_protocol, since,
                   limit](tcp::socket socket) mutable {
        // The socket moves to its shard's strand: its reader, writer and timers never race.
        auto& shard = shards.next();
        boost::system::error_code ec;
        auto protocol = socket.local_endpoint(ec).protocol();
        Socket own(shard.strand());
        if (ec) return;
        own.assign(protocol, socket.release(), ec);
        if (ec) return;
        auto session =
            std::make_shared<Session>(mod, feed.verified, shard, std::move(own), who, limit);
        asio::co_spawn(shard.strand(),
                       session->run(session, std::move(upgrade), offered_protocol, since),
                       log::log_on_error("ws.session_failed"));
    };
    co_return r;
}

}  // namespace

void register_module(Module& mod) {
    mod.feed = std::make_shared<Feed>(mod.io, mod.config.io_threads);
    mod.router.add(
        http::Method::get, "/api/ws",
        [&mod, feed = mod.feed.get()](http::Request& req) { return handle_feed(mod, *feed, req); },
        http::RouteOptions{http::kDefaultBodyLimit, http::Access::public_});
}

}  // namespace botflow::ws
