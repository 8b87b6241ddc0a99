#include "botflow/ai/llm.hpp"

#include <cmath>
#include <map>
#include <random>

#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/util/http_client.hpp"
#include "llm_wire.hpp"

namespace botflow::ai {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

}  // namespace

// --- circuit breaker ---------------------------------------------------------------------

bool CircuitBreaker::allow(Clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (!open_until_) return true;
    if (now < *open_until_) return false;
    // One trial call at a time; a trial that never reported back frees the slot after
    // another cooldown.
    if (trial_ && now < trial_started_ + cooldown_) return false;
    trial_ = true;
    trial_started_ = now;
    return true;
}

void CircuitBreaker::success() {
    std::lock_guard lock(mutex_);
    failures_ = 0;
    open_until_.reset();
    trial_ = false;
}

void CircuitBreaker::failure(Clock::time_point now) {
    std::lock_guard lock(mutex_);
    ++failures_;
    trial_ = false;
    if (failures_ >= threshold_) open_until_ = now + cooldown_;
}

bool CircuitBreaker::open(Clock::time_point now) const {
    std::lock_guard lock(mutex_);
    return open_until_ && now < *open_until_;
}

// --- the client ----------------------------------------------------------------------------

struct LlmClient::State {
    explicit State(util::HttpClient& http) : http(http) {}
    util::HttpClient& http;
    CircuitBreaker breaker{5, std::chrono::seconds(30)};
    std::mutex mutex;
    struct Prices {
        Clock::time_point fetched;
        std::map<std::string, ModelPrice> by_model;
    };
    std::map<std::string, Prices> prices;  // by base URL
};

namespace {

// What one streamed exchange has seen so far; shared by the body callback (HTTP strand) and
// the watchdog (caller's executor).
struct Progress {
    std::mutex mutex;
    SseParser parser;
    StreamAccumulator acc;
    std::string raw;  // the first bytes, for an error body or an unstreamed answer
    bool events = false;
    std::optional<Clock::time_point> first_token;
    Clock::time_point last_activity = Clock::now();
    std::optional<LlmError> stream_error;
    std::optional<Clock::time_point> alive;  // the first answer or reasoning text
    bool complete = false;                   // [DONE] arrived
    std::string timed_out;
    bool finished = false;
    OnText on_text;
};

asio::awaitable<void> watchdog(util::HttpClient& http, std::uint64_t ticket,
                               std::shared_ptr<Progress> p, std::shared_ptr<asio::steady_timer> t,
                               Clock::time_point started, milliseconds first_token,
                               milliseconds idle) {
    for (;;) {
        Clock::time_point deadline;
        std::string why;
        {
            std::lock_guard lock(p->mutex);
            if (p->finished) co_return;
            if (!p->alive) {
                deadline = started + first_token;
                why = "no answer within " + std::to_string(first_token.count() / 1000) + " s";
            } else {
                deadline = p->last_activity + idle;
                why = "the answer stalled for " + std::to_string(idle.count() / 1000) + " s";
            }
            if (Clock::now() >= deadline) {
                p->timed_out = why;
                http.abort(ticket, why);
                co_return;
            }
        }
        t->expires_at(deadline);
        boost::system::error_code ec;
        co_await t->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

milliseconds since(Clock::time_point t) {
    return std::chrono::duration_cast<milliseconds>(Clock::now() - t);
}

// The POST /chat/completions for `model` (with OpenRouter's fallbacks and extras).
util::HttpRequest completion_request(util::HttpClient& http, const LlmEndpoint& ep,
                                     const ChatRequest& req, const std::string& model,
                                     const std::vector<std::string>& fallbacks,
                                     milliseconds budget) {
    util::HttpRequest hr;
    hr.method = "POST";
    hr.url = ep.base_url + "/chat/completions";
    // Local servers ignore the key; sending one is harmless (and some want any value).
    hr.headers = {
        std::string("Content-Type: application/json"),
        std::string(req.stream ? "Accept: text/event-stream" : "Accept: application/json"),
        "Authorization: Bearer " +
            (ep.api_key.empty() ? std::string("none") : ep.api_key.reveal())};
    if (ep.openrouter) {
        if (!ep.referer.empty()) hr.headers.push_back("HTTP-Referer: " + ep.referer);
        if (!ep.title.empty()) {
            hr.headers.push_back("X-OpenRouter-Title: " + ep.title);
            hr.headers.push_back("X-Title: " + ep.title);
        }
    }
    hr.body = request_body(req, model, fallbacks, ep.openrouter);
    hr.connect_timeout = ep.connect_timeout;
    hr.timeout = budget;
    hr.max_response_bytes = 4u << 20;
    hr.ticket = http.ticket();
    return hr;
}

// Takes a piece of the response body; false stops the transfer. Runs inside libcurl's write
// callback: nothing may be thrown through it.
bool take_bytes(Progress& p, bool stream, std::string_view bytes) {
    std::lock_guard lock(p.mutex);
    p.last_activity = Clock::now();
    if (p.raw.size() < (1u << 20)) p.raw.append(bytes.substr(0, (1u << 20) - p.raw.size()));
    if (!stream) return true;
    try {
        for (auto& payload : p.parser.feed(bytes)) {
            p.events = true;
            auto added = p.acc.apply(payload);
            if (!p.alive && (!added.empty() || p.acc.thinking())) p.alive = Clock::now();
            if (!added.empty()) {
                if (!p.first_token) p.first_token = Clock::now();
                if (p.on_text) p.on_text(p.acc.text());
            }
            if (p.acc.done()) {
                // [DONE]: the answer is complete even if the server keeps the connection.
                p.complete = true;
                return false;
            }
        }
    } catch (const LlmFailure& f) {
        p.stream_error = f.error();
        return false;
    } catch (const std::exception& e) {
        LlmError err;
        err.http_status = 200;
        err.retryable = true;
        err.message = std::string("reading the stream failed: ") + e.what();
        err.reason = reason_for(err);
        p.stream_error = err;
        return false;
    }
    return true;
}

// The failure when no response came: a watchdog's timeout, else the transport's error.
LlmFailure no_response(const Progress& p, const std::string& transport) {
    LlmError e;
    e.retryable = true;
    e.message = p.timed_out.empty() ? transport : p.timed_out;
    e.reason = p.timed_out.empty() ? reason_for(e) : "The AI service sent " + p.timed_out + ".";
    return LlmFailure(std::move(e), 1);
}

LlmFailure empty_answer(const ChatResult& result) {
    LlmError e;
    e.http_status = 200;
    e.retryable = true;
    e.message = "the model returned an empty answer (finish_reason " +
                (result.finish_reason.empty() ? std::string("none") : result.finish_reason) + ")";
    e.reason = reason_for(e);
    return LlmFailure(std::move(e), 1);
}

// The answer of a finished exchange, or the LlmFailure it ended with.
ChatResult read_answer(Progress& p, std::optional<util::HttpResponse> response,
                       const std::string& transport, bool stream, const std::string& model,
                       Clock::time_point started) {
    std::lock_guard lock(p.mutex);
    if (p.stream_error) throw LlmFailure(*p.stream_error, 1);
    if (!response && p.complete) {
        response.emplace();
        response->status = 200;  // we stopped reading after [DONE]
    }
    if (!response) throw no_response(p, transport);
    if (response->status != 200) {
        throw LlmFailure(classify_error(response->status, p.raw, response->header("retry-after"),
                                        response->header("retry-after-ms")),
                         1);
    }
    ChatResult result;
    if (stream) {
        if (auto last = p.parser.finish()) {
            p.events = true;
            p.acc.apply(*last);  // may throw LlmFailure
        }
    }
    if (stream && p.events) {
        result = std::move(p.acc.result());
    } else {
        result = parse_completion(p.raw);  // also a server that ignored "stream"
        if (p.on_text && !result.text.empty()) p.on_text(result.text);
    }
    if (result.model.empty()) result.model = model;
    result.total = since(started);
    result.first_token = p.first_token
                             ? std::chrono::duration_cast<milliseconds>(*p.first_token - started)
                             : result.total;
    bool blank = result.text.find_first_not_of(" \t\r\n") == std::string::npos;
    if (blank) throw empty_answer(result);
    return result;
}

// One HTTP call for `model` (with OpenRouter's fallbacks). Throws LlmFailure.
asio::awaitable<ChatResult> attempt(util::HttpClient& http, const LlmEndpoint& ep,
                                    const ChatRequest& req, std::string model,
                                    std::vector<std::string> fallbacks, OnText on_text,
                                    milliseconds budget) {
    util::HttpRequest hr = completion_request(http, ep, req, model, fallbacks, budget);
    auto p = std::make_shared<Progress>();
    p->on_text = std::move(on_text);
    bool stream = req.stream;
    hr.on_data = [p, stream](std::string_view bytes) { return take_bytes(*p, stream, bytes); };

    auto started = Clock::now();
    auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
    auto first_limit = stream ? ep.first_token_timeout : budget;
    asio::co_spawn(timer->get_executor(),
                   watchdog(http, hr.ticket, p, timer, started, first_limit, ep.idle_timeout),
                   asio::detached);
    std::optional<util::HttpResponse> response;
    std::string transport;
    try {
        response = co_await http.request(std::move(hr));
    } catch (const Error& e) {
        transport = e.cause();
    }
    {
        std::lock_guard lock(p->mutex);
        p->finished = true;
    }
    timer->cancel();
    co_return read_answer(*p, std::move(response), transport, stream, model, started);
}

asio::awaitable<std::optional<ModelPrice>> price_of(LlmClient::State& s, const LlmEndpoint& ep,
                                                    const std::string& model) {
    {
        std::lock_guard lock(s.mutex);
        auto it = s.prices.find(ep.base_url);
        if (it != s.prices.end() && since(it->second.fetched) < std::chrono::hours(1)) {
            auto m = it->second.by_model.find(model);
            if (m == it->second.by_model.end()) co_return std::nullopt;
            co_return m->second;
        }
    }
    util::HttpRequest hr;
    hr.url = ep.base_url + "/models";
    hr.headers.push_back("Authorization: Bearer " +
                         (ep.api_key.empty() ? std::string("none") : ep.api_key.reveal()));
    hr.timeout = std::chrono::seconds(10);
    LlmClient::State::Prices fresh;
    fresh.fetched = Clock::now();
    try {
        auto r = co_await s.http.request(std::move(hr));
        if (r.status == 200) {
            for (auto& [id, price] : parse_prices(r.body)) fresh.by_model[id] = price;
        }
    } catch (const Error& e) {
        spdlog::debug("llm.prices_unavailable cause=\"{}\"", e.cause());
    }
    std::lock_guard lock(s.mutex);
    auto found = fresh.by_model.find(model);
    std::optional<ModelPrice> out;
    if (found != fresh.by_model.end()) out = found->second;
    s.prices[ep.base_url] = std::move(fresh);
    co_return out;
}

LlmFailure circuit_open_failure() {
    LlmError e;
    e.retryable = false;
    e.message = "circuit open";
    e.reason =
        "The AI service failed several times in a row; calls pause for 30 seconds before "
        "trying again.";
    return LlmFailure(std::move(e), 0);
}

// The calls to make, each a model with the fallbacks sent along with it.
std::vector<std::pair<std::string, std::vector<std::string>>> call_plan(const LlmEndpoint& ep,
                                                                        const ChatRequest& req) {
    // OpenRouter falls back between models itself (one call with `models`); elsewhere each
    // model is its own call.
    std::vector<std::pair<std::string, std::vector<std::string>>> plan;
    if (ep.openrouter) {
        plan.emplace_back(req.model, req.fallback_models);
    } else {
        plan.emplace_back(req.model, std::vector<std::string>{});
        for (const auto& f : req.fallback_models) plan.emplace_back(f, std::vector<std::string>{});
    }
    return plan;
}

// How long to wait before retry number `retry`: the service's Retry-After, else exponential
// backoff with jitter.
milliseconds retry_wait(const LlmError& last, int retry, std::mt19937_64& rng) {
    if (last.retry_after) return *last.retry_after;
    auto base = 500.0 * std::pow(2.0, retry);
    std::uniform_real_distribution<double> jitter(0.75, 1.0);
    return milliseconds(static_cast<long long>(std::min(8000.0, base) * jitter(rng)));
}

}  // namespace

LlmClient::LlmClient(util::HttpClient& http) : state_(std::make_shared<State>(http)) {}
LlmClient::~LlmClient() = default;

bool LlmClient::circuit_open() const { return state_->breaker.open(); }

asio::awaitable<ChatResult> LlmClient::chat(LlmEndpoint ep, ChatRequest req, OnText on_text) {
    auto state = state_;
    if (!req.probe && !state->breaker.allow()) throw circuit_open_failure();
    auto plan = call_plan(ep, req);
    auto started = Clock::now();
    std::mt19937_64 rng{std::random_device{}()};
    asio::steady_timer timer(co_await asio::this_coro::executor);
    int attempts = 0;
    LlmError last;
    bool answered = false;
    ChatResult result;
    for (const auto& [model, fallbacks] : plan) {
        for (int retry = 0;; ++retry) {
            auto left = ep.total_timeout - since(started);
            if (left < milliseconds(500)) {
                if (last.reason.empty()) last.reason = "The AI service took too long to answer.";
                break;
            }
            ++attempts;
            if (on_text) on_text(std::string());
            std::optional<LlmError> failed;
            try {
                result = co_await attempt(state->http, ep, req, model, fallbacks, on_text, left);
            } catch (const LlmFailure& f) {
                failed = f.error();
            }
            if (!failed) {
                answered = true;
                break;
            }
            last = *failed;
            spdlog::warn("llm.call_failed model={} attempt={} {}", model, attempts,
                         last.log_text());
            if (!last.retryable || retry >= ep.max_retries) break;
            milliseconds wait = retry_wait(last, retry, rng);
            if (wait > ep.max_retry_wait || since(started) + wait > ep.total_timeout) break;
            timer.expires_after(wait);
            boost::system::error_code ec;
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        if (answered || !last.model_scoped) break;
    }
    if (!answered) {
        // Only what looks like an outage opens the breaker, not a request of ours at fault
        // (a prompt too long for the model).
        if (!req.probe && (last.retryable || last.http_status == 0)) state->breaker.failure();
        throw LlmFailure(last, attempts);
    }
    if (!req.probe) state->breaker.success();
    result.attempts = attempts;
    if (!result.cost_usd && (result.prompt_tokens > 0 || result.completion_tokens > 0)) {
        if (auto price = co_await price_of(*state, ep, result.model)) {
            result.cost_usd = price->prompt * result.prompt_tokens +
                              price->completion * result.completion_tokens + price->request;
        }
    }
    co_return result;
}

}  // namespace botflow::ai