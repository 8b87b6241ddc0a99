// The OpenAI-compatible wire format: SSE framing, error bodies, request and completion bodies,
// prices. Pure; the client that sends them is llm.cpp.
#include "llm_wire.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "botflow/ai/llm.hpp"

namespace botflow::ai {
namespace {

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
}  // namespace botflow::ai
