#include "botflow/ai/llm.hpp"

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/util/http_client.hpp"

namespace botflow::ai {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string_view trim_left(std::string_view s) {
    while (!s.empty() &&
           (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
        s.remove_prefix(1);
    }
    return s;
}

std::optional<nlohmann::json> parse_json(std::string_view text) {
    auto j = nlohmann::json::parse(trim_left(text), nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
}

std::string string_of(const nlohmann::json& j, const char* key) {
    if (!j.is_object()) return {};
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    if (it->is_string()) return it->get<std::string>();
    return it->dump();
}

long number_code(const std::string& code) {
    if (code.empty() || code.size() > 4) return 0;
    for (char c : code) {
        if (c < '0' || c > '9') return 0;
    }
    return std::stol(code);
}

bool retryable_status(long status) {
    return status == 0 || status == 408 || status == 409 || status == 425 || status == 429 ||
           status >= 500;
}

// At most `max` bytes, never cutting a UTF-8 sequence (the text ends up in JSON).
std::string shorten(std::string s, std::size_t max = 300) {
    if (s.size() <= max) return s;
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    return s.substr(0, cut) + "...";
}

std::string reason_for(const LlmError& e) {
    auto said = e.message.empty() ? std::string() : ": " + shorten(e.message, 200);
    switch (e.http_status) {
        case 0:
            return "The AI service could not be reached" + said + ".";
        case 401:
            return "The AI service refused the API key (401). Check LLM_API_KEY, or the key "
                   "in Settings > AI.";
        case 402:
            return "The AI service account has run out of credits (402). Add credits, or "
                   "lower the maximum answer length.";
        case 403:
            return "The AI service refused this request (403)" + said + ".";
        case 404:
            return "The AI service does not know this model (404)" + said +
                   ". Check the model name.";
        case 408:
        case 504:
        case 524:
            return "The AI service timed out (" + std::to_string(e.http_status) + ").";
        case 429:
            return "The AI service is limiting requests (429)" + said + ".";
        default:
            break;
    }
    if (e.http_status == 200) return "The model failed while answering" + said + ".";
    if (e.http_status >= 500) {
        return "The AI service failed (" + std::to_string(e.http_status) + ")" + said + ".";
    }
    return "The AI service rejected the request (" + std::to_string(e.http_status) + ")" + said +
           ".";
}

// Reads an {"error": ...} member (or a flat vLLM error object) into `e`.
void read_error_object(const nlohmann::json& body, LlmError& e) {
    const nlohmann::json* err = &body;
    if (body.is_object() && body.contains("error")) err = &body["error"];
    if (err->is_string()) {
        e.message = err->get<std::string>();
        return;
    }
    if (!err->is_object()) return;
    e.code = string_of(*err, "code");
    e.message = string_of(*err, "message");
    e.error_type = string_of(*err, "type");
    if (err->contains("metadata") && (*err)["metadata"].is_object()) {
        const auto& m = (*err)["metadata"];
        if (auto t = string_of(m, "error_type"); !t.empty()) e.error_type = t;
        e.raw = string_of(m, "raw");
        e.provider = string_of(m, "provider_name");
    }
}

std::optional<milliseconds> parse_retry_after(const std::optional<std::string>& seconds,
                                              const std::optional<std::string>& ms) {
    auto number = [](const std::string& s) -> std::optional<double> {
        try {
            std::size_t used = 0;
            double v = std::stod(s, &used);
            if (used == 0 || !std::isfinite(v) || v < 0) return std::nullopt;
            return v;
        } catch (const std::exception&) {
            return std::nullopt;
        }
    };
    if (ms) {
        if (auto v = number(*ms)) return milliseconds(static_cast<long long>(*v));
    }
    if (seconds) {
        if (auto v = number(*seconds)) return milliseconds(static_cast<long long>(*v * 1000));
    }
    return std::nullopt;
}

void read_usage(const nlohmann::json& usage, ChatResult& r) {
    if (!usage.is_object()) return;
    if (usage.contains("prompt_tokens") && usage["prompt_tokens"].is_number()) {
        r.prompt_tokens = usage["prompt_tokens"].get<int>();
    }
    if (usage.contains("completion_tokens") && usage["completion_tokens"].is_number()) {
        r.completion_tokens = usage["completion_tokens"].get<int>();
    }
    if (usage.contains("cost") && usage["cost"].is_number()) {
        r.cost_usd = usage["cost"].get<double>();
    }
}

// An error carried inside a 200 body or stream: retried unless its own code says the
// request itself is at fault.
LlmError body_error(const nlohmann::json& holder) {
    LlmError e;
    e.http_status = 200;
    read_error_object(holder, e);
    long code = number_code(e.code);
    e.retryable = code == 0 || retryable_status(code);
    e.reason = reason_for(e);
    return e;
}

}  // namespace

std::string LlmError::log_text() const {
    std::string s = "http=" + std::to_string(http_status);
    if (!code.empty()) s += " code=" + code;
    if (!error_type.empty()) s += " type=" + error_type;
    if (!provider.empty()) s += " provider=" + provider;
    s += " message=\"" + shorten(message) + "\"";
    if (!raw.empty()) s += " raw=\"" + shorten(raw) + "\"";
    return s;
}

LlmFailure::LlmFailure(LlmError error, int attempts)
    : std::runtime_error(error.reason), error_(std::move(error)), attempts_(attempts) {}

// --- SSE ---------------------------------------------------------------------------------

std::optional<std::string> SseParser::take_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {  // the blank line ends an event
        if (!has_data_) return std::nullopt;
        std::string out = std::move(data_);
        data_.clear();
        has_data_ = false;
        return out;
    }
    if (line.front() == ':') return std::nullopt;  // a comment: keep-alive
    auto colon = line.find(':');
    auto field = line.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
        value = line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
        if (has_data_) data_ += '\n';
        data_.append(value);
        has_data_ = true;
    }
    return std::nullopt;  // event:, id:, retry: and unknown fields are ignored
}

std::vector<std::string> SseParser::feed(std::string_view bytes) {
    std::vector<std::string> events;
    line_.append(bytes);
    std::size_t start = 0;
    for (;;) {
        auto nl = line_.find('\n', start);
        if (nl == std::string::npos) break;
        if (auto e = take_line(std::string_view(line_).substr(start, nl - start))) {
            events.push_back(std::move(*e));
        }
        start = nl + 1;
    }
    line_.erase(0, start);
    return events;
}

std::optional<std::string> SseParser::finish() {
    if (!line_.empty()) {
        std::string rest = std::move(line_);
        line_.clear();
        take_line(rest);
    }
    if (!has_data_) return std::nullopt;
    has_data_ = false;
    return std::move(data_);
}

// --- errors, bodies ------------------------------------------------------------------------

LlmError classify_error(long http_status, std::string_view body,
                        std::optional<std::string> retry_after,
                        std::optional<std::string> retry_after_ms) {
    LlmError e;
    e.http_status = http_status;
    if (auto j = parse_json(body)) {
        read_error_object(*j, e);
    } else {
        e.message = shorten(std::string(trim_left(body)), 200);
    }
    e.retryable = retryable_status(http_status);
    e.model_scoped = http_status != 401 && http_status != 402;
    e.retry_after = parse_retry_after(retry_after, retry_after_ms);
    e.reason = reason_for(e);
    return e;
}

bool is_openrouter(std::string_view url) {
    auto scheme = url.find("://");
    if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
    auto end = url.find_first_of(":/?#");
    auto host = url.substr(0, end);
    std::string h(host);
    for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    constexpr std::string_view kHost = "openrouter.ai";
    return h == kHost || (h.size() > kHost.size() &&
                          h.compare(h.size() - kHost.size(), kHost.size(), kHost) == 0 &&
                          h[h.size() - kHost.size() - 1] == '.');
}

std::string request_body(const ChatRequest& request, const std::string& model,
                         const std::vector<std::string>& fallbacks, bool openrouter) {
    nlohmann::json body;
    body["model"] = model;
    auto& messages = body["messages"] = nlohmann::json::array();
    for (const auto& m : request.messages) {
        messages.push_back({{"role", m.role}, {"content", m.content}});
    }
    body["temperature"] = request.temperature;
    body["max_tokens"] = request.max_tokens;
    body["stream"] = request.stream;
    if (request.stream) body["stream_options"] = {{"include_usage", true}};
    if (openrouter) {
        if (!fallbacks.empty()) {
            auto list = nlohmann::json::array({model});
            for (const auto& f : fallbacks) list.push_back(f);
            body["models"] = list;
        }
        if (!request.user.empty()) body["user"] = request.user;
    }
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string StreamAccumulator::apply(std::string_view payload) {
    auto trimmed = trim_left(payload);
    if (trimmed == "[DONE]") {
        done_ = true;
        return {};
    }
    auto j = parse_json(trimmed);
    if (!j || !j->is_object()) return {};                  // not ours to judge: a stray line
    bool flat_error = string_of(*j, "object") == "error";  // older vLLM
    if ((j->contains("error") && !(*j)["error"].is_null()) || flat_error) {
        auto e = body_error(*j);
        throw LlmFailure(std::move(e), 1);
    }
    if (auto m = string_of(*j, "model"); !m.empty()) result_.model = m;
    if (j->contains("usage")) read_usage((*j)["usage"], result_);
    std::string added;
    if (j->contains("choices") && (*j)["choices"].is_array() && !(*j)["choices"].empty()) {
        const auto& choice = (*j)["choices"][0];
        if (choice.is_object()) {
            if (choice.contains("delta") && choice["delta"].is_object()) {
                const auto& delta = choice["delta"];
                if (delta.contains("content") && delta["content"].is_string()) {
                    added = delta["content"].get<std::string>();
                }
                for (const char* k : {"reasoning", "reasoning_content"}) {
                    if (delta.contains(k) && delta[k].is_string() &&
                        !delta[k].get<std::string>().empty()) {
                        thinking_ = true;
                    }
                }
            }
            auto finish = string_of(choice, "finish_reason");
            if (!finish.empty()) result_.finish_reason = finish;
            if (finish == "error") {
                auto e = body_error(choice.contains("error") ? choice : *j);
                if (e.message.empty()) e.message = "the stream ended with an error";
                e.reason = reason_for(e);
                throw LlmFailure(std::move(e), 1);
            }
        }
    }
    result_.text += added;
    return added;
}

ChatResult parse_completion(std::string_view body) {
    auto j = parse_json(body);
    if (!j || !j->is_object()) {
        LlmError e;
        e.http_status = 200;
        e.message = "the answer was not JSON";
        e.retryable = true;
        e.reason = reason_for(e);
        throw LlmFailure(std::move(e), 1);
    }
    if (j->contains("error") && !(*j)["error"].is_null()) throw LlmFailure(body_error(*j), 1);
    ChatResult r;
    r.model = string_of(*j, "model");
    if (j->contains("usage")) read_usage((*j)["usage"], r);
    if (j->contains("choices") && (*j)["choices"].is_array() && !(*j)["choices"].empty()) {
        const auto& choice = (*j)["choices"][0];
        if (choice.contains("error") && choice["error"].is_object()) {
            throw LlmFailure(body_error(choice), 1);
        }
        r.finish_reason = string_of(choice, "finish_reason");
        if (choice.contains("message") && choice["message"].is_object() &&
            choice["message"].contains("content") && choice["message"]["content"].is_string()) {
            r.text = choice["message"]["content"].get<std::string>();
        }
    }
    return r;
}

std::vector<std::pair<std::string, ModelPrice>> parse_prices(std::string_view body) {
    std::vector<std::pair<std::string, ModelPrice>> out;
    auto j = parse_json(body);
    if (!j || !j->is_object() || !j->contains("data") || !(*j)["data"].is_array()) return out;
    auto price = [](const nlohmann::json& p, const char* key) -> std::optional<double> {
        if (!p.contains(key)) return std::nullopt;
        const auto& v = p[key];
        try {
            if (v.is_number()) return v.get<double>();
            if (v.is_string()) return std::stod(v.get<std::string>());
        } catch (const std::exception&) {
        }
        return std::nullopt;
    };
    for (const auto& m : (*j)["data"]) {
        if (!m.is_object() || !m.contains("pricing") || !m["pricing"].is_object()) continue;
        auto id = string_of(m, "id");
        auto prompt = price(m["pricing"], "prompt");
        auto completion = price(m["pricing"], "completion");
        if (id.empty() || !prompt || !completion) continue;
        out.emplace_back(
            id, ModelPrice{*prompt, *completion, price(m["pricing"], "request").value_or(0.0)});
    }
    return out;
}

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

// One HTTP call for `model` (with OpenRouter's fallbacks). Throws LlmFailure.
asio::awaitable<ChatResult> attempt(util::HttpClient& http, const LlmEndpoint& ep,
                                    const ChatRequest& req, std::string model,
                                    std::vector<std::string> fallbacks, OnText on_text,
                                    milliseconds budget) {
    util::HttpRequest hr;
    hr.method = "POST";
    hr.url = ep.base_url + "/chat/completions";
    hr.headers.push_back("Content-Type: application/json");
    hr.headers.push_back(req.stream ? "Accept: text/event-stream" : "Accept: application/json");
    // Local servers ignore the key; sending one is harmless (and some want any value).
    hr.headers.push_back("Authorization: Bearer " +
                         (ep.api_key.empty() ? std::string("none") : ep.api_key.reveal()));
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

    auto p = std::make_shared<Progress>();
    p->on_text = std::move(on_text);
    bool stream = req.stream;
    // Runs inside libcurl's write callback: nothing may be thrown through it.
    hr.on_data = [p, stream](std::string_view bytes) {
        std::lock_guard lock(p->mutex);
        p->last_activity = Clock::now();
        if (p->raw.size() < (1u << 20)) p->raw.append(bytes.substr(0, (1u << 20) - p->raw.size()));
        if (!stream) return true;
        try {
            for (auto& payload : p->parser.feed(bytes)) {
                p->events = true;
                auto added = p->acc.apply(payload);
                if (!p->alive && (!added.empty() || p->acc.thinking())) p->alive = Clock::now();
                if (!added.empty()) {
                    if (!p->first_token) p->first_token = Clock::now();
                    if (p->on_text) p->on_text(p->acc.text());
                }
                if (p->acc.done()) {
                    // [DONE]: the answer is complete even if the server keeps the connection.
                    p->complete = true;
                    return false;
                }
            }
        } catch (const LlmFailure& f) {
            p->stream_error = f.error();
            return false;
        } catch (const std::exception& e) {
            LlmError err;
            err.http_status = 200;
            err.retryable = true;
            err.message = std::string("reading the stream failed: ") + e.what();
            err.reason = reason_for(err);
            p->stream_error = err;
            return false;
        }
        return true;
    };

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

    std::lock_guard lock(p->mutex);
    if (p->stream_error) throw LlmFailure(*p->stream_error, 1);
    if (!response && p->complete) {
        response.emplace();
        response->status = 200;  // we stopped reading after [DONE]
    }
    if (!response) {
        LlmError e;
        e.retryable = true;
        e.message = p->timed_out.empty() ? transport : p->timed_out;
        e.reason =
            p->timed_out.empty() ? reason_for(e) : "The AI service sent " + p->timed_out + ".";
        throw LlmFailure(std::move(e), 1);
    }
    if (response->status != 200) {
        throw LlmFailure(classify_error(response->status, p->raw, response->header("retry-after"),
                                        response->header("retry-after-ms")),
                         1);
    }
    ChatResult result;
    if (stream) {
        if (auto last = p->parser.finish()) {
            p->events = true;
            p->acc.apply(*last);  // may throw LlmFailure
        }
    }
    if (stream && p->events) {
        result = std::move(p->acc.result());
    } else {
        result = parse_completion(p->raw);  // also a server that ignored "stream"
        if (p->on_text && !result.text.empty()) p->on_text(result.text);
    }
    if (result.model.empty()) result.model = model;
    result.total = since(started);
    result.first_token = p->first_token
                             ? std::chrono::duration_cast<milliseconds>(*p->first_token - started)
                             : result.total;
    bool blank = result.text.find_first_not_of(" \t\r\n") == std::string::npos;
    if (blank) {
        LlmError e;
        e.http_status = 200;
        e.retryable = true;
        e.message = "the model returned an empty answer (finish_reason " +
                    (result.finish_reason.empty() ? std::string("none") : result.finish_reason) +
                    ")";
        e.reason = reason_for(e);
        throw LlmFailure(std::move(e), 1);
    }
    co_return result;
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

}  // namespace

LlmClient::LlmClient(util::HttpClient& http) : state_(std::make_shared<State>(http)) {}
LlmClient::~LlmClient() = default;

bool LlmClient::circuit_open() const { return state_->breaker.open(); }

asio::awaitable<ChatResult> LlmClient::chat(LlmEndpoint ep, ChatRequest req, OnText on_text) {
    auto state = state_;
    if (!req.probe && !state->breaker.allow()) {
        LlmError e;
        e.retryable = false;
        e.message = "circuit open";
        e.reason =
            "The AI service failed several times in a row; calls pause for 30 seconds before "
            "trying again.";
        throw LlmFailure(std::move(e), 0);
    }
    // OpenRouter falls back between models itself (one call with `models`); elsewhere each
    // model is its own call.
    std::vector<std::pair<std::string, std::vector<std::string>>> plan;
    if (ep.openrouter) {
        plan.emplace_back(req.model, req.fallback_models);
    } else {
        plan.emplace_back(req.model, std::vector<std::string>{});
        for (const auto& f : req.fallback_models) plan.emplace_back(f, std::vector<std::string>{});
    }
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
            milliseconds wait;
            if (last.retry_after) {
                wait = *last.retry_after;
            } else {
                auto base = 500.0 * std::pow(2.0, retry);
                std::uniform_real_distribution<double> jitter(0.75, 1.0);
                wait = milliseconds(static_cast<long long>(std::min(8000.0, base) * jitter(rng)));
            }
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
