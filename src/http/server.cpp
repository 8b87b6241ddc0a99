#include "botflow/http/server.hpp"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <random>
#include <unordered_map>

#include "botflow/core/log.hpp"
#include "problem.hpp"

namespace botflow::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxDrainBytes = 8 * 1024 * 1024;

struct Connection {
    explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    bool busy = false;  // on the connection's strand: a request is being read or answered
};

std::string new_request_id() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return fmt::format("{:016x}", rng());
}

bool valid_request_id(std::string_view id) {
    if (id.empty() || id.size() > 128) return false;
    for (char c : id) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
              c == ':'))
            return false;
    }
    return true;
}

bool is_api_path(std::string_view path) { return path == "/api" || path.rfind("/api/", 0) == 0; }

std::string allow_header(const std::vector<Method>& methods) {
    std::string out;
    for (Method m : methods) {
        if (!out.empty()) out += ", ";
        out += method_name(m);
    }
    return out;
}

std::string remote_address(Connection& conn) {
    boost::system::error_code ec;
    auto ep = conn.stream.socket().remote_endpoint(ec);
    if (ec) return {};
    auto address = ep.address();
    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; log them as a.b.c.d.
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    }
    return address.to_string();
}

// The client left, idled out, or we are shutting down: there is no one to answer.
bool connection_gone(const boost::system::error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
           ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
           ec == asio::error::eof;
}

// One request on a connection, from its header to its response.
struct Exchange {
    std::chrono::steady_clock::time_point started;
    Request req;
    bool keep_alive = false;
    Response resp;
    std::string route_label = "unmatched";
    bool read_ok = false;
    bool body_unread = false;  // refused before reading it: drain before closing
    Match match;

    double seconds() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
    void refuse(Error error) { resp = problem_response(error, req.path, req.request_id); }
};

// The request line and the header fields, into x.req; the request id from X-Request-Id.
void read_head(const bhttp::request<bhttp::empty_body>& h, Exchange& x) {
    Request& req = x.req;
    req.method = parse_method(std::string_view(h.method_string().data(), h.method_string().size()));
    req.target = std::string(h.target());
    auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    for (const auto& field : h) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        req.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    auto incoming_id = req.header("x-request-id");
    req.request_id = valid_request_id(incoming_id) ? std::string(incoming_id) : new_request_id();
    x.keep_alive = h.keep_alive();
}

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& io, const Router& router, Metrics& metrics, ServerOptions options)
        : io(io),
          router(router),
          metrics(metrics),
          options(std::move(options)),
          acceptor(asio::make_strand(io)) {}

    asio::io_context& io;
    const Router& router;
    Metrics& metrics;
    ServerOptions options;
    tcp::acceptor acceptor;
    std::atomic<bool> stopping{false};
    std::atomic<int> open{0};
    std::mutex mutex;
    std::uint64_t next_id = 0;                                                 // under mutex
    std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections;  // under mutex

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> drain(Connection& conn);
    asio::awaitable<void> session(std::shared_ptr<Connection> conn, std::uint64_t id);
    void refuse_header(Exchange& x, const boost::system::error_code& ec) const;
    asio::awaitable<bool> read_body(Connection& conn, beast::flat_buffer& buffer,
                                    bhttp::request_parser<bhttp::empty_body>& head, Exchange& x);
    asio::awaitable<void> answer(Exchange& x);
    bool hand_over(Connection& conn, Exchange& x);
    void record(const Exchange& x);
    asio::awaitable<Response> dispatch(Request& req, Match match, std::string& route_label);
    asio::awaitable<void> write(Connection& conn, const Request& req, Response& resp,
                                bool keep_alive);
};

Server::Server(asio::io_context& io, const Router& router, Metrics& metrics, ServerOptions options)
    : impl_(std::make_shared<Impl>(io, router, metrics, std::move(options))) {}

Server::~Server() = default;

std::uint16_t Server::listen(const std::string& host, std::uint16_t port) {
    auto& acceptor = impl_->acceptor;
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) throw std::system_error(ec, "HOST must be an IP address such as :: or 0.0.0.0");
    tcp::endpoint endpoint(address, port);
    acceptor.open(endpoint.protocol(), ec);
    if (ec && address.is_v6() && address.to_v6().is_unspecified()) {
        // No IPv6 on this machine: the same intent on IPv4.
        endpoint = tcp::endpoint(tcp::v4(), port);
        ec.clear();
        acceptor.open(endpoint.protocol(), ec);
    }
    if (ec) throw std::system_error(ec, "open listening socket");
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (endpoint.address().is_v6()) acceptor.set_option(asio::ip::v6_only(false), ec);
    ec.clear();  // both options are best effort
    acceptor.bind(endpoint, ec);
    if (ec) throw std::system_error(ec, "bind " + host + ":" + std::to_string(port));
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::system_error(ec, "listen");
    auto local = acceptor.local_endpoint(ec);
    if (ec) throw std::system_error(ec, "local endpoint");
    return local.port();
}

void Server::start() {
    auto self = impl_;
    asio::co_spawn(impl_->acceptor.get_executor(), self->accept_loop(),
                   log::log_on_error("http.accept_failed"));
}

void Server::shutdown() {
    auto impl = impl_;
    if (impl->stopping.exchange(true)) return;
    asio::post(impl->acceptor.get_executor(), [impl] {
        boost::system::error_code ec;
        impl->acceptor.close(ec);
    });
    std::vector<std::shared_ptr<Connection>> live;
    {
        std::lock_guard lock(impl->mutex);
        for (auto& [id, weak] : impl->connections) {
            if (auto c = weak.lock()) live.push_back(std::move(c));
        }
    }
    for (auto& conn : live) {
        asio::post(conn->stream.get_executor(), [conn] {
            // An idle connection (waiting for a request) closes now; a busy one closes itself
            // after its response. The socket may already be closed or reset: ignore errors.
            if (conn->busy) return;
            boost::system::error_code ignored;
            conn->stream.socket().shutdown(tcp::socket::shutdown_receive, ignored);
            conn->stream.cancel();
        });
    }
}

int Server::open_connections() const noexcept { return impl_->open.load(); }

asio::awaitable<void> Server::Impl::accept_loop() {
    auto self = shared_from_this();
    for (;;) {
        boost::system::error_code ec;
        tcp::socket socket(asio::make_strand(io));
        co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
        if (stopping) break;
        if (ec) {
            if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) break;
            // EMFILE and friends: wait a little instead of spinning.
            spdlog::warn("http.accept_error error=\"{}\"", ec.message());
            asio::steady_timer pause(co_await asio::this_coro::executor,
                                     std::chrono::milliseconds(100));
            co_await pause.async_wait(asio::use_awaitable);
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        auto conn = std::make_shared<Connection>(std::move(socket));
        std::uint64_t id;
        {
            std::lock_guard lock(mutex);
            id = ++next_id;
            connections.emplace(id, conn);
        }
        open.fetch_add(1);
        auto executor = conn->stream.get_executor();
        auto on_done = [self, id](std::exception_ptr e) {
            {
                std::lock_guard lock(self->mutex);
                self->connections.erase(id);
            }
            self->open.fetch_sub(1);
            log::log_escaped("http.session_failed", e);
        };
        asio::co_spawn(executor, session(std::move(conn), id), std::move(on_done));
    }
}

// `match` is the router's answer for this request, made once when its header was read.
asio::awaitable<Response> Server::Impl::dispatch(Request& req, Match match,
                                                 std::string& route_label) {
    if (match.route) {
        route_label = match.route->pattern;
        req.params = std::move(match.params);
        if (match.route->options.access != Access::public_) {
            if (!options.authenticate) {
                throw Error(Errc::internal, "Sign-in is not configured.", "no authenticator");
            }
            co_await options.authenticate(req, match.route->options.access);
        }
        co_return co_await match.route->handler(req);
    }
    if (!match.allowed.empty()) {
        route_label = "unmatched";
        throw Error(Errc::method_not_allowed,
                    fmt::format("{} is not allowed on {}; use {}.", method_name(req.method),
                                req.path, allow_header(match.allowed)))
            .with_header("Allow", allow_header(match.allowed));
    }
    if (is_api_path(req.path) || !options.fallback) {
        route_label = "unmatched";
        throw Error(Errc::not_found, "No API route matches " + req.path + ".");
    }
    route_label = "static";
    if (req.method != Method::get && req.method != Method::head) {
        throw Error(Errc::method_not_allowed, fmt::format("{} is not allowed on {}; use GET, HEAD.",
                                                          method_name(req.method), req.path))
            .with_header("Allow", "GET, HEAD");
    }
    co_return co_await options.fallback(req);
}

asio::awaitable<void> Server::Impl::write(Connection& conn, const Request& req, Response& resp,
                                          bool keep_alive) {
    bhttp::response<bhttp::span_body<const char>> res;
    res.version(11);
    res.result(static_cast<unsigned>(resp.status));
    res.set(bhttp::field::server, "botflow");
    for (const auto& [k, v] : resp.headers) res.insert(k, v);
    for (const auto& [k, v] : options.response_headers) {
        if (resp.header(k).empty()) res.insert(k, v);
    }
    res.set("X-Request-Id", req.request_id);
    auto view = resp.body_view();
    res.keep_alive(keep_alive);
    bool bodiless = resp.status == 204 || resp.status == 304 || resp.status < 200;
    if (!bodiless) {
        res.content_length(view.size());
        if (req.method != Method::head) res.body() = {view.data(), view.size()};
    }
    conn.stream.expires_after(options.read_timeout);
    boost::system::error_code ec;
    co_await bhttp::async_write(conn.stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) throw boost::system::system_error(ec);
}

asio::awaitable<void> Server::Impl::session(std::shared_ptr<Connection> conn, std::uint64_t) {
    auto self = shared_from_this();
    beast::flat_buffer buffer;
    std::string remote = remote_address(*conn);
    for (;;) {
        conn->busy = false;
        if (stopping) break;
        boost::system::error_code ec;
        bhttp::request_parser<bhttp::empty_body> head;
        head.header_limit(options.max_header_bytes);
        // Each route's limit is applied once the route is known. Not boost::none: 1.74 compares
        // the content length against the optional and treats none as smaller than any length.
        head.body_limit(std::numeric_limits<std::uint64_t>::max());
        conn->stream.expires_after(options.idle_timeout);
        co_await bhttp::async_read_header(conn->stream, buffer, head,
                                          asio::redirect_error(asio::use_awaitable, ec));
        conn->busy = true;
        Exchange x;
        x.started = std::chrono::steady_clock::now();
        x.req.received_at = x.started;
        x.req.remote_address = remote;
        if (connection_gone(ec)) break;
        if (ec) {
            refuse_header(x, ec);
        } else {
            read_head(head.get(), x);
            bool answerable = co_await read_body(*conn, buffer, head, x);
            if (!answerable) break;
        }
        co_await answer(x);
        if (hand_over(*conn, x)) co_return;
        record(x);
        try {
            co_await write(*conn, x.req, x.resp, x.keep_alive);
        } catch (const boost::system::system_error& e) {
            spdlog::info("http.write_failed request_id={} error=\"{}\"", x.req.request_id,
                         e.code().message());
            break;
        }
        if (!x.keep_alive) {
            if (x.body_unread) co_await drain(*conn);
            break;
        }
    }
    boost::system::error_code ignored;
    conn->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    conn->stream.close();
}

// A header that could not be read: too large or malformed.
void Server::Impl::refuse_header(Exchange& x, const boost::system::error_code& ec) const {
    x.req.request_id = new_request_id();
    x.req.path = "/";
    Errc code = ec == bhttp::error::header_limit ? Errc::header_too_large : Errc::bad_request;
    std::string detail =
        code == Errc::header_too_large
            ? fmt::format("Request headers exceed {} bytes.", options.max_header_bytes)
            : "Malformed HTTP request: " + ec.message() + ".";
    x.refuse(Error(code, detail));
    x.body_unread = true;
}

// Matches the route and reads the body within that route's limit: into x.req (x.read_ok), or
// a refusal into x.resp. False when the client is gone and the connection just closes.
asio::awaitable<bool> Server::Impl::read_body(Connection& conn, beast::flat_buffer& buffer,
                                              bhttp::request_parser<bhttp::empty_body>& head,
                                              Exchange& x) {
    x.match = router.match(x.req.method, x.req.path);
    std::size_t limit = x.match.route ? x.match.route->options.max_body : kDefaultBodyLimit;
    std::string hint = x.match.route && !x.match.route->options.too_large.empty()
                           ? " " + x.match.route->options.too_large
                           : std::string();
    bhttp::request_parser<bhttp::string_body> parser(std::move(head));
    parser.body_limit(limit);
    auto declared = parser.content_length();
    if (declared && *declared > limit) {
        x.refuse(Error(Errc::payload_too_large,
                       fmt::format("The request body is {} bytes; this route accepts at most {}.{}",
                                   *declared, limit, hint)));
        x.keep_alive = false;
        x.body_unread = true;
        co_return true;
    }
    boost::system::error_code ec;
    if (!parser.is_done()) {
        auto expect = parser.get()[bhttp::field::expect];
        if (beast::iequals(expect, "100-continue")) {
            bhttp::response<bhttp::empty_body> cont(bhttp::status::continue_, 11);
            conn.stream.expires_after(options.read_timeout);
            co_await bhttp::async_write(conn.stream, cont,
                                        asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return false;
        }
        conn.stream.expires_after(options.read_timeout);
        co_await bhttp::async_read(conn.stream, buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec == bhttp::error::body_limit) {
        x.refuse(
            Error(Errc::payload_too_large,
                  fmt::format("The request body exceeds this route's {} bytes.{}", limit, hint)));
        x.keep_alive = false;
        x.body_unread = true;
    } else if (connection_gone(ec) || ec == bhttp::error::partial_message) {
        co_return false;
    } else if (ec) {
        x.refuse(Error(Errc::bad_request, "Malformed HTTP request body: " + ec.message() + "."));
        x.keep_alive = false;
    } else {
        x.req.body = std::move(parser.get().body());
        x.read_ok = true;
    }
    co_return true;
}

// Runs the route for a request read whole; a refused one keeps its refusal and closes.
asio::awaitable<void> Server::Impl::answer(Exchange& x) {
    if (x.read_ok) {
        std::exception_ptr failure;
        try {
            x.resp = co_await dispatch(x.req, std::move(x.match), x.route_label);
        } catch (...) {
            failure = std::current_exception();
        }
        if (failure) x.resp = problem_from_exception(failure, x.req.path, x.req.request_id);
    } else {
        x.keep_alive = false;
    }
    if (stopping) x.keep_alive = false;
    if (x.resp.take_over && stopping) {
        x.refuse(Error(Errc::unavailable, "The server is restarting: connect again.")
                     .with_header("Retry-After", "2"));
        x.keep_alive = false;
    }
}

// An upgrade (the WebSocket): the route answers on the socket itself. True if it took it.
bool Server::Impl::hand_over(Connection& conn, Exchange& x) {
    if (!x.resp.take_over) return false;
    double seconds = x.seconds();
    metrics.observe(method_name(x.req.method), x.route_label, 101, seconds);
    spdlog::info("http.request request_id={} method={} route={} path={} status=101 ms={:.2f}",
                 x.req.request_id, method_name(x.req.method), x.route_label, x.req.path,
                 seconds * 1000);
    conn.stream.expires_never();
    x.resp.take_over(conn.stream.release_socket());
    return true;
}

// The metrics and the access log line. Recorded before the write, so a client that has its
// answer also sees it counted.
void Server::Impl::record(const Exchange& x) {
    const Request& req = x.req;
    const Response& resp = x.resp;
    std::size_t bytes = req.method == Method::head || resp.status == 204 || resp.status == 304
                            ? 0
                            : resp.body_view().size();
    double seconds = x.seconds();
    metrics.observe(method_name(req.method), x.route_label, resp.status, seconds);
    spdlog::info(
        "http.request request_id={} method={} route={} path={} status={} bytes={} ms={:.2f}",
        req.request_id, method_name(req.method), x.route_label, req.path, resp.status, bytes,
        seconds * 1000);
}

asio::awaitable<void> Server::Impl::drain(Connection& conn) {
    // Closing a socket with unread input makes Linux send RST, which can destroy the error
    // response still in flight. Half-close, then read and discard (bounded) until the client
    // closes too.
    boost::system::error_code ec;
    conn.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    conn.stream.expires_after(std::chrono::seconds(2));
    std::array<char, 16384> sink;
    std::size_t total = 0;
    while (!ec && total < kMaxDrainBytes) {
        total += co_await conn.stream.async_read_some(
            asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
    }
}

}  // namespace botflow::http
