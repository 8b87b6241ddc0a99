// A conversation's flow runs with their logs, stopping a run, the secrets API calls send, and
// the flows' settings (the escape words).
#include <pqxx/pqxx>

#include "botflow/config/config.hpp"
#include "botflow/core/error.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/http/router.hpp"
#include "botflow/store/audit_repo.hpp"
#include "botflow/store/conversation_repo.hpp"
#include "botflow/store/setting_repo.hpp"
#include "botflow/util/crypto.hpp"
#include "flows/engine.hpp"
#include "flows/flow_repo.hpp"
#include "flows/registration.hpp"

namespace botflow::flows {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

json step_json(const StepRecord& s) {
    return {{"seq", s.seq},
            {"node_id", s.node_id},
            {"node_type", s.node_type},
            {"input", s.input},
            {"outcome", s.outcome ? json(*s.outcome) : json(nullptr)},
            {"changed", s.changed},
            {"message_ids", s.message_ids},
            {"duration_ms", s.duration_ms},
            {"error", s.error ? json(*s.error) : json(nullptr)},
            {"at", s.at}};
}

json run_json(const Run& r) {
    return {{"id", r.id},
            {"conversation_id", r.conversation_id},
            {"flow_id", r.flow_id},
            {"flow_name", r.flow_name},
            {"version", r.version},
            {"test", r.version == 0},
            {"node_id", r.node_id},
            {"status", r.status},
            {"waiting_for", r.waiting_for ? json(*r.waiting_for) : json(nullptr)},
            {"wait_until", r.wait_until ? json(*r.wait_until) : json(nullptr)},
            {"variables", r.vars},
            {"error", r.error ? json(*r.error) : json(nullptr)},
            {"started_at", r.started_at},
            {"ended_at", r.ended_at ? json(*r.ended_at) : json(nullptr)}};
}

asio::awaitable<Response> handle_runs(Module& mod, Request& req) {
    auto id = http::id_param(req, "conversation");
    auto read = [id](pqxx::dbtransaction& tx) {
        if (!store::find_conversation(tx, id)) http::not_found("conversation", id);
        json items = json::array();
        for (const auto& run : runs_of_conversation(tx, id, 20)) {
            auto item = run_json(run);
            item["steps"] = json::array();
            for (const auto& s : steps_of_run(tx, run.id)) item["steps"].push_back(step_json(s));
            items.push_back(std::move(item));
        }
        return json{{"items", items}};
    };
    co_return Response::json(200, co_await mod.db.run(std::move(read)));
}

asio::awaitable<Response> handle_stop(Module& mod, Engine& engine, Request& req) {
    auto id = http::id_param(req, "flow run");
    auto by = req.principal->user_id;
    auto stop = [id, by, &engine](pqxx::dbtransaction& tx) {
        auto run = lock_run(tx, id);
        if (!run) http::not_found("flow run", id);
        if (!run->active()) {
            throw Error(Errc::conflict, "The run has ended already (" + run->status + ").");
        }
        StepRecord line;
        line.outcome = "stopped";
        end_run(tx, *run, engine.documents().of(tx, *run).get(), "stopped", std::nullopt, false,
                std::move(line), by);
        store::insert_audit(tx, {by, "flow_run.stopped", "flow_run", id, "", json::object()});
        return run_json(*run);
    };
    co_return Response::json(200, co_await mod.db.run(std::move(stop)));
}

std::string secret_name(const Request& req) {
    auto name = std::string(req.param("name"));
    bool ok =
        !name.empty() && name.size() <= 64 &&
        (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_') &&
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
            std::string::npos;
    if (!ok) {
        throw Error(
            Errc::unprocessable, "A secret's name is letters, digits and _, at most 64.", {},
            {{"name", "must be letters, digits and _ (at most 64), not starting with a digit"}});
    }
    return name;
}

asio::awaitable<Response> handle_secrets(Module& mod, Request&) {
    auto list = [](pqxx::dbtransaction& tx) {
        json items = json::array();
        for (const auto& s : list_secrets(tx)) {
            items.push_back(
                {{"name", s.name}, {"created_at", s.created_at}, {"updated_at", s.updated_at}});
        }
        return json{{"items", items}};
    };
    co_return Response::json(200, co_await mod.db.run(std::move(list)));
}

asio::awaitable<Response> handle_put_secret(Module& mod, Request& req) {
    auto name = secret_name(req);
    auto value = http::required_string(http::json_object_body(req), "value", 8192);
    auto sealed = util::seal(config::sealing_key(mod.config), value);
    auto by = req.principal->user_id;
    auto put = [name, sealed, by](pqxx::dbtransaction& tx) {
        put_secret(tx, name, sealed, by);
        store::insert_audit(tx, {by, "flow_secret.saved", "flow_secret", name, "", json::object()});
        return true;
    };
    co_await mod.db.run(std::move(put));
    co_return Response::no_content();
}

asio::awaitable<Response> handle_delete_secret(Module& mod, Request& req) {
    auto name = secret_name(req);
    auto by = req.principal->user_id;
    auto remove = [name, by](pqxx::dbtransaction& tx) {
        if (!delete_secret(tx, name))
            throw Error(Errc::not_found, "No secret is named " + name + ".");
        store::insert_audit(tx,
                            {by, "flow_secret.deleted", "flow_secret", name, "", json::object()});
        return true;
    };
    co_await mod.db.run(std::move(remove));
    co_return Response::no_content();
}

json settings_of(pqxx::dbtransaction& tx) {
    auto stored = store::get_setting(tx, "flows");
    json out{{"escape_words", default_escape_words()}};
    if (stored && stored->contains("escape_words")) out["escape_words"] = (*stored)["escape_words"];
    return out;
}

asio::awaitable<Response> handle_get_settings(Module& mod, Request&) {
    auto read = [](pqxx::dbtransaction& tx) { return settings_of(tx); };
    co_return Response::json(200, co_await mod.db.run(std::move(read)));
}

asio::awaitable<Response> handle_put_settings(Module& mod, Request& req) {
    auto body = http::json_object_body(req);
    const auto& words = body.value("escape_words", json());
    bool ok = words.is_array() && words.size() <= 100;
    for (const auto& w : ok ? words : json::array()) {
        ok = ok && w.is_string() && !w.get<std::string>().empty() &&
             w.get<std::string>().size() <= 100;
    }
    if (!ok) {
        throw Error(Errc::unprocessable, "escape_words must be a list of words.", {},
                    {{"escape_words", "must be a list of up to 100 words or phrases, none empty"}});
    }
    auto by = req.principal->user_id;
    auto write = [words, by](pqxx::dbtransaction& tx) {
        store::put_setting(tx, "flows", json{{"escape_words", words}}, by);
        store::insert_audit(tx,
                            {by, "settings.flows", "settings", "", "", {{"escape_words", words}}});
        return settings_of(tx);
    };
    co_return Response::json(200, co_await mod.db.run(std::move(write)));
}

}  // namespace

void register_run_routes(Module& mod, std::shared_ptr<Engine> engine) {
    using http::Access;
    using http::Method;
    auto& r = mod.router;
    const http::RouteOptions owner{http::kDefaultBodyLimit, Access::owner};
    r.add(Method::get, "/api/conversations/:id/flow-runs",
          [&mod](Request& req) { return handle_runs(mod, req); });
    r.add(Method::post, "/api/flow-runs/:id/stop",
          [&mod, engine](Request& req) { return handle_stop(mod, *engine, req); });
    r.add(
        Method::get, "/api/flow-secrets", [&mod](Request& req) { return handle_secrets(mod, req); },
        owner);
    r.add(
        Method::put, "/api/flow-secrets/:name",
        [&mod](Request& req) { return handle_put_secret(mod, req); }, owner);
    r.add(
        Method::delete_, "/api/flow-secrets/:name",
        [&mod](Request& req) { return handle_delete_secret(mod, req); }, owner);
    r.add(Method::get, "/api/settings/flows",
          [&mod](Request& req) { return handle_get_settings(mod, req); });
    r.add(
        Method::put, "/api/settings/flows",
        [&mod](Request& req) { return handle_put_settings(mod, req); }, owner);
}

}  // namespace botflow::flows
