// An api_call step's two halves in the database: the request it makes (variables filled in,
// secrets unsealed into it and nowhere else) and what the answer changes.
#include <strings.h>

#include <pqxx/pqxx>

#include "botflow/config/config.hpp"
#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/knowledge/chunker.hpp"
#include "botflow/util/crypto.hpp"
#include "flows/flow_repo.hpp"
#include "flows/steps.hpp"
#include "flows/variables.hpp"

namespace botflow::flows {
namespace {

using nlohmann::json;

// Every string of `value` percent-encoded: what a URL may carry of a variable.
json encoded(const json& value) {
    if (value.is_string()) return percent_encode(value.get<std::string>());
    if (value.is_structured()) {
        json out = value;
        for (auto& item : out) item = encoded(item);
        return out;
    }
    return value;
}

std::string one_line(std::string s) {
    for (auto& c : s) {
        if (c == '\r' || c == '\n') c = ' ';
    }
    return s;
}

json secrets_of(pqxx::dbtransaction& tx, const ApiCallConfig& call, const config::Config& config,
                std::vector<std::string>& values) {
    std::set<std::string> names;
    std::string error;
    std::vector<Reference> refs = references(call.url, error);
    for (const auto& [k, v] : call.headers) {
        auto more = references(v, error);
        refs.insert(refs.end(), more.begin(), more.end());
    }
    auto body_refs = references_in(call.body, error);
    refs.insert(refs.end(), body_refs.begin(), body_refs.end());
    for (const auto& r : refs) {
        if (r.name.rfind("secrets.", 0) == 0) names.insert(r.name.substr(8));
    }
    json out = json::object();
    for (const auto& [name, sealed] : sealed_secrets(tx, names)) {
        std::string plain;
        try {
            plain = util::unseal(config::sealing_key(config), sealed);
        } catch (const std::exception&) {
            // SECRET_KEY (or JWT_SECRET) changed since it was saved: the run fails, in words.
            throw Error(Errc::unprocessable, "The secret '" + name +
                                                 "' cannot be read with this server's "
                                                 "SECRET_KEY: save it again.");
        }
        values.push_back(plain);
        // In a URL it travels percent-encoded: masked in that form too.
        values.push_back(percent_encode(plain));
        out[name] = std::move(plain);
    }
    return out;
}

}  // namespace

std::string mask_secrets(std::string text, const std::vector<std::string>& secrets) {
    static const std::string kMask = "[secret]";
    for (const auto& secret : secrets) {
        if (secret.empty()) continue;
        for (auto at = text.find(secret); at != std::string::npos;
             at = text.find(secret, at + kMask.size())) {
            text.replace(at, secret.size(), kMask);
        }
    }
    return text;
}

std::optional<std::string> unusable_answer(const std::string& body) {
    if (!knowledge::valid_utf8(body) || body.find('\0') != std::string::npos) {
        return "The API's answer is not UTF-8 text.";
    }
    // Deeper than any answer a step maps fields from, and too deep to copy safely.
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < body.size(); ++i) {
        char c = body[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxAnswerDepth) return "The API's answer is nested too deeply.";
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    if (body.find("\\u0000") != std::string::npos) {
        return "The API's answer holds a NUL character, which cannot be kept.";
    }
    return std::nullopt;
}

PendingCall prepare_call(pqxx::dbtransaction& tx, const Run& run, const Node& node,
                         const json& scope, const StepEnv& env) {
    Problems ignored;
    auto call = read_api_call(node, ignored);
    PendingCall p;
    p.run_id = run.id;
    p.step_seq = run.step_seq;
    p.method = call.method;
    p.timeout_ms = call.timeout_ms;
    json full = scope;
    full["secrets"] = secrets_of(tx, call, env.config, p.secret_values);
    json in_url = encoded(full);
    p.url = render(call.url, [&in_url](const std::string& n) { return find_path(in_url, n); });
    Lookup lookup = [&full](const std::string& n) { return find_path(full, n); };
    bool typed = false;
    for (const auto& [name, value] : call.headers) {
        if (name.size() == 12 && strcasecmp(name.c_str(), "content-type") == 0) typed = true;
        p.headers.push_back(name + ": " + one_line(render(value, lookup)));
    }
    if (!call.body.is_null()) {
        p.body = render_json(call.body, lookup).dump();
        if (!typed) p.headers.push_back("Content-Type: application/json");
    }
    p.headers.push_back("Accept: application/json");
    // The business's API can tell a call repeated after a crash from a new one.
    p.headers.push_back("Idempotency-Key: " + run.id + ":" + std::to_string(run.step_seq));
    return p;
}

StepDone apply_call(pqxx::dbtransaction& tx, const PendingCall& call, const CallResult& result,
                    const StepEnv& env) {
    auto run = lock_run(tx, call.run_id);
    if (!run || run->status != "running" || run->step_seq != call.step_seq) return {};
    auto doc = env.documents.of(tx, *run);
    const Node* node = doc ? doc->node(run->node_id) : nullptr;
    if (!node || node->type != NodeType::api_call) return {};
    if (stop_if_taken_over(tx, *run, doc.get())) return {};
    Problems ignored;
    auto config = read_api_call(*node, ignored);
    bool ok = result.error.empty() && result.status >= 200 && result.status < 300;
    auto unusable = ok ? unusable_answer(result.body) : std::nullopt;
    StepRecord step;
    step.node_id = node->id;
    step.node_type = "api_call";
    step.run_id = run->id;
    step.flow_id = run->flow_id;
    step.version = run->version;
    step.duration_ms = result.duration_ms;
    step.input = {{"method", call.method}, {"url", mask_secrets(call.url, call.secret_values)}};
    if (result.error.empty()) step.input["status"] = result.status;
    if (!result.error.empty()) step.error = result.error;
    if (result.error.empty() && !ok)
        step.error = "The API answered " + std::to_string(result.status) + ".";
    if (unusable) {
        step.error = *unusable;
        ok = false;
    }
    if (!config.status_variable.empty()) {
        auto status = result.error.empty() ? result.status : 0;
        set_path(run->vars, config.status_variable, status);
        step.changed[config.status_variable] = status;
    }
    if (ok) {
        auto answer = json::parse(result.body, nullptr, false);
        if (answer.is_discarded()) answer = result.body;
        if (!config.response_variable.empty()) {
            set_path(run->vars, config.response_variable, answer);
            step.changed[config.response_variable] = "(the API's answer)";
        }
        for (const auto& f : config.fields) {
            const json* value = find_path(answer, f.path);
            set_path(run->vars, f.variable, value ? *value : json(nullptr));
            step.changed[f.variable] = value ? *value : json(nullptr);
        }
    }
    spdlog::info("flows.api_call run={} status={} ms={} ok={}", run->id, result.status,
                 result.duration_ms, ok);
    bool go_on = move_on(tx, *run, *doc, ok ? "2xx" : "error", std::move(step));
    return {go_on, std::nullopt, run->id};
}

}  // namespace botflow::flows
