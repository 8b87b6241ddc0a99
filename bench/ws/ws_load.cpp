// WebSocket fan-out load for the dashboard feed (GET /api/ws).
//
// Opens K WebSocket connections (paced by --connect-rate), waits until every one has received
// `ready`, then posts M signed webhook deliveries itself (paced by --rate, over a few keep-alive
// HTTP connections). Each delivery's text is "bench <seq> <send time, us since the epoch>"; every
// client checks off each seq it sees in message.created events and records the latency from the
// POST to the frame. Prints connections ok/failed, events expected/received/lost/duplicated and
// latency p50/p99/max, and exits 0 only when every client connected and nothing was lost.
//
//   ws_load --port 8080 --token JWT --secret APP_SECRET --clients 1000 --messages 200
//
// bench/ws.sh builds it and runs it against a throwaway server.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "botflow/core/asio.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::string_view kSubprotocol = "botflow.v1";
constexpr const char* kWebhookPath = "/api/webhook/whatsapp";

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
    std::string host = "127.0.0.1";
    std::string port = "8080";
    std::string path = "/api/ws";
    std::string token;
    std::string secret;
    std::size_t clients = 100;
    std::uint32_t messages = 100;
    double rate = 200;           // deliveries per second
    double connect_rate = 2000;  // new connections per second
    unsigned threads = 1;        // io threads
    unsigned posters = 8;        // keep-alive HTTP connections that post the deliveries
    double drain_seconds = 10;   // wait after the last post for the last events
};

void usage(std::FILE* out) {
    std::fputs(
        "usage: ws_load --token JWT --secret APP_SECRET [options]\n"
        "  --host H            server address (default 127.0.0.1)\n"
        "  --port P            server port (default 8080)\n"
        "  --path P            WebSocket path (default /api/ws)\n"
        "  --token T           bearer token from POST /api/auth/login\n"
        "  --secret S          WHATSAPP_APP_SECRET, to sign the webhook deliveries\n"
        "  --clients K         WebSocket connections (default 100)\n"
        "  --messages M        webhook deliveries, one text message each (default 100)\n"
        "  --rate R            deliveries per second (default 200)\n"
        "  --connect-rate C    new connections per second (default 2000)\n"
        "  --threads N         io threads (default 1)\n"
        "  --posters N         keep-alive HTTP connections posting deliveries (default 8)\n"
        "  --drain S           seconds to wait for events after the last post (default 10)\n",
        out);
}

std::optional<Options> parse_options(int argc, char** argv) {
    Options o;
    try {
        for (int i = 1; i < argc; ++i) {
            std::string_view name = argv[i];
            if (name == "-h" || name == "--help") {
                usage(stdout);
                std::exit(0);
            }
            if (i + 1 >= argc) throw std::invalid_argument(std::string(name) + " needs a value");
            std::string value = argv[++i];
            if (name == "--host") {
                o.host = value;
            } else if (name == "--port") {
                o.port = value;
            } else if (name == "--path") {
                o.path = value;
            } else if (name == "--token") {
                o.token = value;
            } else if (name == "--secret") {
                o.secret = value;
            } else if (name == "--clients") {
                o.clients = std::stoul(value);
            } else if (name == "--messages") {
                o.messages = static_cast<std::uint32_t>(std::stoul(value));
            } else if (name == "--rate") {
                o.rate = std::stod(value);
            } else if (name == "--connect-rate") {
                o.connect_rate = std::stod(value);
            } else if (name == "--threads") {
                o.threads = static_cast<unsigned>(std::stoul(value));
            } else if (name == "--posters") {
                o.posters = static_cast<unsigned>(std::stoul(value));
            } else if (name == "--drain") {
                o.drain_seconds = std::stod(value);
            } else {
                throw std::invalid_argument("unknown option " + std::string(name));
            }
        }
        if (o.token.empty()) throw std::invalid_argument("--token is required");
        if (o.secret.empty()) throw std::invalid_argument("--secret is required");
        if (o.clients == 0 || o.messages == 0) {
            throw std::invalid_argument("--clients and --messages must be at least 1");
        }
        if (o.rate <= 0 || o.connect_rate <= 0) {
            throw std::invalid_argument("--rate and --connect-rate must be positive");
        }
        if (o.threads == 0 || o.posters == 0) {
            throw std::invalid_argument("--threads and --posters must be at least 1");
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ws_load: %s\n", e.what());
        usage(stderr);
        return std::nullopt;
    }
    return o;
}

// ---------------------------------------------------------------------------------------------
// Helpers

std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

Clock::duration seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

auto redirect(beast::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

asio::awaitable<void> sleep_until(Clock::time_point t) {
    asio::steady_timer timer(co_await asio::this_coro::executor, t);
    beast::error_code ec;
    co_await timer.async_wait(redirect(ec));
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(2 * len, '0');
    for (unsigned int i = 0; i < len; ++i) {
        out[2 * i] = kHex[md[i] >> 4];
        out[2 * i + 1] = kHex[md[i] & 0xf];
    }
    return out;
}

// Raises the soft open-file limit to the hard one; warns when it is still below what we need.
void raise_open_files(std::size_t want) {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    if (rl.rlim_cur < rl.rlim_max) {
        rlimit raised = rl;
        raised.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        std::fprintf(stderr,
                     "ws_load: warning: the open-file limit is %llu, below the %zu this run needs "
                     "(raise ulimit -n)\n",
                     static_cast<unsigned long long>(rl.rlim_cur), want);
    }
}

double peak_rss_mib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
    }
    return 0;
}

// ---------------------------------------------------------------------------------------------
// "bench <seq> <sent_us>"
bool parse_content(std::string_view text, std::uint32_t& seq, std::int64_t& sent_us) {
    constexpr std::string_view kPrefix = "bench ";
    if (!text.starts_with(kPrefix)) return false;
    const char* p = text.data() + kPrefix.size();
    const char* end = text.data() + text.size();
    auto r = std::from_chars(p, end, seq);
    if (r.ec != std::errc() || r.ptr == end || *r.ptr != ' ') return false;
    auto r2 = std::from_chars(r.ptr + 1, end, sent_us);
    return r2.ec == std::errc() && r2.ptr == end;
}

// ---------------------------------------------------------------------------------------------
// Shared state

struct Stats {
    // Connections.
    std::atomic<std::size_t> ready{0};
    std::atomic<std::size_t> connect_failed{0};
    std::atomic<std::size_t> handshake_failed{0};
    std::atomic<std::size_t> bad_subprotocol{0};
    std::atomic<std::size_t> closed_before_ready{0};
    std::atomic<std::size_t> dropped{0};  // closed by the server after `ready`
    // Events.
    std::atomic<std::uint64_t> received{0};      // our message.created events, duplicates too
    std::atomic<std::uint64_t> unique{0};        // first sightings of (client, seq)
    std::atomic<std::uint64_t> duplicated{0};    // later sightings
    std::atomic<std::uint64_t> other_frames{0};  // other event types, others' messages
    std::atomic<std::uint64_t> bad_frames{0};    // not JSON
    // Deliveries.
    std::atomic<std::uint32_t> next_seq{0};
    std::atomic<std::uint32_t> posts_ok{0};
    std::atomic<std::uint32_t> posts_failed{0};

    std::atomic<bool> stopping{false};

    // Latency of each first sighting, microseconds; never more than clients * messages.
    std::unique_ptr<std::uint32_t[]> latency_us;
    std::atomic<std::uint64_t> latency_count{0};

    std::mutex mu;
    std::map<std::string, std::string> first_error;  // what -> first message

    std::size_t settled() const {
        return ready + connect_failed + handshake_failed + bad_subprotocol + closed_before_ready;
    }

    void note(const std::string& what, const std::string& message) {
        std::lock_guard lock(mu);
        first_error.try_emplace(what, message);
    }
};

struct Client {
    enum class State : std::uint8_t { connecting, open, ready, done };

    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buffer;
    int fd = -1;          // after `ready`: the socket, read by a Reader
    std::string pending;  // a Reader's bytes of an incomplete frame
    std::vector<bool> seen;
    State state = State::connecting;

    Client(const asio::strand<asio::io_context::executor_type>& ex, std::uint32_t messages)
        : ws(ex), seen(messages) {}
};

struct Bench {
    Options opt;
    asio::io_context& ioc;
    tcp::endpoint endpoint;
    std::string host_header;  // host:port
    std::string protocols;    // Sec-WebSocket-Protocol offer
    std::string run_tag;      // keeps wamids unique across runs against one server
    std::vector<std::unique_ptr<Client>> clients;
    Stats stats;

    Clock::time_point post_start{};
    double connect_seconds = 0;
    double post_seconds = 0;
    double drain_seconds = 0;
    std::size_t not_ready_in_time = 0;

    // After `ready`, each socket is read by one of these epoll loops (one per --threads).
    std::vector<int> epolls;
    std::atomic<std::size_t> next_epoll{0};

    Bench(Options o, asio::io_context& io) : opt(std::move(o)), ioc(io) {}
};

// ---------------------------------------------------------------------------------------------
// WebSocket clients

void on_frame(Bench& b, Client& c, std::string_view text) {
    auto& s = b.stats;
    if (c.state != Client::State::ready) {
        // Until `ready`, every frame is parsed: the first one must be it.
        auto j = nlohmann::json::parse(text, nullptr, false);
        if (j.is_discarded() || !j.is_object()) {
            ++s.bad_frames;
        } else if (j.value("type", "") == "ready") {
            c.state = Client::State::ready;
            ++s.ready;
        } else {
            ++s.other_frames;
        }
        return;
    }
    // The tool shares the server's cores, so what it spends per frame inflates the latency it
    // measures: events are recognised by their serialised form (the server's envelope is
    // compact JSON and the bench text needs no escaping) instead of being parsed.
    if (text.size() < 2 || text.front() != '{' || text.back() != '}') {
        ++s.bad_frames;
        return;
    }
    constexpr std::string_view kType = "\"type\":\"message.created\"";
    constexpr std::string_view kContent = "\"content\":\"";
    auto content_at = text.find(kContent);
    if (text.find(kType) == std::string_view::npos || content_at == std::string_view::npos) {
        ++s.other_frames;
        return;
    }
    auto content = text.substr(content_at + kContent.size());
    content = content.substr(0, content.find('"'));
    std::uint32_t seq = 0;
    std::int64_t sent = 0;
    if (!parse_content(content, seq, sent) || seq >= b.opt.messages) {
        ++s.other_frames;
        return;
    }
    auto latency = std::clamp<std::int64_t>(now_us() - sent, 0, UINT32_MAX);
    ++s.received;
    if (c.seen[seq]) {
        ++s.duplicated;
        return;
    }
    c.seen[seq] = true;
    auto i = s.latency_count.fetch_add(1, std::memory_order_relaxed);
    s.latency_us[i] = static_cast<std::uint32_t>(latency);
    ++s.unique;
}

// Connects and upgrades; false (counted) on failure. Separate so the handshake response does not
// stay in the read loop's frame.
asio::awaitable<bool> open_client(Bench& b, Client& c) {
    auto& s = b.stats;
    beast::error_code ec;
    auto& lowest = beast::get_lowest_layer(c.ws);
    lowest.expires_after(10s);
    co_await lowest.async_connect(b.endpoint, redirect(ec));
    if (ec) {
        ++s.connect_failed;
        s.note("connect", ec.message());
        co_return false;
    }
    lowest.expires_never();  // the WebSocket stream keeps its own timeouts
    lowest.socket().set_option(tcp::no_delay(true), ec);

    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = 20s;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    c.ws.set_option(timeouts);
    c.ws.set_option(websocket::stream_base::decorator([&b](websocket::request_type& req) {
        req.set(http::field::sec_websocket_protocol, b.protocols);
        req.set(http::field::user_agent, "botflow-ws-load");
    }));

    websocket::response_type res;
    co_await c.ws.async_handshake(res, b.host_header, b.opt.path, redirect(ec));
    if (ec) {
        ++s.handshake_failed;
        s.note("handshake", ec.message() + " (HTTP " + std::to_string(res.result_int()) + ")");
        lowest.close();
        co_return false;
    }
    auto selected = res[http::field::sec_websocket_protocol];
    if (std::string_view(selected.data(), selected.size()) != kSubprotocol) {
        // A browser fails the connection when the server selects none of the offered protocols.
        ++s.bad_subprotocol;
        s.note("subprotocol",
               "server selected \"" + std::string(selected.data(), selected.size()) + "\"");
        lowest.close();
        co_return false;
    }
    co_return true;
}

asio::awaitable<void> run_client(Bench& b, Client& c) {
    auto& s = b.stats;
    if (!co_await open_client(b, c)) {
        c.state = Client::State::done;
        co_return;
    }
    c.state = Client::State::open;
    beast::error_code ec;
    for (;;) {
        co_await c.ws.async_read(c.buffer, redirect(ec));
        if (ec) break;
        auto data = c.buffer.data();
        on_frame(b, c, std::string_view(static_cast<const char*>(data.data()), data.size()));
        c.buffer.consume(c.buffer.size());
        if (c.state == Client::State::ready) {
            // The server sends nothing after `ready` until the deliveries start, so Beast holds
            // no unread bytes: the socket goes to a Reader, which costs the shared cores far
            // less per frame than a composed read operation does.
            c.fd = beast::get_lowest_layer(c.ws).socket().release(ec);
            if (ec) break;
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.ptr = &c;
            auto ep = b.epolls[b.next_epoll++ % b.epolls.size()];
            if (epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev) != 0) {
                ++s.dropped;
                s.note("dropped after ready", "epoll_ctl failed");
                c.state = Client::State::done;
            }
            co_return;
        }
    }
    if (s.stopping) co_return;
    std::string why = ec.message();
    if (ec == websocket::error::closed) {
        const auto& reason = c.ws.reason();
        why = "closed by the server, code " + std::to_string(static_cast<int>(reason.code)) +
              " \"" + std::string(reason.reason.data(), reason.reason.size()) + "\"";
    }
    if (c.state == Client::State::ready) {
        ++s.dropped;
        s.note("dropped after ready", why);
    } else {
        ++s.closed_before_ready;
        s.note("closed before ready", why);
    }
    c.state = Client::State::done;
}

// Handles the complete frames at the front of c.pending; false when the connection must end
// (a close frame, or a frame a server may not send).
bool take_frames(Bench& b, Client& c) {
    std::size_t at = 0;
    auto& in = c.pending;
    for (;;) {
        if (in.size() - at < 2) break;
        auto b0 = static_cast<unsigned char>(in[at]);
        auto b1 = static_cast<unsigned char>(in[at + 1]);
        if (b1 & 0x80) return false;  // servers never mask
        std::size_t header = 2;
        std::uint64_t length = b1 & 0x7f;
        if (length == 126 || length == 127) {
            std::size_t extra = length == 126 ? 2 : 8;
            if (in.size() - at < 2 + extra) break;
            length = 0;
            for (std::size_t i = 0; i < extra; ++i) {
                length = (length << 8) | static_cast<unsigned char>(in[at + 2 + i]);
            }
            header += extra;
        }
        if (in.size() - at < header + length) break;
        std::string_view payload(in.data() + at + header, length);
        at += header + length;
        unsigned opcode = b0 & 0x0f;
        if (opcode == 0x1 && (b0 & 0x80)) {
            on_frame(b, c, payload);
        } else if (opcode == 0x9) {
            // Ping: a masked pong with the same payload (a zero mask leaves it as it is).
            std::string pong;
            pong += static_cast<char>(0x8a);
            pong += static_cast<char>(0x80 | payload.size());
            pong.append(4, '\0');
            pong.append(payload);
            if (::send(c.fd, pong.data(), pong.size(), MSG_NOSIGNAL) < 0) return false;
        } else if (opcode == 0x8) {
            auto& s = b.stats;
            std::string why = "closed by the server";
            if (payload.size() >= 2) {
                why += ", code " +
                       std::to_string((static_cast<unsigned char>(payload[0]) << 8) |
                                      static_cast<unsigned char>(payload[1])) +
                       " \"" + std::string(payload.substr(2)) + "\"";
            }
            ++s.dropped;
            s.note("dropped after ready", why);
            return false;
        } else if (opcode != 0xa) {
            ++b.stats.bad_frames;  // fragments: the feed sends none
        }
    }
    in.erase(0, at);
    return true;
}

// One epoll loop over its share of the ready sockets, until the run stops.
void run_reader(Bench& b, int ep) {
    std::vector<epoll_event> events(512);
    char chunk[16384];
    while (!b.stats.stopping) {
        int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 50);
        for (int i = 0; i < n; ++i) {
            auto& c = *static_cast<Client*>(events[i].data.ptr);
            if (c.state == Client::State::done) continue;
            bool open = true;
            for (;;) {
                auto got = ::recv(c.fd, chunk, sizeof chunk, MSG_DONTWAIT);
                if (got > 0) {
                    c.pending.append(chunk, static_cast<std::size_t>(got));
                    if (static_cast<std::size_t>(got) < sizeof chunk) break;
                    continue;
                }
                if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
                if (got < 0 && errno == EINTR) continue;
                if (!b.stats.stopping) {
                    ++b.stats.dropped;
                    b.stats.note("dropped after ready",
                                 got == 0 ? "connection closed" : std::strerror(errno));
                }
                open = false;
                break;
            }
            if (open) open = take_frames(b, c);
            if (!open) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
                c.state = Client::State::done;
            }
        }
    }
}

// Starts the clients at --connect-rate, each on its own strand.
asio::awaitable<void> run_connector(Bench& b) {
    auto start = Clock::now();
    for (std::size_t i = 0; i < b.opt.clients; ++i) {
        auto due = start + seconds(static_cast<double>(i) / b.opt.connect_rate);
        if (due > Clock::now()) co_await sleep_until(due);
        auto strand = asio::make_strand(b.ioc);
        b.clients[i] = std::make_unique<Client>(strand, b.opt.messages);
        asio::co_spawn(strand, run_client(b, *b.clients[i]), asio::detached);
    }
}

// ---------------------------------------------------------------------------------------------
// Webhook deliveries

std::string delivery(const Bench& b, std::uint32_t seq, std::int64_t sent_us) {
    char customer[16];
    std::snprintf(customer, sizeof customer, "3470%07u", seq % 1000);
    auto n = std::to_string(seq);
    auto unix_seconds = std::to_string(sent_us / 1000000);
    std::string body;
    body.reserve(640);
    body +=
        R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages",)"
        R"("value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",)"
        R"("phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"WS bench )";
    body += std::to_string(seq % 1000);
    body += R"("},"wa_id":")";
    body += customer;
    body += R"("}],"messages":[{"from":")";
    body += customer;
    body += R"(","id":"wamid.wsbench.)";
    body += b.run_tag;
    body += '.';
    body += n;
    body += R"(","timestamp":")";
    body += unix_seconds;
    body += R"(","type":"text","text":{"body":"bench )";
    body += n;
    body += ' ';
    body += std::to_string(sent_us);
    body += R"("}}]}}]}]})";
    return body;
}

// One keep-alive connection; posters share the sequence and its schedule (seq / rate after the
// start), so together they post at --rate and fall behind only when the server does.
asio::awaitable<void> run_poster(Bench& b) {
    auto& s = b.stats;
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    beast::flat_buffer buffer;
    bool connected = false;
    beast::error_code ec;
    for (;;) {
        std::uint32_t seq = s.next_seq.fetch_add(1);
        if (seq >= b.opt.messages) break;
        auto due = b.post_start + seconds(static_cast<double>(seq) / b.opt.rate);
        if (due > Clock::now()) co_await sleep_until(due);

        http::request<http::string_body> req{http::verb::post, kWebhookPath, 11};
        req.set(http::field::host, b.host_header);
        req.set(http::field::content_type, "application/json");
        req.set(http::field::user_agent, "botflow-ws-load");
        req.body() = delivery(b, seq, now_us());
        req.set("X-Hub-Signature-256", "sha256=" + hmac_sha256_hex(b.opt.secret, req.body()));
        req.keep_alive(true);
        req.prepare_payload();

        // Transport errors are retried on a fresh connection (the wamid makes a retry harmless);
        // an answer other than 200 is not.
        bool ok = false;
        std::string error;
        for (int attempt = 0; attempt < 3; ++attempt) {
            if (!connected) {
                stream.expires_after(10s);
                co_await stream.async_connect(b.endpoint, redirect(ec));
                if (ec) {
                    error = "connect: " + ec.message();
                    stream.close();
                    continue;
                }
                stream.socket().set_option(tcp::no_delay(true), ec);
                connected = true;
                buffer.clear();
            }
            http::response<http::string_body> res;
            stream.expires_after(30s);
            co_await http::async_write(stream, req, redirect(ec));
            if (!ec) co_await http::async_read(stream, buffer, res, redirect(ec));
            if (ec) {
                error = ec.message();
                stream.close();
                connected = false;
                continue;
            }
            if (!res.keep_alive()) {
                stream.close();
                connected = false;
            }
            if (res.result_int() == 200) {
                ok = true;
            } else {
                error =
                    "HTTP " + std::to_string(res.result_int()) + ": " + res.body().substr(0, 200);
            }
            break;
        }
        if (ok) {
            ++s.posts_ok;
        } else {
            ++s.posts_failed;
            s.note("post", error);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The run

asio::awaitable<void> run_bench(Bench& b) {
    auto& s = b.stats;
    const auto& o = b.opt;

    std::fprintf(stderr, "ws_load: connecting %zu clients at %.0f/s\n", o.clients, o.connect_rate);
    auto start = Clock::now();
    asio::co_spawn(asio::make_strand(b.ioc), run_connector(b), asio::detached);
    // Connect and handshake time out by themselves; this catches servers that never send `ready`.
    auto deadline = start + seconds(static_cast<double>(o.clients) / o.connect_rate + 40);
    while (s.settled() < o.clients && Clock::now() < deadline) {
        co_await sleep_until(Clock::now() + 20ms);
    }
    b.connect_seconds = seconds_since(start);
    b.not_ready_in_time = o.clients - std::min(o.clients, s.settled());
    std::size_t ready = s.ready;
    std::fprintf(stderr, "ws_load: %zu of %zu ready after %.2f s\n", ready, o.clients,
                 b.connect_seconds);

    if (ready > 0) {
        std::fprintf(stderr, "ws_load: posting %u deliveries at %.0f/s over %u connections\n",
                     o.messages, o.rate, o.posters);
        b.post_start = Clock::now();
        for (unsigned i = 0; i < o.posters; ++i) {
            asio::co_spawn(asio::make_strand(b.ioc), run_poster(b), asio::detached);
        }
        while (s.posts_ok + s.posts_failed < o.messages) {
            co_await sleep_until(Clock::now() + 5ms);
        }
        b.post_seconds = seconds_since(b.post_start);

        auto drain_start = Clock::now();
        auto drain_deadline = drain_start + seconds(o.drain_seconds);
        while (s.unique < static_cast<std::uint64_t>(s.ready) * o.messages &&
               Clock::now() < drain_deadline) {
            co_await sleep_until(Clock::now() + 5ms);
        }
        b.drain_seconds = seconds_since(drain_start);
    }
    s.stopping = true;
    b.ioc.stop();
}

double percentile_ms(const std::vector<std::uint32_t>& sorted, double p) {
    if (sorted.empty()) return 0;
    auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1] / 1000.0;
}

int report(Bench& b) {
    auto& s = b.stats;
    const auto& o = b.opt;
    std::size_t ok = s.ready;
    std::size_t failed = o.clients - ok;
    std::uint64_t expected = static_cast<std::uint64_t>(o.clients) * o.messages;
    std::uint64_t unique = s.unique;
    std::uint64_t lost = expected - unique;

    const std::uint32_t* first = s.latency_us.get();
    std::vector<std::uint32_t> lat(first, first + s.latency_count.load());
    std::sort(lat.begin(), lat.end());

    std::printf(
        "connections: %zu ok, %zu failed (connect %zu, handshake %zu, subprotocol %zu, closed "
        "before ready %zu, no ready in time %zu); %zu dropped after ready; connect phase %.2f s\n",
        ok, failed, s.connect_failed.load(), s.handshake_failed.load(), s.bad_subprotocol.load(),
        s.closed_before_ready.load(), b.not_ready_in_time, s.dropped.load(), b.connect_seconds);
    std::printf("posts: %u ok, %u failed in %.2f s (%.0f/s, target %.0f/s, %u connections)\n",
                s.posts_ok.load(), s.posts_failed.load(), b.post_seconds,
                b.post_seconds > 0 ? (s.posts_ok + s.posts_failed) / b.post_seconds : 0.0, o.rate,
                o.posters);
    std::printf(
        "events: expected %llu (%zu x %u), received %llu, lost %llu, duplicated %llu; "
        "other frames %llu, bad frames %llu; drain %.2f s\n",
        static_cast<unsigned long long>(expected), o.clients, o.messages,
        static_cast<unsigned long long>(s.received.load()), static_cast<unsigned long long>(lost),
        static_cast<unsigned long long>(s.duplicated.load()),
        static_cast<unsigned long long>(s.other_frames.load()),
        static_cast<unsigned long long>(s.bad_frames.load()), b.drain_seconds);
    if (failed > 0 && lost > 0) {
        std::printf("  (connections that failed account for %llu of the lost)\n",
                    static_cast<unsigned long long>(failed) * o.messages);
    }
    std::printf("latency (POST sent -> event received): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                percentile_ms(lat, 0.50), percentile_ms(lat, 0.99),
                lat.empty() ? 0.0 : lat.back() / 1000.0);
    std::printf("client: %u io thread(s), peak RSS %.0f MiB\n", o.threads, peak_rss_mib());
    for (const auto& [what, message] : s.first_error) {
        std::printf("first error (%s): %s\n", what.c_str(), message.c_str());
    }
    bool pass = failed == 0 && lost == 0;
    std::printf("result: %s\n", pass ? "PASS" : "FAIL");
    return pass ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    auto opt = parse_options(argc, argv);
    if (!opt) return 2;
    raise_open_files(opt->clients + opt->posters + 64);

    asio::io_context ioc(static_cast<int>(opt->threads));
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(opt->host, opt->port, ec);
    if (ec || results.empty()) {
        std::fprintf(stderr, "ws_load: cannot resolve %s:%s: %s\n", opt->host.c_str(),
                     opt->port.c_str(), ec.message().c_str());
        return 2;
    }

    auto bench = std::make_unique<Bench>(*opt, ioc);
    Bench& b = *bench;
    b.endpoint = results.begin()->endpoint();
    b.host_header = opt->host + ":" + opt->port;
    b.protocols = std::string(kSubprotocol) + ", bearer." + opt->token;
    b.run_tag = std::to_string(now_us());
    b.clients.resize(opt->clients);
    b.stats.latency_us = std::make_unique_for_overwrite<std::uint32_t[]>(
        static_cast<std::size_t>(opt->clients) * opt->messages);

    std::vector<std::thread> readers;
    for (unsigned i = 0; i < opt->threads; ++i) {
        b.epolls.push_back(epoll_create1(EPOLL_CLOEXEC));
        readers.emplace_back([&b, ep = b.epolls.back()] { run_reader(b, ep); });
    }
    asio::co_spawn(asio::make_strand(ioc), run_bench(b), asio::detached);
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < opt->threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : threads) t.join();
    for (auto& t : readers) t.join();

    int rc = report(b);
    std::fflush(stdout);
    std::fflush(stderr);
    // Leave without tearing down: the kernel closes the K sockets at once, instead of K close
    // handshakes, and no coroutine frame outlives the client it refers to.
    std::_Exit(rc);
}
