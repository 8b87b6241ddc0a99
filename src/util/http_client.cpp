#include "botflow/util/http_client.hpp"

#include <curl/curl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cctype>
#include <mutex>
#include <unordered_map>

#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"

namespace botflow::util {

std::optional<std::string> HttpResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (k == name) return v;
    }
    return std::nullopt;
}

namespace {

using Strand = asio::strand<asio::io_context::executor_type>;
using Deliver = std::function<void(std::exception_ptr, HttpResponse)>;

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One exchange: its easy handle and everything curl points into while it runs.
struct Transfer {
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    HttpRequest request;
    HttpResponse response;
    Deliver deliver;
    char error[CURL_ERROR_SIZE] = {};
    bool too_large = false;
    bool aborted = false;  // on_data said stop
    bool refused = false;  // allow_address said no

    ~Transfer() {
        if (easy) curl_easy_cleanup(easy);
        if (headers) curl_slist_free_all(headers);
    }
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::size_t n = size * count;
    if (t->request.on_data) {
        if (!t->request.on_data(std::string_view(data, n))) {
            t->aborted = true;
            return 0;
        }
        return n;
    }
    if (t->response.body.size() + n > t->request.max_response_bytes) {
        t->too_large = true;
        return 0;
    }
    t->response.body.append(data, n);
    return n;
}

int on_connected(void* user, char* ip, char*, int, int) {
    auto* t = static_cast<Transfer*>(user);
    if (t->request.allow_address(ip)) return CURL_PREREQFUNC_OK;
    t->refused = true;
    return CURL_PREREQFUNC_ABORT;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::size_t n = size * count;
    std::string_view line(data, n);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    if (line.rfind("HTTP/", 0) == 0) {
        t->response.headers.clear();  // a new response (after 100 Continue or a redirect)
        return n;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    std::string name(line.substr(0, colon));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
    }
    t->response.headers.emplace_back(std::move(name), std::string(value));
    return n;
}

}  // namespace

// A socket curl asked us to watch, through a dup'ed descriptor so that closing ours never
// closes curl's. Lives on the strand.
struct SocketWatch {
    SocketWatch(Strand strand, int fd) : descriptor(strand, fd) {}
    asio::posix::stream_descriptor descriptor;
    curl_socket_t socket = CURL_SOCKET_BAD;
    int what = 0;  // CURL_POLL_IN / OUT / INOUT
    bool reading = false, writing = false;
    bool removed = false;
};

struct HttpClient::State : std::enable_shared_from_this<HttpClient::State> {
    State(asio::io_context& io, long max_host_connections)
        : strand(asio::make_strand(io)), timer(strand) {
        global_init();
        multi = curl_multi_init();
        curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &State::socket_callback);
        curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
        curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &State::timer_callback);
        curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
        // Exchanges over the limit wait inside curl for a connection to free up.
        curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max_host_connections);
    }
    ~State() {
        curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, nullptr);
        curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, nullptr);
        for (auto& [easy, t] : transfers) curl_multi_remove_handle(multi, easy);
        transfers.clear();
        sockets.clear();
        curl_multi_cleanup(multi);
    }

    Strand strand;
    asio::steady_timer timer;
    CURLM* multi = nullptr;
    // On the strand:
    std::unordered_map<CURL*, std::unique_ptr<Transfer>> transfers;
    std::unordered_map<curl_socket_t, std::shared_ptr<SocketWatch>> sockets;
    bool stopped = false;
    std::atomic<int> active{0};

    void start(std::unique_ptr<Transfer> t);
    void act(curl_socket_t socket, int events);
    void arm(const std::shared_ptr<SocketWatch>& w);
    void finish_done();
    void fail_all(const std::string& why);

    static int socket_callback(CURL*, curl_socket_t s, int what, void* user, void*) {
        auto* self = static_cast<State*>(user);
        if (what == CURL_POLL_REMOVE) {
            auto it = self->sockets.find(s);
            if (it != self->sockets.end()) {
                it->second->removed = true;
                boost::system::error_code ec;
                it->second->descriptor.cancel(ec);
                self->sockets.erase(it);
            }
            return 0;
        }
        auto it = self->sockets.find(s);
        if (it == self->sockets.end()) {
            int fd = ::dup(s);
            if (fd < 0) return -1;
            try {
                auto watch = std::make_shared<SocketWatch>(self->strand, fd);
                watch->socket = s;
                it = self->sockets.emplace(s, std::move(watch)).first;
            } catch (const std::exception&) {
                ::close(fd);
                return -1;  // never unwind through curl
            }
        }
        auto& w = it->second;
        w->what = what;
        try {
            self->arm(w);
        } catch (const std::exception&) {
            return -1;
        }
        return 0;
    }

    static int timer_callback(CURLM*, long timeout_ms, void* user) {
        auto* self = static_cast<State*>(user);
        self->timer.cancel();
        if (timeout_ms < 0) return 0;
        self->timer.expires_after(std::chrono::milliseconds(timeout_ms));
        std::weak_ptr<State> weak = self->weak_from_this();
        self->timer.async_wait([weak](boost::system::error_code ec) {
            if (ec) return;
            if (auto s = weak.lock()) s->act(CURL_SOCKET_TIMEOUT, 0);
        });
        return 0;
    }
};

// Asio's reactor is edge-triggered: an event that came while no wait was pending is not
// reported again, and curl may leave bytes unread after one socket_action. So after each
// wait is registered, poll() tells whether the socket is ready already.
static bool still_ready(int fd, short events) {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (events | POLLERR | POLLHUP)) != 0;
}

void HttpClient::State::arm(const std::shared_ptr<SocketWatch>& w) {
    auto self = shared_from_this();
    int fd = w->descriptor.native_handle();
    auto on_event = [self, w](int select) {
        self->act(w->socket, select);
        if (!w->removed) self->arm(w);
    };
    bool check_in = false, check_out = false;
    if ((w->what & CURL_POLL_IN) && !w->reading) {
        w->reading = true;
        check_in = true;
        w->descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                                 [w, on_event](boost::system::error_code ec) {
                                     w->reading = false;
                                     if (ec || w->removed) return;
                                     on_event(CURL_CSELECT_IN);
                                 });
    }
    if ((w->what & CURL_POLL_OUT) && !w->writing) {
        w->writing = true;
        check_out = true;
        w->descriptor.async_wait(asio::posix::stream_descriptor::wait_write,
                                 [w, on_event](boost::system::error_code ec) {
                                     w->writing = false;
                                     if (ec || w->removed) return;
                                     on_event(CURL_CSELECT_OUT);
                                 });
    }
    // Only now that the waits are registered: readiness that came before them (or bytes
    // curl left unread) would produce no new edge, so look once and tell curl at once. A
    // second notice when the wait fires as well is harmless (curl finds nothing to do).
    int ready = 0;
    if (check_in && still_ready(fd, POLLIN)) ready |= CURL_CSELECT_IN;
    if (check_out && still_ready(fd, POLLOUT)) ready |= CURL_CSELECT_OUT;
    if (ready) {
        asio::post(strand, [self, w, ready] {
            if (w->removed) return;
            self->act(w->socket, ready);
            if (!w->removed) self->arm(w);
        });
    }
}

void HttpClient::State::act(curl_socket_t socket, int events) {
    int still_running = 0;
    curl_multi_socket_action(multi, socket, events, &still_running);
    finish_done();
}

void HttpClient::State::finish_done() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        CURL* easy = msg->easy_handle;
        CURLcode code = msg->data.result;
        curl_multi_remove_handle(multi, easy);
        auto it = transfers.find(easy);
        if (it == transfers.end()) continue;
        auto t = std::move(it->second);
        transfers.erase(it);
        --active;
        std::exception_ptr error;
        if (code == CURLE_OK) {
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &t->response.status);
        } else {
            std::string why = t->too_large
                                  ? "response larger than " +
                                        std::to_string(t->request.max_response_bytes) + " bytes"
                              : t->aborted  ? "aborted by the receiver"
                              : t->refused  ? "address not allowed"
                              : t->error[0] ? std::string(t->error)
                                            : std::string(curl_easy_strerror(code));
            error = std::make_exception_ptr(
                Error(Errc::upstream_failed, "the remote service could not be reached",
                      t->request.method + " " + t->request.url.substr(0, 200) + ": " + why));
        }
        t->deliver(error, std::move(t->response));
    }
}

void HttpClient::State::fail_all(const std::string& why) {
    std::vector<std::unique_ptr<Transfer>> dropped;
    for (auto& [easy, t] : transfers) {
        curl_multi_remove_handle(multi, easy);
        dropped.push_back(std::move(t));
    }
    transfers.clear();
    active = 0;
    for (auto& t : dropped) {
        t->deliver(std::make_exception_ptr(Error(Errc::upstream_failed,
                                                 "the remote service could not be reached", why)),
                   {});
    }
}

void HttpClient::State::start(std::unique_ptr<Transfer> t) {
    if (stopped) {
        t->deliver(std::make_exception_ptr(Error(Errc::unavailable, "the server is shutting down",
                                                 "http client stopped")),
                   {});
        return;
    }
    CURL* e = curl_easy_init();
    t->easy = e;
    const auto& r = t->request;
    curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connect_timeout.count()));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout.count()));
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
    if (r.allow_address) {
        // Straight to the address checked: a proxy from the environment (http_proxy, ...)
        // would be the address checked and could reach what the check refuses.
        curl_easy_setopt(e, CURLOPT_PROXY, "");
        curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, &on_connected);
        curl_easy_setopt(e, CURLOPT_PREREQDATA, t.get());
    }
    if (r.max_redirects > 0) {
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(e, CURLOPT_MAXREDIRS, static_cast<long>(r.max_redirects));
        curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    }
    if (r.method == "GET") {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (r.method == "POST") {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
    } else {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    }
    if (r.method != "GET" && r.method != "HEAD") {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    }
    if (r.method == "HEAD") curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    for (const auto& h : r.headers) t->headers = curl_slist_append(t->headers, h.c_str());
    t->headers = curl_slist_append(t->headers, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);

    CURLMcode added = curl_multi_add_handle(multi, e);
    if (added != CURLM_OK) {
        t->deliver(std::make_exception_ptr(Error(Errc::upstream_failed,
                                                 "the remote service could not be reached",
                                                 curl_multi_strerror(added))),
                   {});
        return;
    }
    ++active;
    transfers.emplace(e, std::move(t));
}

HttpClient::HttpClient(asio::io_context& io, long max_host_connections)
    : state_(std::make_shared<State>(io, max_host_connections)) {}

HttpClient::~HttpClient() { shutdown(); }

asio::awaitable<HttpResponse> HttpClient::request(HttpRequest request) {
    auto state = state_;
    auto init = [state, &request](auto handler) mutable {
        auto home = asio::make_work_guard(asio::get_associated_executor(handler));
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto t = std::make_unique<Transfer>();
        t->request = std::move(request);
        t->deliver = [shared, home](std::exception_ptr e, HttpResponse r) mutable {
            auto executor = home.get_executor();
            asio::post(executor,
                       [shared, e, r = std::move(r)]() mutable { (*shared)(e, std::move(r)); });
        };
        asio::post(state->strand,
                   [state, t = std::move(t)]() mutable { state->start(std::move(t)); });
    };
    co_return co_await asio::async_initiate<const asio::use_awaitable_t<>,
                                            void(std::exception_ptr, HttpResponse)>(
        std::move(init), asio::use_awaitable);
}

void HttpClient::shutdown() {
    auto state = state_;
    asio::post(state->strand, [state] {
        if (state->stopped) return;
        state->stopped = true;
        state->fail_all("the server is shutting down");
        state->timer.cancel();
    });
}

void HttpClient::stop_now() {
    auto& s = *state_;
    s.stopped = true;
    for (auto& [easy, t] : s.transfers) curl_multi_remove_handle(s.multi, easy);
    s.transfers.clear();
    s.active = 0;
    for (auto& [fd, w] : s.sockets) w->removed = true;
    s.sockets.clear();
    s.timer.cancel();
}

std::uint64_t HttpClient::ticket() noexcept {
    static std::atomic<std::uint64_t> next{1};
    return next.fetch_add(1);
}

void HttpClient::abort(std::uint64_t ticket, std::string why) {
    auto state = state_;
    asio::post(state->strand, [state, ticket, why = std::move(why)] {
        for (auto it = state->transfers.begin(); it != state->transfers.end(); ++it) {
            if (it->second->request.ticket != ticket) continue;
            auto t = std::move(it->second);
            curl_multi_remove_handle(state->multi, it->first);
            state->transfers.erase(it);
            --state->active;
            t->deliver(std::make_exception_ptr(Error(
                           Errc::upstream_failed, "the remote service could not be reached",
                           t->request.method + " " + t->request.url.substr(0, 200) + ": " + why)),
                       {});
            return;
        }
    });
}

int HttpClient::in_flight() const noexcept { return state_->active.load(); }

}  // namespace botflow::util
