// The dashboard's first-run screen: whether an owner must still register, and a checklist of
// what is connected (WhatsApp, the LLM, knowledge, a prompt template) and what is missing.
#include <pqxx/pqxx>

#include "botflow/ai/settings.hpp"
#include "botflow/app/app.hpp"
#include "botflow/core/error.hpp"
#include "botflow/knowledge/documents.hpp"
#include "botflow/prompts/prompts.hpp"
#include "botflow/store/user_repo.hpp"

namespace botflow {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// Public: reveals only whether POST /api/auth/register would still accept a setup token,
// which it does while no user exists at all (the same test register makes).
asio::awaitable<Response> handle_setup(App& app, Request&) {
    auto read = [](pqxx::dbtransaction& tx) { return store::count_users(tx) == 0; };
    bool needs_owner = co_await app.db.run(std::move(read));
    co_return http::no_store(Response::json(200, {{"needs_owner", needs_owner}}));
}

asio::awaitable<Response> handle_checklist(App& app, Request& req) {
    bool owner = req.principal->role == "owner";
    auto read = [&config = app.config](pqxx::dbtransaction& tx) {
        // The key the AI would answer with: Settings > AI first, then LLM_API_KEY. A saved key
        // that SECRET_KEY can no longer read counts as none, as it does for the AI.
        std::optional<Secret> stored;
        try {
            stored = ai::stored_api_key(tx, config);
        } catch (const Error&) {
        }
        auto access = ai::llm_access(config, stored);
        auto settings = ai::load_settings(tx, config);
        json llm{{"done", access.configured},
                 {"key_set", !access.key.empty()},
                 {"model", settings.model}};

        auto counts = knowledge::count_documents(tx);
        json knowledge{
            {"done", counts.ready > 0}, {"documents", counts.total}, {"ready", counts.ready}};

        auto active = prompts::active_template(tx);
        json tmpl{{"done", active.has_value()},
                  {"id", active ? (*active)["id"] : json(nullptr)},
                  {"name", active ? (*active)["name"] : json(nullptr)}};
        return json{{"llm", llm}, {"knowledge", knowledge}, {"template", tmpl}};
    };
    auto out = co_await app.db.run(std::move(read));
    out["whatsapp"] = whatsapp::credentials_json(*app.whatsapp.get(), app.config, owner);
    co_return http::no_store(Response::json(200, out));
}

}  // namespace

void register_setup_routes(App& app) {
    auto& r = app.router;
    const http::RouteOptions open{http::kDefaultBodyLimit, http::Access::public_};
    r.add(
        http::Method::get, "/api/setup", [&app](Request& req) { return handle_setup(app, req); },
        open);
    r.add(http::Method::get, "/api/setup/checklist",
          [&app](Request& req) { return handle_checklist(app, req); });
}

}  // namespace botflow
