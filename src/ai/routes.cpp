#include <pqxx/pqxx>

#include "ai/registration.hpp"
#include "ai/turn_repo.hpp"
#include "botflow/ai/llm.hpp"
#include "botflow/ai/module.hpp"
#include "botflow/ai/settings.hpp"
#include "botflow/config/config.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/http/router.hpp"
#include "botflow/prompts/prompts.hpp"
#include "botflow/store/audit_repo.hpp"
#include "botflow/store/db.hpp"

namespace botflow::ai {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

struct Loaded {
    AiSettings settings;
    bool key_stored = false;
    bool key_unreadable = false;
    LlmAccess access;
    std::string business_name;
};

Loaded load(pqxx::dbtransaction& tx, const config::Config& config) {
    Loaded l;
    l.settings = load_settings(tx, config);
    std::optional<Secret> key;
    try {
        key = stored_api_key(tx, config);
    } catch (const Error&) {
        // SECRET_KEY changed: the page must still load so that the key can be saved again.
        l.key_unreadable = true;
    }
    l.key_stored = key.has_value();
    l.access = llm_access(config, key);
    auto profile = prompts::business_profile(tx);
    if (profile["name"].is_string()) l.business_name = profile["name"].get<std::string>();
    return l;
}

asio::awaitable<Response> handle_get(Module& mod, Request&) {
    auto read = [&config = mod.config](pqxx::dbtransaction& tx) {
        auto l = load(tx, config);
        auto out = settings_json(l.settings, config, l.key_stored);
        if (l.key_unreadable) {
            out["api_key"]["unreadable"] = true;
            out["api_key"]["hint"] =
                "The saved key cannot be read since SECRET_KEY changed: save it again.";
        }
        return out;
    };
    co_return Response::json(200, co_await mod.db.run(std::move(read)));
}

asio::awaitable<Response> handle_put(Module& mod, Request& req) {
    auto body = http::json_object_body(req);
    auto by = req.principal->user_id;
    auto write = [body, by, &config = mod.config](pqxx::dbtransaction& tx) {
        auto stored = put_settings(tx, body, by, config);
        json audit = json::object();
        for (const auto& [k, v] : body.items()) {
            audit[k] = k == "api_key" ? json(v.is_null() ? "removed" : "replaced") : v;
        }
        store::insert_audit(tx, {by, "settings.ai", "settings", "", "", audit});
        return settings_json(stored, config, load(tx, config).key_stored);
    };
    co_return Response::json(200, co_await mod.db.run(std::move(write)));
}

asio::awaitable<Response> handle_test(Module& mod, Request& req) {
    json body = req.body.empty() ? json::object() : http::json_object_body(req);
    auto message = http::optional_string(body, "message", 2000)
                       .value_or("Please introduce yourself in one short sentence.");
    auto model = http::optional_string(body, "model", 200);
    auto read = [&config = mod.config](pqxx::dbtransaction& tx) { return load(tx, config); };
    auto l = co_await mod.db.run(std::move(read));
    Prompt p;
    p.system = "You are the WhatsApp assistant of " +
               (l.business_name.empty() ? std::string("a business") : l.business_name) +
               ". This is a connection test from its dashboard: answer in one short sentence.";
    p.user = message;
    p.business_name = l.business_name;
    auto out = co_await try_answer(mod, std::move(p), model.value_or(l.settings.model));
    co_return Response::json(200, out);
}

// The passages an AI answer was given, as they were then.
asio::awaitable<Response> handle_sources(Module& mod, Request& req) {
    auto id = http::id_param(req, "message");
    auto read = [id](pqxx::dbtransaction& tx) -> std::optional<json> {
        auto sources = find_message_sources(tx, id);
        if (!sources) return std::nullopt;
        json items = json::array();
        for (const auto& c : sources->items) {
            items.push_back({{"rank", c.rank},
                             {"chunk_id", c.chunk_id ? json(*c.chunk_id) : json(nullptr)},
                             {"document_id", c.document_id ? json(*c.document_id) : json(nullptr)},
                             {"document_title", c.document_title},
                             {"heading", c.heading},
                             {"content", c.content},
                             {"score", c.score},
                             {"current", c.current}});
        }
        return json{{"message_id", id},
                    {"mode", sources->mode ? json(*sources->mode) : json(nullptr)},
                    {"items", items}};
    };
    auto out = co_await mod.db.run(std::move(read));
    if (!out) http::not_found("message", id);
    co_return Response::json(200, *out);
}

}  // namespace

asio::awaitable<json> try_answer(Module& mod, Prompt prompt, std::string model) {
    auto read = [&config = mod.config](pqxx::dbtransaction& tx) { return load(tx, config); };
    auto l = co_await mod.db.run(std::move(read));
    if (!l.access.configured) {
        co_return json{
            {"ok", false},
            {"model", model},
            {"error", "No LLM is configured: set LLM_API_KEY, or save a key in Settings > AI."},
            {"upstream_status", nullptr},
            {"detail", ""}};
    }
    ChatRequest req;
    req.messages = {{"system", prompt.system}, {"user", prompt.user}};
    req.model = model;
    req.temperature = l.settings.temperature;
    req.max_tokens = l.settings.max_tokens;
    req.probe = true;
    auto ep = endpoint(mod.config, l.access.key, l.business_name);
    ep.max_retries = 0;
    std::optional<ChatResult> result;
    std::optional<LlmFailure> failure;
    auto started = std::chrono::steady_clock::now();
    try {
        result = co_await mod.llm.chat(ep, std::move(req), OnText());
    } catch (const LlmFailure& f) {
        failure = f;
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started)
                  .count();
    if (failure) {
        const auto& e = failure->error();
        co_return json{{"ok", false},
                       {"model", model},
                       {"latency_ms", ms},
                       {"error", e.reason},
                       {"upstream_status", e.http_status ? json(e.http_status) : json(nullptr)},
                       {"detail", e.raw.empty() ? e.message : e.message + " (" + e.raw + ")"}};
    }
    bool handoff = false;
    auto answer = strip_marker(result->text, handoff);
    co_return json{{"ok", true},
                   {"model", result->model},
                   {"answer", answer},
                   {"handoff", handoff},
                   {"latency_ms", ms},
                   {"first_token_ms", result->first_token.count()},
                   {"prompt_tokens", result->prompt_tokens},
                   {"completion_tokens", result->completion_tokens},
                   {"cost_usd", result->cost_usd ? json(*result->cost_usd) : json(nullptr)}};
}

void register_settings_routes(Module& mod) {
    using http::Access;
    using http::Method;
    auto& r = mod.router;
    const http::RouteOptions owner{http::kDefaultBodyLimit, Access::owner};
    r.add(
        Method::get, "/api/settings/ai", [&mod](Request& req) { return handle_get(mod, req); },
        owner);
    r.add(
        Method::put, "/api/settings/ai", [&mod](Request& req) { return handle_put(mod, req); },
        owner);
    r.add(Method::get, "/api/messages/:id/sources",
          [&mod](Request& req) { return handle_sources(mod, req); });
    r.add(
        Method::post, "/api/settings/ai/test",
        [&mod](Request& req) { return handle_test(mod, req); }, owner);
}

}  // namespace botflow::ai
