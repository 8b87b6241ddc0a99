// POST /api/prompts/:id/preview: a template (or an unsaved draft of it) rendered for a test
// message with the business profile and the passages found, and optionally the model's answer.
#include <pqxx/pqxx>

#include "ai/registration.hpp"
#include "botflow/ai/module.hpp"
#include "botflow/ai/reply.hpp"
#include "botflow/ai/settings.hpp"
#include "botflow/config/config.hpp"
#include "botflow/core/error.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/http/router.hpp"
#include "botflow/knowledge/search.hpp"
#include "botflow/prompts/prompts.hpp"
#include "botflow/store/db.hpp"

namespace botflow::ai {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

asio::awaitable<Response> handle_preview(Module& mod, Request& req) {
    auto id = http::id_param(req, "template");
    auto body = http::json_object_body(req);
    auto message = http::required_string(body, "message", 4096);
    // A draft: the text being edited, tried before it is saved (validated as a save would).
    auto draft = http::optional_string(body, "body", 20000);
    if (draft) prompts::check_body(*draft);
    auto customer = http::optional_string(body, "customer_name", 100).value_or("");
    auto answer = http::optional_bool(body, "answer").value_or(false);
    if (answer && req.principal && req.principal->role != "owner") {
        // A real call on the business's key: the owner's to make.
        throw Error(Errc::forbidden,
                    "Only the owner can ask the model for an answer in a preview.");
    }
    struct Preview {
        json out;
        Prompt prompt;
        std::string model;
    };
    auto work = [id, message, customer, draft,
                 &config = mod.config](pqxx::dbtransaction& tx) -> std::optional<Preview> {
        auto t = prompts::find_template(tx, id);
        if (!t) return std::nullopt;
        auto settings = load_settings(tx, config);
        Preview p;
        p.prompt = build_prompt(tx, draft ? *draft : (*t)["body"].get<std::string>(), message,
                                message, customer, "(This is a preview: no earlier messages.)",
                                config.kb_language, settings.strict_grounding);
        p.model = settings.model;
        p.out = json{{"template", {{"id", (*t)["id"]}, {"name", (*t)["name"]}}},
                     {"draft", draft.has_value()},
                     {"prompt", p.prompt.system},
                     {"chunks", knowledge::hits_json(p.prompt.hits)}};
        return p;
    };
    auto preview = co_await mod.db.run(std::move(work));
    if (!preview) http::not_found("template", id);
    if (answer) {
        preview->out["answer"] = co_await try_answer(mod, preview->prompt, preview->model);
    }
    co_return Response::json(200, preview->out);
}

}  // namespace

void register_preview_routes(Module& mod) {
    mod.router.add(http::Method::post, "/api/prompts/:id/preview",
                   [&mod](Request& req) { return handle_preview(mod, req); });
}

}  // namespace botflow::ai
