// The LLM client's pure parts: SSE, stream and body parsing, error classification, the
// request body, prices, the circuit breaker, and the AI key and endpoint settings.
#include "botflow/ai/llm.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "botflow/ai/settings.hpp"
#include "botflow/util/crypto.hpp"

namespace botflow::ai {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(BOTFLOW_SOURCE_DIR) + "/tests/fixtures/openrouter/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The error an LlmFailure carries, or nullopt when `f` did not throw one.
std::optional<LlmError> failure_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const LlmFailure& e) {
        return e.error();
    }
    return std::nullopt;
}

std::vector<std::string> feed_all(SseParser& parser, std::string_view bytes) {
    auto out = parser.feed(bytes);
    if (auto last = parser.finish()) out.push_back(*last);
    return out;
}

StreamAccumulator accumulate(const std::vector<std::string>& payloads) {
    StreamAccumulator acc;
    for (const auto& p : payloads) acc.apply(p);
    return acc;
}

// --- SSE ---------------------------------------------------------------------------------

TEST(SseParser, SplitsTheFixtureStreamAlikeWholeOrByteByByte) {
    auto stream = fixture("chat-completion-stream.sse");
    ASSERT_FALSE(stream.empty());

    SseParser whole;
    auto expected = feed_all(whole, stream);
    ASSERT_EQ(expected.size(), 16u);  // 15 chunks and [DONE]; the comments are not events
    EXPECT_EQ(expected.back(), "[DONE]");
    for (std::size_t i = 0; i + 1 < expected.size(); ++i) {
        EXPECT_EQ(expected[i].rfind("{\"id\":\"gen-", 0), 0u) << expected[i];
    }

    SseParser bytewise;
    std::vector<std::string> got;
    for (char c : stream) {
        for (auto& p : bytewise.feed(std::string_view(&c, 1))) got.push_back(std::move(p));
    }
    EXPECT_FALSE(bytewise.finish());
    EXPECT_EQ(got, expected);
}

TEST(SseParser, IgnoresCommentsAndOtherFields) {
    SseParser p;
    auto events = p.feed(
        ": OPENROUTER PROCESSING\n\n"
        "event: message\nid: 7\nretry: 1000\ndata: one\n\n"
        "event: ping\n\n"
        ":keep-alive\n\n");
    EXPECT_EQ(events, std::vector<std::string>{"one"});
    EXPECT_FALSE(p.finish());
}

TEST(SseParser, AcceptsCrLfLineEndings) {
    SseParser p;
    EXPECT_EQ(p.feed(": c\r\n\r\ndata: a\r\n\r\ndata: b\r\n\r\n"),
              (std::vector<std::string>{"a", "b"}));

    SseParser split;  // the \r and the \n in different reads
    EXPECT_TRUE(split.feed("data: x\r").empty());
    EXPECT_TRUE(split.feed("\n\r").empty());
    EXPECT_EQ(split.feed("\n"), std::vector<std::string>{"x"});
}

TEST(SseParser, AcceptsDataWithoutASpace) {
    SseParser p;
    EXPECT_EQ(p.feed("data:{\"a\":1}\n\ndata:  two spaces\n\n"),
              (std::vector<std::string>{"{\"a\":1}", " two spaces"}));
}

TEST(SseParser, JoinsMultiLineData) {
    SseParser p;
    EXPECT_EQ(p.feed("data: {\"a\":\ndata: 1}\n\n"), std::vector<std::string>{"{\"a\":\n1}"});
}

TEST(SseParser, FinishReturnsAnUnterminatedEvent) {
    SseParser p;
    EXPECT_EQ(p.feed("data: first\n\ndata: [DO"), std::vector<std::string>{"first"});
    EXPECT_EQ(p.feed("NE]"), std::vector<std::string>{});
    EXPECT_EQ(p.finish(), std::optional<std::string>("[DONE]"));
    EXPECT_FALSE(p.finish());

    SseParser no_blank_line;
    EXPECT_TRUE(no_blank_line.feed("data: {\"x\":1}\n").empty());
    EXPECT_EQ(no_blank_line.finish(), std::optional<std::string>("{\"x\":1}"));

    SseParser comment_only;
    EXPECT_TRUE(comment_only.feed(": OPENROUTER PROCESSING").empty());
    EXPECT_FALSE(comment_only.finish());
}

// --- StreamAccumulator -------------------------------------------------------------------

TEST(StreamAccumulator, ReadsTheFixtureStream) {
    SseParser parser;
    auto payloads = feed_all(parser, fixture("chat-completion-stream.sse"));
    StreamAccumulator acc;
    std::string deltas;
    for (const auto& p : payloads) {
        EXPECT_FALSE(acc.done());
        deltas += acc.apply(p);
    }
    EXPECT_TRUE(acc.done());
    EXPECT_EQ(acc.text(), deltas);
    EXPECT_EQ(acc.text(),
              "Hi Sam, sorry your order #10482 hasn't arrived yet. It shipped on Monday, and "
              "tracking shows delivery by Thursday.");
    auto& r = acc.result();
    EXPECT_EQ(r.text, acc.text());
    EXPECT_EQ(r.model, "openai/gpt-4o-mini");
    EXPECT_EQ(r.finish_reason, "stop");  // the usage chunk's null does not erase it
    EXPECT_EQ(r.prompt_tokens, 389);
    EXPECT_EQ(r.completion_tokens, 31);
    ASSERT_TRUE(r.cost_usd);
    EXPECT_DOUBLE_EQ(*r.cost_usd, 0.00007695);
}

TEST(StreamAccumulator, AcceptsUsageWithNoChoiceOrOneEmptyChoice) {
    auto empty_choices = accumulate(
        {R"({"model":"m","choices":[{"index":0,"delta":{"content":"Hi"}}]})",
         R"({"model":"m","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":2}})",
         "[DONE]"});
    EXPECT_EQ(empty_choices.text(), "Hi");
    EXPECT_EQ(empty_choices.result().prompt_tokens, 10);
    EXPECT_EQ(empty_choices.result().completion_tokens, 2);
    EXPECT_FALSE(empty_choices.result().cost_usd);  // only OpenRouter reports a cost
    EXPECT_TRUE(empty_choices.done());

    auto one_choice =
        accumulate({R"({"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]})",
                    R"({"choices":[{"index":0,"delta":{},"finish_reason":null}],)"
                    R"("usage":{"prompt_tokens":7,"completion_tokens":1,"cost":0.5}})"});
    EXPECT_EQ(one_choice.text(), "Hi");
    EXPECT_EQ(one_choice.result().prompt_tokens, 7);
    EXPECT_EQ(one_choice.result().completion_tokens, 1);
    EXPECT_EQ(one_choice.result().cost_usd, std::optional<double>(0.5));
    EXPECT_FALSE(one_choice.done());
}

TEST(StreamAccumulator, ToleratesMissingNullContentAndRepeatedFinishReason) {
    auto acc = accumulate({R"({"choices":[{"delta":{"role":"assistant"}}]})",
                           R"({"choices":[{"delta":{"content":null}}]})",
                           R"({"choices":[{"delta":{"content":"ok"},"finish_reason":"stop"}]})",
                           R"({"choices":[{"delta":{"content":""},"finish_reason":"stop"}]})",
                           R"({"choices":[{"delta":{},"finish_reason":"stop"}]})", "[DONE]"});
    EXPECT_EQ(acc.text(), "ok");
    EXPECT_EQ(acc.result().finish_reason, "stop");
    EXPECT_TRUE(acc.done());
}

TEST(StreamAccumulator, MidStreamErrorsThrowRetryableAtStatus200) {
    for (const char* code : {"502", "\"server_error\"", "429"}) {
        StreamAccumulator acc;
        EXPECT_EQ(acc.apply(R"({"choices":[{"index":0,"delta":{"content":"Hi"}}]})"), "Hi");
        std::string event =
            std::string(R"({"id":"gen-abc123","object":"chat.completion.chunk",)") +
            R"("model":"openai/gpt-4o","provider":"OpenAI","error":{"code":)" + code +
            R"(,"message":"Provider disconnected","metadata":{"error_type":"provider_unavailable"}},)"
            R"("choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]})";
        auto e = failure_of([&] { acc.apply(event); });
        ASSERT_TRUE(e) << code;
        EXPECT_EQ(e->http_status, 200) << code;
        EXPECT_TRUE(e->retryable) << code;
        EXPECT_EQ(e->message, "Provider disconnected") << code;
        EXPECT_EQ(e->error_type, "provider_unavailable") << code;
        EXPECT_FALSE(e->reason.empty());
    }
    auto string_code = failure_of([] {
        StreamAccumulator acc;
        acc.apply(R"({"error":{"code":"server_error","message":"x"},"choices":[]})");
    });
    ASSERT_TRUE(string_code);
    EXPECT_EQ(string_code->code, "server_error");
}

TEST(StreamAccumulator, AnErrorWithCode400IsNotRetryable) {
    StreamAccumulator acc;
    acc.apply(R"({"choices":[{"index":0,"delta":{"content":"Partial"}}]})");
    auto e = failure_of([&] {
        acc.apply(R"({"error":{"code":400,"message":"Token limit reached"},)"
                  R"("choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}],)"
                  R"("usage":{"prompt_tokens":5,"completion_tokens":1}})");
    });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->http_status, 200);
    EXPECT_EQ(e->code, "400");
    EXPECT_EQ(e->message, "Token limit reached");
    EXPECT_FALSE(e->retryable);
}

TEST(StreamAccumulator, FinishReasonErrorWithoutAnErrorObjectThrows) {
    StreamAccumulator acc;
    auto e =
        failure_of([&] { acc.apply(R"({"choices":[{"delta":{},"finish_reason":"error"}]})"); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->http_status, 200);
    EXPECT_TRUE(e->retryable);
    EXPECT_FALSE(e->message.empty());
}

TEST(StreamAccumulator, IgnoresPayloadsThatAreNotJson) {
    StreamAccumulator acc;
    EXPECT_EQ(acc.apply("not json at all"), "");
    EXPECT_EQ(acc.apply(""), "");
    EXPECT_EQ(acc.apply("[1,2]"), "");
    EXPECT_EQ(acc.apply(R"({"choices":[{"delta":{"content":"Hi"}}]})"), "Hi");
    EXPECT_EQ(acc.text(), "Hi");
    EXPECT_FALSE(acc.done());
    acc.apply(" [DONE]");
    EXPECT_TRUE(acc.done());
}

// --- parse_completion --------------------------------------------------------------------

TEST(ParseCompletion, ReadsTheFixtureResponse) {
    auto r = parse_completion(fixture("chat-completion-response.json"));
    EXPECT_EQ(r.text.rfind("Hi Sam, thanks for reaching out", 0), 0u) << r.text;
    EXPECT_NE(r.text.find("replacement at no cost."), std::string::npos);
    EXPECT_EQ(r.model, "openai/gpt-4o-mini");
    EXPECT_EQ(r.finish_reason, "stop");
    EXPECT_EQ(r.prompt_tokens, 412);
    EXPECT_EQ(r.completion_tokens, 86);
    ASSERT_TRUE(r.cost_usd);
    EXPECT_DOUBLE_EQ(*r.cost_usd, 0.0001134);
}

TEST(ParseCompletion, NullContentGivesEmptyText) {
    auto r = parse_completion(
        R"({"model":"m","choices":[{"message":{"role":"assistant","content":null},)"
        R"("finish_reason":"length"}]})");
    EXPECT_EQ(r.text, "");
    EXPECT_EQ(r.finish_reason, "length");
    EXPECT_EQ(r.prompt_tokens, 0);
    EXPECT_FALSE(r.cost_usd);
}

TEST(ParseCompletion, ErrorsInA200BodyThrow) {
    auto top = failure_of(
        [] { parse_completion(R"({"error":{"code":502,"message":"Provider returned error"}})"); });
    ASSERT_TRUE(top);
    EXPECT_EQ(top->http_status, 200);
    EXPECT_EQ(top->message, "Provider returned error");
    EXPECT_TRUE(top->retryable);

    auto in_choice = failure_of([] {
        parse_completion(
            R"({"model":"m","choices":[{"message":{"content":""},"finish_reason":"error",)"
            R"("error":{"code":400,"message":"Token limit reached"}}]})");
    });
    ASSERT_TRUE(in_choice);
    EXPECT_EQ(in_choice->message, "Token limit reached");
    EXPECT_FALSE(in_choice->retryable);

    auto not_json = failure_of([] { parse_completion("<html>gateway</html>"); });
    ASSERT_TRUE(not_json);
    EXPECT_TRUE(not_json->retryable);
}

TEST(ParseCompletion, AcceptsLeadingWhitespace) {
    auto r = parse_completion("  \n\r\n\t" + fixture("chat-completion-response.json"));
    EXPECT_EQ(r.model, "openai/gpt-4o-mini");
    EXPECT_EQ(r.completion_tokens, 86);
    EXPECT_FALSE(r.text.empty());
}

// --- classify_error ----------------------------------------------------------------------

TEST(ClassifyError, Unauthorized401BlamesTheKey) {
    auto e = classify_error(401, fixture("error-401.json"));
    EXPECT_EQ(e.http_status, 401);
    EXPECT_EQ(e.code, "401");
    EXPECT_EQ(e.message, "User not found.");
    EXPECT_FALSE(e.retryable);
    EXPECT_FALSE(e.model_scoped);
    EXPECT_NE(e.reason.find("key"), std::string::npos) << e.reason;
    EXPECT_FALSE(e.retry_after);
}

TEST(ClassifyError, PaymentRequired402BlamesTheCredits) {
    auto e = classify_error(402, fixture("error-402.json"));
    EXPECT_EQ(e.code, "402");
    EXPECT_EQ(e.message.rfind("This request requires more credits", 0), 0u);
    EXPECT_EQ(e.provider, "");  // provider_name is null
    EXPECT_FALSE(e.retryable);
    EXPECT_FALSE(e.model_scoped);
    EXPECT_NE(e.reason.find("credits"), std::string::npos) << e.reason;
}

TEST(ClassifyError, RateLimited429ReadsMetadataAndRetryAfter) {
    auto e = classify_error(429, fixture("error-429.json"), std::string("7"));
    EXPECT_TRUE(e.retryable);
    EXPECT_TRUE(e.model_scoped);
    EXPECT_EQ(e.message, "Provider returned error");
    EXPECT_EQ(e.raw.rfind("z-ai/glm-5.3-flash is temporarily rate-limited upstream", 0), 0u);
    EXPECT_EQ(e.provider, "BaseTen");
    EXPECT_EQ(e.error_type, "rate_limit_exceeded");
    EXPECT_EQ(e.retry_after, std::optional<milliseconds>(milliseconds(7000)));
    EXPECT_NE(e.log_text().find("provider=BaseTen"), std::string::npos) << e.log_text();

    auto ms = classify_error(429, fixture("error-429.json"), std::string("7"), std::string("1500"));
    EXPECT_EQ(ms.retry_after, std::optional<milliseconds>(milliseconds(1500)));

    auto junk = classify_error(429, fixture("error-429.json"), std::string("soon"));
    EXPECT_FALSE(junk.retry_after);
}

TEST(ClassifyError, BadGateway502IsRetryableAndKeepsTheProvidersWords) {
    auto e = classify_error(502, fixture("error-502.json"));
    EXPECT_TRUE(e.retryable);
    EXPECT_TRUE(e.model_scoped);
    EXPECT_EQ(e.provider, "OpenAI");
    EXPECT_EQ(e.error_type, "provider_unavailable");
    EXPECT_NE(e.raw.find("The server had an error while processing your request"),
              std::string::npos)
        << e.raw;
}

TEST(ClassifyError, ReadsOpenAiShapedErrors) {
    auto e = classify_error(
        400, R"({"error":{"message":"Unrecognized request argument supplied: models",)"
             R"("type":"invalid_request_error","param":null,"code":null}})");
    EXPECT_EQ(e.message, "Unrecognized request argument supplied: models");
    EXPECT_EQ(e.error_type, "invalid_request_error");
    EXPECT_EQ(e.code, "");
    EXPECT_FALSE(e.retryable);
    EXPECT_TRUE(e.model_scoped);
    EXPECT_NE(e.reason.find("Unrecognized request argument"), std::string::npos) << e.reason;
}

TEST(ClassifyError, ReadsOldFlatVllmErrors) {
    auto e = classify_error(
        400, R"({"object":"error","message":"This model's maximum context length is 4096 tokens.",)"
             R"("type":"BadRequestError","param":null,"code":400})");
    EXPECT_EQ(e.message, "This model's maximum context length is 4096 tokens.");
    EXPECT_EQ(e.error_type, "BadRequestError");
    EXPECT_FALSE(e.retryable);
}

TEST(ClassifyError, KeepsABodyThatIsNotJson) {
    LlmError e;
    EXPECT_NO_THROW(
        e = classify_error(502, "\r\n<html><head><title>502 Bad Gateway</title></head></html>"));
    EXPECT_NE(e.message.find("502 Bad Gateway"), std::string::npos) << e.message;
    EXPECT_TRUE(e.retryable);

    auto huge = classify_error(503, std::string(5000, 'x'));
    EXPECT_LE(huge.message.size(), 210u);
    EXPECT_TRUE(huge.retryable);

    auto empty = classify_error(500, "");
    EXPECT_EQ(empty.message, "");
    EXPECT_TRUE(empty.retryable);
}

TEST(ClassifyError, RetriesTransportFailuresAndTimeouts) {
    auto transport = classify_error(0, "");
    EXPECT_TRUE(transport.retryable);
    EXPECT_TRUE(transport.model_scoped);
    EXPECT_FALSE(transport.reason.empty());
    for (long status : {408L, 409L, 500L, 503L, 504L, 524L, 529L}) {
        EXPECT_TRUE(classify_error(status, "{}").retryable) << status;
    }
    for (long status : {400L, 403L, 404L, 422L}) {
        EXPECT_FALSE(classify_error(status, "{}").retryable) << status;
    }
}

// --- is_openrouter, request_body ---------------------------------------------------------

TEST(IsOpenrouter, MatchesOnlyTheOpenRouterHost) {
    EXPECT_TRUE(is_openrouter("https://openrouter.ai/api/v1"));
    EXPECT_TRUE(is_openrouter("https://eu.openrouter.ai/api/v1"));
    EXPECT_TRUE(is_openrouter("HTTPS://OpenRouter.AI/api/v1"));
    EXPECT_TRUE(is_openrouter("https://openrouter.ai:443/api/v1"));
    EXPECT_FALSE(is_openrouter("http://127.0.0.1:11434/v1"));
    EXPECT_FALSE(is_openrouter("http://localhost:11434/v1"));
    EXPECT_FALSE(is_openrouter("https://api.openai.com/v1"));
    EXPECT_FALSE(is_openrouter("https://notopenrouter.ai"));
    EXPECT_FALSE(is_openrouter("https://openrouter.ai.evil.com"));
    EXPECT_FALSE(is_openrouter("https://evil.com/openrouter.ai"));
}

ChatRequest sample_request() {
    ChatRequest r;
    r.messages = {{"system", "You are helpful."}, {"user", "Where is my order?"}};
    r.model = "openai/gpt-4o-mini";
    r.fallback_models = {"anthropic/claude-3.5-haiku", "google/gemini-2.0-flash-001"};
    r.temperature = 0.2;
    r.max_tokens = 300;
    r.user = "c0ffee";
    r.stream = true;
    return r;
}

std::set<std::string> keys_of(const json& j) {
    std::set<std::string> keys;
    for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
    return keys;
}

TEST(RequestBody, SendsOnlyThePortableCoreElsewhere) {
    auto req = sample_request();
    auto body = json::parse(request_body(req, req.model, req.fallback_models, false));
    EXPECT_EQ(keys_of(body), (std::set<std::string>{"model", "messages", "temperature",
                                                    "max_tokens", "stream", "stream_options"}));
    EXPECT_EQ(body["model"], "openai/gpt-4o-mini");
    ASSERT_EQ(body["messages"].size(), 2u);
    EXPECT_EQ(body["messages"][0], (json{{"role", "system"}, {"content", "You are helpful."}}));
    EXPECT_EQ(body["messages"][1]["content"], "Where is my order?");
    EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.2);
    EXPECT_EQ(body["max_tokens"], 300);
    EXPECT_EQ(body["stream"], true);
    EXPECT_EQ(body["stream_options"], (json{{"include_usage", true}}));
}

TEST(RequestBody, AddsModelsAndUserForOpenRouter) {
    auto req = sample_request();
    auto body = json::parse(request_body(req, req.model, req.fallback_models, true));
    EXPECT_EQ(body["models"], (json{"openai/gpt-4o-mini", "anthropic/claude-3.5-haiku",
                                    "google/gemini-2.0-flash-001"}));
    EXPECT_EQ(body["user"], "c0ffee");
    EXPECT_EQ(body["model"], "openai/gpt-4o-mini");
    EXPECT_EQ(body["max_tokens"], 300);

    req.user.clear();
    auto alone = json::parse(request_body(req, req.model, {}, true));
    EXPECT_FALSE(alone.contains("models"));
    EXPECT_FALSE(alone.contains("user"));
}

TEST(RequestBody, StreamOptionsOnlyWhenStreaming) {
    auto req = sample_request();
    req.stream = false;
    auto body = json::parse(request_body(req, req.model, {}, false));
    EXPECT_EQ(body["stream"], false);
    EXPECT_FALSE(body.contains("stream_options"));
    EXPECT_EQ(body["max_tokens"], 300);
}

TEST(RequestBody, InvalidUtf8InContentDoesNotThrow) {
    auto req = sample_request();
    req.messages = {{"user", "caf\xE9 \xFF\xFE ok"}};
    std::string text;
    EXPECT_NO_THROW(text = request_body(req, req.model, {}, true));
    json body;
    EXPECT_NO_THROW(body = json::parse(text));
    auto content = body["messages"][0]["content"].get<std::string>();
    EXPECT_EQ(content.rfind("caf", 0), 0u);
    EXPECT_NE(content.find(" ok"), std::string::npos);
}

// --- parse_prices ------------------------------------------------------------------------

TEST(ParsePrices, ReadsTheFixtureModels) {
    auto prices = parse_prices(fixture("models-response.json"));
    ASSERT_EQ(prices.size(), 4u);
    std::map<std::string, ModelPrice> by_id(prices.begin(), prices.end());
    ASSERT_TRUE(by_id.count("openai/gpt-4o-mini"));
    EXPECT_DOUBLE_EQ(by_id["openai/gpt-4o-mini"].prompt, 0.00000015);
    EXPECT_DOUBLE_EQ(by_id["openai/gpt-4o-mini"].completion, 0.0000006);
    EXPECT_DOUBLE_EQ(by_id["openai/gpt-4o-mini"].request, 0.0);
    ASSERT_TRUE(by_id.count("openai/gpt-4"));
    EXPECT_DOUBLE_EQ(by_id["openai/gpt-4"].prompt, 0.00003);
}

TEST(ParsePrices, SkipsEntriesWithoutPricing) {
    auto prices =
        parse_prices(R"({"data":[{"id":"local/llama"},)"
                     R"({"id":"half","pricing":{"prompt":"0.1"}},)"
                     R"({"id":"bad","pricing":{"prompt":"free","completion":"0"}},)"
                     R"({"id":"numbers","pricing":{"prompt":0.5,"completion":1,"request":"0.01"}},)"
                     R"({"pricing":{"prompt":"1","completion":"1"}}]})");
    ASSERT_EQ(prices.size(), 1u);
    EXPECT_EQ(prices[0].first, "numbers");
    EXPECT_DOUBLE_EQ(prices[0].second.prompt, 0.5);
    EXPECT_DOUBLE_EQ(prices[0].second.completion, 1.0);
    EXPECT_DOUBLE_EQ(prices[0].second.request, 0.01);
}

TEST(ParsePrices, GarbageGivesNothing) {
    EXPECT_TRUE(parse_prices("").empty());
    EXPECT_TRUE(parse_prices("<html>not found</html>").empty());
    EXPECT_TRUE(parse_prices(R"({"data":"nope"})").empty());
    EXPECT_TRUE(parse_prices(R"({"models":[]})").empty());
    EXPECT_TRUE(parse_prices("[1,2,3]").empty());
}

// --- CircuitBreaker ----------------------------------------------------------------------

TEST(CircuitBreaker, OpensAfterThresholdFailures) {
    CircuitBreaker b(3, milliseconds(1000));
    auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
    EXPECT_TRUE(b.allow(t0));
    b.failure(t0);
    b.failure(t0);
    EXPECT_TRUE(b.allow(t0));
    EXPECT_FALSE(b.open(t0));
    b.failure(t0);
    EXPECT_TRUE(b.open(t0));
    EXPECT_FALSE(b.allow(t0));
    EXPECT_FALSE(b.allow(t0 + milliseconds(999)));
}

TEST(CircuitBreaker, AllowsOneTrialAfterCooldownAndSuccessCloses) {
    CircuitBreaker b(3, milliseconds(1000));
    auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
    for (int i = 0; i < 3; ++i) b.failure(t0);
    auto later = t0 + milliseconds(1000);
    EXPECT_FALSE(b.open(later));
    EXPECT_TRUE(b.allow(later));
    EXPECT_FALSE(b.allow(later));  // one trial at a time
    EXPECT_FALSE(b.allow(later + milliseconds(10)));
    b.success();
    EXPECT_TRUE(b.allow(later));
    EXPECT_TRUE(b.allow(later));
    EXPECT_FALSE(b.open(later));
    // The count starts over: two failures do not open it again.
    b.failure(later);
    b.failure(later);
    EXPECT_TRUE(b.allow(later));
}

TEST(CircuitBreaker, AFailedTrialReopens) {
    CircuitBreaker b(3, milliseconds(1000));
    auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
    for (int i = 0; i < 3; ++i) b.failure(t0);
    auto t1 = t0 + milliseconds(1500);
    ASSERT_TRUE(b.allow(t1));
    b.failure(t1);
    EXPECT_TRUE(b.open(t1));
    EXPECT_FALSE(b.allow(t1 + milliseconds(999)));
    EXPECT_TRUE(b.allow(t1 + milliseconds(1000)));  // the next trial, a cooldown later
    EXPECT_FALSE(b.allow(t1 + milliseconds(1000)));
}

// --- settings: the key, the endpoint -----------------------------------------------------

// Settings' secrets (the AI key, WhatsApp's credentials) are sealed with config::sealing_key:
// SECRET_KEY, or JWT_SECRET when it is unset.
std::string encrypt_secret(const config::Config& config, std::string_view plain) {
    return util::seal(config::sealing_key(config), plain);
}
std::string decrypt_secret(const config::Config& config, std::string_view sealed) {
    return util::unseal(config::sealing_key(config), sealed);
}

config::Config crypto_config(const std::string& secret_key) {
    config::Config c;
    c.jwt_secret = Secret("0123456789abcdef0123456789abcdef");
    c.secret_key = Secret(secret_key);
    return c;
}

TEST(SecretBox, RoundTrips) {
    auto c = crypto_config("first-secret-key-first-secret-key");
    std::string key = "sk-or-v1-0123456789abcdef";
    auto sealed = encrypt_secret(c, key);
    EXPECT_EQ(sealed.find(key), std::string::npos);
    EXPECT_GT(sealed.size(), key.size());
    EXPECT_EQ(decrypt_secret(c, sealed), key);
    EXPECT_EQ(decrypt_secret(c, encrypt_secret(c, "")), "");

    auto jwt_only = crypto_config("");  // the key derived from JWT_SECRET
    EXPECT_EQ(decrypt_secret(jwt_only, encrypt_secret(jwt_only, key)), key);
}

TEST(SecretBox, AnotherSecretKeyCannotDecrypt) {
    auto sealed = encrypt_secret(crypto_config("first-secret-key-first-secret-key"), "sk-1");
    EXPECT_THROW(decrypt_secret(crypto_config("other-secret-key-other-secret-key"), sealed),
                 std::runtime_error);
    EXPECT_THROW(decrypt_secret(crypto_config(""), sealed), std::runtime_error);
}

TEST(SecretBox, EachEncryptionUsesAFreshNonce) {
    auto c = crypto_config("first-secret-key-first-secret-key");
    auto a = encrypt_secret(c, "sk-same");
    auto b = encrypt_secret(c, "sk-same");
    EXPECT_NE(a, b);
    EXPECT_EQ(decrypt_secret(c, a), decrypt_secret(c, b));
}

TEST(SecretBox, TamperedOrShortBytesThrow) {
    auto c = crypto_config("first-secret-key-first-secret-key");
    auto sealed = encrypt_secret(c, "sk-or-v1-abc");
    auto flipped = sealed;
    flipped.back() = static_cast<char>(flipped.back() ^ 0x01);
    EXPECT_THROW(decrypt_secret(c, flipped), std::runtime_error);
    auto nonce_flipped = sealed;
    nonce_flipped[0] = static_cast<char>(nonce_flipped[0] ^ 0x80);
    EXPECT_THROW(decrypt_secret(c, nonce_flipped), std::runtime_error);
    EXPECT_THROW(decrypt_secret(c, sealed.substr(0, sealed.size() - 1)), std::runtime_error);
    EXPECT_THROW(decrypt_secret(c, ""), std::runtime_error);
    EXPECT_THROW(decrypt_secret(c, "short"), std::runtime_error);
}

TEST(LlmAccess, OpenRouterWithoutAKeyIsNotConfigured) {
    config::Config c;
    ASSERT_TRUE(is_openrouter(c.llm_base_url));
    auto a = llm_access(c, std::nullopt);
    EXPECT_FALSE(a.configured);
    EXPECT_TRUE(a.key.empty());
}

TEST(LlmAccess, ALocalServerNeedsNoKey) {
    config::Config c;
    c.llm_base_url = "http://localhost:11434/v1";
    auto a = llm_access(c, std::nullopt);
    EXPECT_TRUE(a.configured);
    EXPECT_TRUE(a.key.empty());
}

TEST(LlmAccess, TheStoredKeyWinsOverTheEnvironment) {
    config::Config c;
    c.llm_api_key = Secret("sk-env");
    auto from_env = llm_access(c, std::nullopt);
    EXPECT_TRUE(from_env.configured);
    EXPECT_EQ(from_env.key.reveal(), "sk-env");
    auto stored = llm_access(c, Secret("sk-stored"));
    EXPECT_TRUE(stored.configured);
    EXPECT_EQ(stored.key.reveal(), "sk-stored");
}

TEST(Endpoint, SendsOpenRouterExtrasOnlyToOpenRouter) {
    config::Config c;
    c.public_url = "https://bot.example.com";
    auto ep = endpoint(c, Secret("sk-1"), "Acme Dental");
    EXPECT_TRUE(ep.openrouter);
    EXPECT_EQ(ep.base_url, "https://openrouter.ai/api/v1");
    EXPECT_EQ(ep.api_key.reveal(), "sk-1");
    EXPECT_EQ(ep.referer, "https://bot.example.com");
    EXPECT_EQ(ep.title, "Acme Dental");
    EXPECT_EQ(endpoint(c, Secret(), "").title, "BotFlow");

    c.llm_base_url = "http://127.0.0.1:11434/v1";
    EXPECT_FALSE(endpoint(c, Secret(), "Acme").openrouter);
}

TEST(StreamAccumulator, AFlatVllmErrorEventFails) {
    StreamAccumulator acc;
    EXPECT_THROW(acc.apply(R"({"object":"error","message":"model overloaded","code":503})"),
                 LlmFailure);
}

TEST(StreamAccumulator, ReasoningIsASignOfLifeButNotText) {
    StreamAccumulator acc;
    EXPECT_FALSE(acc.thinking());
    acc.apply(R"({"choices":[{"delta":{"reasoning":"Let me think"}}]})");
    EXPECT_TRUE(acc.thinking());
    EXPECT_EQ(acc.text(), "");
}

}  // namespace
}  // namespace botflow::ai
