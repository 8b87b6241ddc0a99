// /api/prompts (templates, activation, preview) and /api/settings/business.
#include <pqxx/pqxx>

#include "botflow/config/config.hpp"
#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/http/router.hpp"
#include "botflow/knowledge/search.hpp"
#include "botflow/prompts/module.hpp"
#include "botflow/prompts/prompts.hpp"
#include "botflow/store/audit_repo.hpp"
#include "botflow/store/db.hpp"

namespace botflow::prompts {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

TemplateInput read_input(const json& body) {
    TemplateInput in;
    in.name = http::optional_string(body, "name", 100);
    in.category = http::optional_string(body, "category", 50);
    in.description = http::optional_string(body, "description", 500);
    in.body = http::optional_string(body, "body", 20000);
    return in;
}

asio::awaitable<Response> handle_list(Module& mod, Request&) {
    auto list = [](pqxx::dbtransaction& tx) { return list_templates(tx); };
    co_return Response::json(200, co_await mod.db.run(std::move(list)));
}

asio::awaitable<Response> handle_get(Module& mod, Request& req) {
    auto id = http::id_param(req, "template");
    auto find = [id](pqxx::dbtransaction& tx) { return find_template(tx, id); };
    auto found = co_await mod.db.run(std::move(find));
    if (!found) http::not_found("template", id);
    co_return Response::json(200, *found);
}

asio::awaitable<Response> handle_create(Module& mod, Request& req) {
    auto body = http::json_object_body(req);
    auto in = read_input(body);
    auto copy_from = http::optional_string(body, "copy_from", 64);
    if (copy_from && !is_uuid(*copy_from)) {
        throw Error(Errc::unprocessable, "copy_from must be a template id.", {},
                    {{"copy_from", "must be a template id"}});
    }
    auto create = [in, copy_from](pqxx::dbtransaction& tx) mutable {
        if (copy_from) {
            auto source = find_template(tx, *copy_from);
            if (!source) {
                throw Error(Errc::unprocessable, "copy_from names no template.", {},
                            {{"copy_from", "no such template"}});
            }
            if (!in.name) in.name = (*source)["name"].get<std::string>() + " (copy)";
            if (!in.category) in.category = (*source)["category"].get<std::string>();
            if (!in.description) in.description = (*source)["description"].get<std::string>();
            if (!in.body) in.body = (*source)["body"].get<std::string>();
        }
        return create_template(tx, in);
    };
    co_return Response::json(201, co_await mod.db.run(std::move(create)));
}

asio::awaitable<Response> handle_update(Module& mod, Request& req) {
    auto id = http::id_param(req, "template");
    auto in = read_input(http::json_object_body(req));
    auto update = [id, in](pqxx::dbtransaction& tx) { return update_template(tx, id, in); };
    auto updated = co_await mod.db.run(std::move(update));
    if (!updated) http::not_found("template", id);
    co_return Response::json(200, *updated);
}

asio::awaitable<Response> handle_delete(Module& mod, Request& req) {
    auto id = http::id_param(req, "template");
    auto remove = [id](pqxx::dbtransaction& tx) { return delete_template(tx, id); };
    if (!co_await mod.db.run(std::move(remove))) http::not_found("template", id);
    co_return Response::no_content();
}

asio::awaitable<Response> handle_activate(Module& mod, Request& req) {
    auto id = http::id_param(req, "template");
    auto activate = [id](pqxx::dbtransaction& tx) { return activate_template(tx, id); };
    auto active = co_await mod.db.run(std::move(activate));
    if (!active) http::not_found("template", id);
    co_return Response::json(200, *active);
}

asio::awaitable<Response> handle_variables(Module&, Request&) {
    json items = json::array();
    for (const auto& v : kVariables) {
        items.push_back({{"name", std::string(v.name)}, {"meaning", std::string(v.meaning)}});
    }
    co_return Response::json(200, {{"items", items}});
}

asio::awaitable<Response> handle_get_business(Module& mod, Request&) {
    auto read = [](pqxx::dbtransaction& tx) { return business_profile(tx); };
    co_return Response::json(200, co_await mod.db.run(std::move(read)));
}

asio::awaitable<Response> handle_put_business(Module& mod, Request& req) {
    auto body = http::json_object_body(req);
    auto by = req.principal->user_id;
    auto write = [body, by](pqxx::dbtransaction& tx) {
        auto stored = put_business_profile(tx, body, by);
        store::insert_audit(tx, {by, "settings.business", "settings", "", "", stored});
        return stored;
    };
    co_return Response::json(200, co_await mod.db.run(std::move(write)));
}

}  // namespace

bool seed_templates(const std::string& database_url) {
    try {
        auto files = builtin_templates();
        pqxx::connection conn(store::with_connection_defaults(database_url));
        pqxx::work tx(conn);
        auto result = seed_builtin(tx, files);
        tx.commit();
        spdlog::info("prompts.seeded templates={} inserted={} updated={}", files.size(),
                     result.inserted, result.updated);
        return true;
    } catch (const std::exception& e) {
        spdlog::error("prompts.seed_failed what=\"{}\"", e.what());
        return false;
    }
}

void register_module(Module& mod) {
    using http::Access;
    using http::Method;
    auto& r = mod.router;
    const http::RouteOptions owner{http::kDefaultBodyLimit, Access::owner};
    r.add(Method::get, "/api/prompts", [&mod](Request& req) { return handle_list(mod, req); });
    r.add(Method::get, "/api/prompts/:id", [&mod](Request& req) { return handle_get(mod, req); });
    r.add(
        Method::post, "/api/prompts", [&mod](Request& req) { return handle_create(mod, req); },
        owner);
    r.add(
        Method::put, "/api/prompts/:id", [&mod](Request& req) { return handle_update(mod, req); },
        owner);
    r.add(
        Method::delete_, "/api/prompts/:id",
        [&mod](Request& req) { return handle_delete(mod, req); }, owner);
    r.add(
        Method::put, "/api/prompts/:id/activate",
        [&mod](Request& req) { return handle_activate(mod, req); }, owner);
    r.add(Method::get, "/api/prompts/variables",
          [&mod](Request& req) { return handle_variables(mod, req); });
    r.add(Method::get, "/api/settings/business",
          [&mod](Request& req) { return handle_get_business(mod, req); });
    r.add(
        Method::put, "/api/settings/business",
        [&mod](Request& req) { return handle_put_business(mod, req); }, owner);
}

}  // namespace botflow::prompts
