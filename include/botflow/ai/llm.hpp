// The LLM: OpenAI-compatible chat completions (OpenRouter, OpenAI, Ollama, vLLM, llama.cpp),
// streamed over SSE through the shared libcurl-multi client, with retries that honour
// Retry-After, fallback models, a circuit breaker, and token and cost accounting.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "botflow/core/asio.hpp"
#include "botflow/core/secret.hpp"

namespace botflow::util {
class HttpClient;
}

namespace botflow::ai {

/// Splits a text/event-stream into its `data` payloads: lines buffered across reads, `\n` or
/// `\r\n`, comments (`:`) and other fields ignored, multi-line data joined with `\n`. Pure.
class SseParser {
public:
    /// Feeds bytes; returns the payloads of the events completed by them, in order.
    std::vector<std::string> feed(std::string_view bytes);
    /// The payload of an event left unterminated at the end of the stream, if any.
    std::optional<std::string> finish();

private:
    std::string line_;
    std::string data_;
    bool has_data_ = false;
    std::optional<std::string> take_line(std::string_view line);
};

/// What went wrong with a call, in the words of the service and for an owner.
struct LlmError {
    long http_status = 0;    // 0: transport failure or timeout; 200: an error in the body
    std::string code;        // error.code as text ("429", "server_error"), may be empty
    std::string message;     // error.message
    std::string error_type;  // error.metadata.error_type (OpenRouter) or error.type
    std::string raw;         // error.metadata.raw: the upstream provider's own words
    std::string provider;
    bool retryable = false;    // 408, 409, 429, 5xx, 524, 529, transport, mid-stream
    bool model_scoped = true;  // another model may succeed (false for 401/402: the key)
    std::optional<std::chrono::milliseconds> retry_after;
    std::string reason;  // one sentence for the owner

    std::string log_text() const;
};

/// Reads an error response (any status; a 200 whose JSON holds "error" too): OpenRouter's
/// {"error":{code,message,metadata}}, OpenAI's {"error":{message,type,code}}, vLLM's old flat
/// {"object":"error","message"}, or a body that is not JSON. `retry_after_ms` and
/// `retry_after` are the headers. Pure.
LlmError classify_error(long http_status, std::string_view body,
                        std::optional<std::string> retry_after = std::nullopt,
                        std::optional<std::string> retry_after_ms = std::nullopt);

/// Where the model lives and how to reach it.
struct LlmEndpoint {
    std::string base_url = "https://openrouter.ai/api/v1";  // without a trailing slash
    Secret api_key;
    bool openrouter = true;  // send OpenRouter's extras (models, user, attribution headers)
    std::string referer;     // HTTP-Referer (PUBLIC_URL)
    std::string title;       // X-OpenRouter-Title (the business name)
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds first_token_timeout{20000};
    std::chrono::milliseconds idle_timeout{30000};  // between events once streaming
    std::chrono::milliseconds total_timeout{60000};
    int max_retries = 2;                              // per model, for retryable errors
    std::chrono::milliseconds max_retry_wait{20000};  // a longer Retry-After is not waited for
};

/// True for an OpenRouter base URL (host openrouter.ai). Pure.
bool is_openrouter(std::string_view base_url);

struct ChatMessage {
    std::string role;  // system | user | assistant
    std::string content;
};

struct ChatRequest {
    std::vector<ChatMessage> messages;
    std::string model;
    std::vector<std::string> fallback_models;
    double temperature = 0.3;
    int max_tokens = 500;
    std::string user;  // a stable hashed customer id (OpenRouter only)
    bool stream = true;
    bool probe = false;  // an owner's test call: made even while the breaker is open
};

/// The request body for one model: the portable core everywhere, OpenRouter's `models` list
/// and `user` only where `openrouter`. Pure.
std::string request_body(const ChatRequest& request, const std::string& model,
                         const std::vector<std::string>& fallbacks, bool openrouter);

struct ChatResult {
    std::string text;
    std::string model;  // the model that answered (OpenRouter may have fallen back)
    std::string finish_reason;
    int prompt_tokens = 0;
    int completion_tokens = 0;
    std::optional<double> cost_usd;  // the service's own figure, else from the price table
    std::chrono::milliseconds first_token{0};
    std::chrono::milliseconds total{0};
    int attempts = 0;  // HTTP calls made, retries and fallbacks included
};

/// Thrown when every attempt and every model failed; error() is the last failure.
class LlmFailure : public std::runtime_error {
public:
    LlmFailure(LlmError error, int attempts);
    const LlmError& error() const noexcept { return error_; }
    int attempts() const noexcept { return attempts_; }

private:
    LlmError error_;
    int attempts_;
};

/// Accumulates one streamed completion from its data payloads. Pure.
class StreamAccumulator {
public:
    /// Applies one payload. Returns the text added (may be empty). Throws LlmFailure for an
    /// error event (mid-stream or before the first token).
    std::string apply(std::string_view payload);
    bool done() const noexcept { return done_; }
    /// A reasoning model streamed its thinking: alive, though no answer text yet.
    bool thinking() const noexcept { return thinking_; }
    const std::string& text() const noexcept { return result_.text; }
    ChatResult& result() noexcept { return result_; }

private:
    ChatResult result_;
    bool done_ = false;
    bool thinking_ = false;
};

/// Reads a whole (non-streamed) completion body into a result; throws LlmFailure when it
/// carries an error. Pure.
ChatResult parse_completion(std::string_view body);

/// Price per token from GET /models, for services that do not report the cost themselves.
struct ModelPrice {
    double prompt = 0;
    double completion = 0;
    double request = 0;
};

/// {model id: price} from a GET /models body; entries without pricing are left out. Pure.
std::vector<std::pair<std::string, ModelPrice>> parse_prices(std::string_view body);

/// Calls that fail in a row open the breaker: for `cooldown` every call fails at once, then
/// one trial call decides. Thread-safe.
class CircuitBreaker {
public:
    CircuitBreaker(int threshold, std::chrono::milliseconds cooldown)
        : threshold_(threshold), cooldown_(cooldown) {}
    /// Whether a call may go now (a half-open trial counts as allowed).
    bool allow(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());
    void success();
    void failure(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());
    bool open(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) const;

private:
    mutable std::mutex mutex_;
    int threshold_;
    std::chrono::milliseconds cooldown_;
    int failures_ = 0;
    std::optional<std::chrono::steady_clock::time_point> open_until_;
    bool trial_ = false;
    std::chrono::steady_clock::time_point trial_started_{};
};

/// Called on each streamed piece with the whole text so far (empty again when a retry starts
/// over). Runs on the HTTP client's strand: it must be quick and thread-safe.
using OnText = std::function<void(const std::string& text_so_far)>;

class LlmClient {
public:
    explicit LlmClient(util::HttpClient& http);
    ~LlmClient();
    LlmClient(const LlmClient&) = delete;
    LlmClient& operator=(const LlmClient&) = delete;

    /// One answer: the model, then its fallbacks (OpenRouter's `models` list there, our own
    /// loop elsewhere), retrying 408/429/5xx per model with backoff or Retry-After. Throws
    /// LlmFailure when nothing answered, at once while the circuit breaker is open.
    asio::awaitable<ChatResult> chat(LlmEndpoint endpoint, ChatRequest request, OnText on_text);

    /// Whether the breaker stops calls at this moment.
    bool circuit_open() const;

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace botflow::ai
