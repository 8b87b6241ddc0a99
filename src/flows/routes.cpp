// /api/flows: flows, their drafts, publishing (with every problem named), versions, export and
// import, the drop-off counts, and tests of the draft in the simulator.
#include <map>
#include <pqxx/pqxx>
#include <set>

#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/http/router.hpp"
#include "botflow/store/audit_repo.hpp"
#include "flows/engine.hpp"
#include "flows/flow_repo.hpp"
#include "flows/registration.hpp"
#include "flows/templates.hpp"
#include "flows/text.hpp"
#include "flows/validate.hpp"

namespace botflow::flows {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

constexpr const char* kFormat = "botflow.flow/1";

json flow_json(const FlowRow& f, bool with_draft) {
    bool changed = f.published_version && f.published_at && f.draft_updated_at > *f.published_at;
    json out{
        {"id", f.id},
        {"name", f.name},
        {"description", f.description},
        {"priority", f.priority},
        {"published_version", f.published_version ? json(*f.published_version) : json(nullptr)},
        {"latest_version", f.latest_version},
        {"status", !f.published_version ? "draft"
                   : changed            ? "changed"
                                        : "published"},
        {"draft_updated_at", f.draft_updated_at},
        {"created_at", f.created_at},
        {"updated_at", f.updated_at}};
    if (with_draft) out["document"] = f.draft;
    return out;
}

json problems_json(const Problems& problems) {
    json out = json::array();
    for (const auto& p : problems) {
        out.push_back({{"node", p.node}, {"field", p.field}, {"message", p.message}});
    }
    return out;
}

// name, description, priority and the document (nodes, edges) of a create or an update; an
// export of another BotFlow is a valid create.
FlowChange read_change(const json& body, bool create) {
    FlowChange c;
    c.name = create ? std::optional(http::required_string(body, "name", 100))
                    : http::optional_string(body, "name", 100);
    if (c.name && c.name->find_first_not_of(" \t\r\n") == std::string::npos) {
        throw Error(Errc::unprocessable, "name must not be empty.", {},
                    {{"name", "must not be empty"}});
    }
    c.description = http::optional_string(body, "description", 1000);
    if (body.contains("priority") && !body["priority"].is_null()) {
        if (!body["priority"].is_number_integer() || body["priority"].get<long long>() < 0 ||
            body["priority"].get<long long>() > 10000) {
            throw Error(Errc::unprocessable, "priority must be a whole number from 0 to 10000.", {},
                        {{"priority", "must be a whole number from 0 to 10000"}});
        }
        c.priority = body["priority"].get<int>();
    }
    const json* doc = body.contains("document") ? &body["document"] : nullptr;
    if (!doc && (body.contains("nodes") || body.contains("edges"))) doc = &body;
    if (doc) c.draft = to_json(parse_document(*doc));
    if (create && !c.draft) c.draft = json{{"nodes", json::array()}, {"edges", json::array()}};
    return c;
}

ValidationContext context_for(pqxx::dbtransaction& tx, const std::string& flow_id) {
    ValidationContext ctx;
    ctx.flow_id = flow_id;
    ctx.secrets = secret_names(tx);
    ctx.can_jump_to = [&tx](const std::string& id) { return find_live_flow(tx, id).has_value(); };
    return ctx;
}

FlowRow get_flow(pqxx::dbtransaction& tx, const std::string& id) {
    auto f = find_flow(tx, id);
    if (!f) http::not_found("flow", id);
    return *f;
}

// A 422 naming every problem of the flow's draft, each with its node and field.
void require_valid(pqxx::dbtransaction& tx, const FlowRow& f, const std::string& doing) {
    auto problems = validate(parse_document(f.draft), context_for(tx, f.id));
    if (problems.empty()) return;
    std::vector<FieldError> fields;
    for (const auto& p : problems) {
        fields.push_back(
            {p.node.empty() ? p.field : "nodes." + p.node + (p.field.empty() ? "" : "." + p.field),
             p.message});
    }
    throw Error(Errc::unprocessable,
                "The flow has " + std::to_string(problems.size()) + " problem(s) to fix before " +
                    doing + ".",
                {}, std::move(fields))
        .with_extension("problems", problems_json(problems));
}

// What starts the flow, for the list: the config of each trigger step of the draft.
json trigger_configs(const json& draft) {
    json out = json::array();
    if (!draft.contains("nodes") || !draft["nodes"].is_array()) return out;
    for (const auto& n : draft["nodes"]) {
        if (n.value("type", "") != "trigger") continue;
        out.push_back(n.contains("config") ? n["config"] : json::object());
    }
    return out;
}

asio::awaitable<Response> handle_list(Module& mod, Request&) {
    auto list = [](pqxx::dbtransaction& tx) {
        json items = json::array();
        for (const auto& f : list_flows(tx)) {
            auto item = flow_json(f, false);
            auto counts = run_counts(tx, f.id, 7);
            item["runs_this_week"] = counts.started;
            item["completion_rate"] =
                counts.started ? static_cast<double>(counts.completed) / counts.started : 0.0;
            item["triggers"] = trigger_configs(f.draft);
            items.push_back(std::move(item));
        }
        return json{{"items", items}};
    };
    co_return Response::json(200, co_await mod.db.run(std::move(list)));
}

asio::awaitable<Response> handle_get(Module& mod, Request& req) {
    auto id = http::id_param(req, "flow");
    auto read = [id](pqxx::dbtransaction& tx) { return flow_json(get_flow(tx, id), true); };
    co_return Response::json(200, co_await mod.db.run(std::move(read)));
}

asio::awaitable<Response> handle_create(Module& mod, Request& req) {
    auto change = read_change(http::json_object_body(req), true);
    auto by = req.principal->user_id;
    auto create = [change, by](pqxx::dbtransaction& tx) {
        auto f = insert_flow(tx, *change.name, change.description.value_or(""), *change.draft,
                             change.priority.value_or(100), by);
        store::insert_audit(tx, {by, "flow.created", "flow", f.id, "", {{"name", f.name}}});
        return flow_json(f, true);
    };
    co_return Response::json(201, co_await mod.db.run(std::move(create)));
}

asio::awaitable<Response> handle_update(Module& mod, Request& req) {
    auto id = http::id_param(req, "flow");
    auto change = read_change(http::json_object_body(req), false);
    auto by = req.principal->user_id;
    auto update = [id, change, by](pqxx::dbtransaction& tx) {
        auto f = update_flow(tx, id, change);
        if (!f) http::not_found("flow", id);
        store::insert_audit(tx, {by, "flow.updated", "flow", id, "", {{"name", f->name}}});
        return flow_json(*f, true);
    };
    co_return Response::json(200, co_await mod.db.run(std::move(update)));
}

asio::awaitable<Response> handle_delete(Module& mod, Request& req) {
    auto id = http::id_param(req, "flow");
    auto by = req.principal->user_id;
    auto remove = [id, by](pqxx::dbtransaction& tx) {
        if (!delete_flow(tx, id)) http::not_found("flow", id);
        store::insert_audit(tx, {by, "flow.deleted", "flow", id, "", json::object()});
        return true;
    };
    co_await mod.db.run(std::move(remove));
    co_return Response::no_content();
}

asio::awaitable<Response> handle_validate(Module& mod, Request& req) {
    auto id = http::id_param(req, "flow");
    auto check = [id](pqxx::dbtransaction& tx) {
        auto f = get_flow(tx, id);
        return problems_json(validate(parse_document(f.draft), context_for(tx, id)));
    };
    auto problems = co_await mod.db.run(std::move(check));
    co_return Response::json(200, {{"valid", problems.empty()}, {"problems", problems}});
}

asio::awaitable<Response> handle_publish(Module& mod, Request& req) {
    auto id = http::id_param(req, "flow");
    auto by = req.principal->user_id;
    auto publish = [id, by](pqxx::dbtransaction& tx) {
        auto f = get_flow(tx, id);
        require_valid(tx, f, "it can be published");
        auto version = insert_version(tx, id, f.draft, by);
        store::insert_audit(tx, {by, "flow.published", "flow", id, "", {{"version", version}}});
        return flow_json(get_flow(tx, id), false);
    };
    co_return Response::json(200, co_await mod.db.run(std::move(publish)));
}

asio::awaitable<Response> handle_unpublish(Module& mod, Request& req) {
    auto id = http::id_param(req, "flow");
    auto by = req.principal->user_id;
    auto stop = [id, by](pqxx::dbtransaction& tx) {
        if (!unpublish(tx, id)) http::not_found("flow", id);
        store::insert_audit(tx, {by, "flow.unpublished", "flow", id, "", json::object()});
        return flow_json(get_flow(tx, id), false);
    };
    co_return Response::json(200, co_await mod.db.run(std::move(stop)));
}

int version_param(const Request& req) {
    auto v = std::string(req.param("version"));
    if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos) {
        throw Error(Errc::not_found, "No version " + v.substr(0, 20) + " of this flow.");
    }
    return std::stoi(v);
}

asio::awaitable<Response> handle_versions(Module& mod, Request& req) {
    auto id = http::id_param(req, "flow");
    auto list = [id](pqxx::dbtransaction& tx) {
        get_flow(tx, id);
        json items = json::array();
        for (const auto& v : list_versions(tx, id)) {
            items.push_back(
                {{"version", v.version},
                 {"published_at", v.published_at},
                 {"published_by", v.published_by ? json(*v.published_by) : json(nullptr)}});
        }
        return json{{"items", items}};
    };
    co_return Response::json(200, co_await mod.db.run(std::move(list)));
}

asio::awaitable<Response> handle_version(Module& mod, Request& req) {
    auto id = http::id_param(req, "flow");
    auto number = version_param(req);
    auto read = [id, number](pqxx::dbtransaction& tx) {
        auto v = find_version(tx, id, number);
        if (!v)
            throw Error(Errc::not_found, "No version " + std::to_string(number) + " of this flow.");
        return json{
            {"version", v->version}, {"published_at", v->published_at}, {"document", v->document}};
    };
    co_return Response::json(200, co_await mod.db.run(std::move(read)));
}

asio::awaitable<Response> handle_restore(Module& mod, Request& req) {
    auto id = http::id_param(req, "flow");
    auto number = version_param(req);
    auto by = req.principal->user_id;
    auto restore = [id, number, by](pqxx::dbtransaction& tx) {
        auto v = find_version(tx, id, number);
        if (!v)
            throw Error(Errc::not_found, "No version " + std::to_string(number) + " of this flow.");
        FlowChange change;
        change.draft = v->document;
        auto f = update_flow(tx, id, change);
        store::insert_audit(tx, {by, "flow.restored", "flow", id, "", {{"version", number}}});
        return flow_json(*f, true);
    };
    co_return Response::json(200, co_await mod.db.run(std::move(restore)));
}

asio::awaitable<Response> handle_export(Module& mod, Request& req) {
    auto id = http::id_param(req, "flow");
    auto read = [id](pqxx::dbtransaction& tx) {
        auto f = get_flow(tx, id);
        return json{{"format", kFormat},
                    {"name", f.name},
                    {"description", f.description},
                    {"priority", f.priority},
                    {"nodes", f.draft["nodes"]},
                    {"edges", f.draft["edges"]}};
    };
    co_return Response::json(200, co_await mod.db.run(std::move(read)));
}

asio::awaitable<Response> handle_stats(Module& mod, Request& req) {
    auto id = http::id_param(req, "flow");
    auto days = static_cast<int>(http::integer_query(req, "days", 1, 365).value_or(7));
    auto read = [id, days](pqxx::dbtransaction& tx) {
        auto f = get_flow(tx, id);
        json nodes = json::object();
        // A question is entered when it asks and a wait when it starts waiting; they leave by
        // a later line. Every other step's line is both.
        std::map<std::string, std::pair<long, long>> entries;  // node: (asked/waiting, others)
        for (const auto& c : node_counts(tx, id, f.published_version, days)) {
            auto& n = nodes[c.node_id];
            if (!n.contains("outcomes")) n = {{"entered", 0}, {"outcomes", json::object()}};
            n["outcomes"][c.outcome.empty() ? "completed" : c.outcome] = c.count;
            auto& e = entries[c.node_id];
            if (c.outcome == "asked" || c.outcome == "waiting") {
                e.first += c.count;
            } else if (c.outcome != "retry") {
                e.second += c.count;
            }
        }
        for (const auto& [node, e] : entries) nodes[node]["entered"] = e.first ? e.first : e.second;
        auto runs = run_counts(tx, id, days);
        return json{{"days", days},
                    {"version", f.published_version ? json(*f.published_version) : json(nullptr)},
                    {"runs",
                     {{"started", runs.started},
                      {"completed", runs.completed},
                      {"handed_off", runs.handed_off},
                      {"active", runs.active}}},
                    {"nodes", nodes}};
    };
    co_return Response::json(200, co_await mod.db.run(std::move(read)));
}

asio::awaitable<Response> handle_test(Module& mod, Engine& engine, Request& req) {
    auto id = http::id_param(req, "flow");
    auto body = http::json_object_body(req);
    auto conversation = http::required_string(body, "conversation_id", 64);
    if (!is_uuid(conversation)) {
        throw Error(Errc::unprocessable, "conversation_id must be a conversation's id.", {},
                    {{"conversation_id", "must be a conversation's id"}});
    }
    // A test runs what would be published: the same problems stop it.
    auto check = [id](pqxx::dbtransaction& tx) {
        require_valid(tx, get_flow(tx, id), "it can be tested");
        return true;
    };
    co_await mod.db.run(std::move(check));
    auto run_id = co_await engine.start_test(id, conversation);
    co_return Response::json(202, {{"run_id", run_id}});
}

asio::awaitable<Response> handle_templates(Module&, Request&) {
    json items = json::array();
    for (const auto& t : flow_templates()) {
        items.push_back({{"key", t.key},
                         {"name", t.file.value("name", t.key)},
                         {"description", t.file.value("description", "")},
                         {"document", {{"nodes", t.file["nodes"]}, {"edges", t.file["edges"]}}}});
    }
    co_return Response::json(200, {{"items", items}});
}

// The template's name, or "Name 2", "Name 3"... when a flow has it (names ignore case).
std::string free_name(pqxx::dbtransaction& tx, const std::string& wanted) {
    std::set<std::string> taken;
    for (const auto& f : list_flows(tx)) taken.insert(fold(f.name));
    if (!taken.count(fold(wanted))) return wanted;
    for (int n = 2;; ++n) {
        auto name = wanted + " " + std::to_string(n);
        if (!taken.count(fold(name))) return name;
    }
}

// A pre-built bot becomes a flow of the owner's: a draft, published only when they say so.
asio::awaitable<Response> handle_copy_template(Module& mod, Request& req) {
    auto key = std::string(req.param("key"));
    const FlowTemplate* found = nullptr;
    for (const auto& t : flow_templates()) {
        if (t.key == key) found = &t;
    }
    if (!found) http::not_found("pre-built bot", key);
    auto body = req.body.empty() ? json::object() : http::json_object_body(req);
    auto file = found->file;
    // A name the owner chose is kept as it is (409 when taken, as POST /api/flows answers);
    // the bot's own name gets " 2", " 3"... when a flow has it.
    auto chosen = http::optional_string(body, "name", 100);
    if (chosen) file["name"] = *chosen;
    auto change = read_change(file, true);
    auto by = req.principal->user_id;
    auto create = [change, by, key, chosen](pqxx::dbtransaction& tx) {
        auto name = chosen ? *change.name : free_name(tx, *change.name);
        auto f = insert_flow(tx, name, change.description.value_or(""), *change.draft,
                             change.priority.value_or(100), by);
        store::insert_audit(
            tx, {by, "flow.created", "flow", f.id, "", {{"name", f.name}, {"template", key}}});
        return flow_json(f, true);
    };
    co_return Response::json(201, co_await mod.db.run(std::move(create)));
}

}  // namespace

void register_flow_routes(Module& mod, std::shared_ptr<Engine> engine) {
    using http::Access;
    using http::Method;
    auto& r = mod.router;
    const http::RouteOptions owner{http::kDefaultBodyLimit, Access::owner};
    auto add = [&](Method m, const char* path, auto handler, bool owner_only) {
        if (owner_only) {
            r.add(
                m, path, [&mod, handler](Request& req) { return handler(mod, req); }, owner);
        } else {
            r.add(m, path, [&mod, handler](Request& req) { return handler(mod, req); });
        }
    };
    add(Method::get, "/api/flows", handle_list, false);
    add(Method::post, "/api/flows", handle_create, true);
    add(Method::get, "/api/flows/:id", handle_get, false);
    add(Method::put, "/api/flows/:id", handle_update, true);
    add(Method::delete_, "/api/flows/:id", handle_delete, true);
    add(Method::post, "/api/flows/:id/validate", handle_validate, false);
    add(Method::post, "/api/flows/:id/publish", handle_publish, true);
    add(Method::post, "/api/flows/:id/unpublish", handle_unpublish, true);
    add(Method::get, "/api/flows/:id/versions", handle_versions, false);
    add(Method::get, "/api/flows/:id/versions/:version", handle_version, false);
    add(Method::post, "/api/flows/:id/versions/:version/restore", handle_restore, true);
    add(Method::get, "/api/flows/:id/export", handle_export, false);
    add(Method::get, "/api/flows/:id/stats", handle_stats, false);
    add(Method::get, "/api/flow-templates", handle_templates, false);
    add(Method::post, "/api/flow-templates/:key/copy", handle_copy_template, true);
    r.add(
        Method::post, "/api/flows/:id/test",
        [&mod, engine](Request& req) { return handle_test(mod, *engine, req); }, owner);
}

}  // namespace botflow::flows
