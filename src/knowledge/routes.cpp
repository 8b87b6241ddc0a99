// /api/documents: the knowledge base (typed-in documents for now) and its search.
#include "botflow/knowledge/routes.hpp"

#include <pqxx/pqxx>

#include "botflow/core/app.hpp"
#include "botflow/core/error.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/knowledge/documents.hpp"
#include "botflow/knowledge/search.hpp"
#include "botflow/store/user_repo.hpp"

namespace botflow::knowledge {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

std::string document_id(const Request& req) {
    std::string id(req.param("id"));
    if (!store::is_uuid(id)) throw Error(Errc::not_found, "No document has the id " + id + ".");
    return id;
}

[[noreturn]] void no_document(const std::string& id) {
    throw Error(Errc::not_found, "No document has the id " + id + ".");
}

DocumentInput read_input(const json& body, std::size_t max_content) {
    DocumentInput in;
    in.title = http::optional_string(body, "title", 200);
    in.content = http::optional_string(body, "content", max_content);
    in.category = http::optional_string(body, "category", 50);
    if (body.contains("tags") && !body["tags"].is_null()) {
        if (!body["tags"].is_array()) {
            throw Error(Errc::unprocessable, "tags must be a list of words.", {},
                        {{"tags", "must be a list of strings"}});
        }
        std::vector<std::string> tags;
        for (const auto& t : body["tags"]) {
            if (!t.is_string()) {
                throw Error(Errc::unprocessable, "tags must be a list of words.", {},
                            {{"tags", "must be a list of strings"}});
            }
            tags.push_back(t.get<std::string>());
        }
        in.tags = std::move(tags);
    }
    return in;
}

asio::awaitable<Response> handle_list(App& app, Request&) {
    auto list = [](pqxx::dbtransaction& tx) { return list_documents(tx); };
    co_return Response::json(200, co_await app.db.run(std::move(list)));
}

asio::awaitable<Response> handle_create_text(App& app, Request& req) {
    auto in = read_input(http::json_object_body(req), http::kDefaultBodyLimit);
    auto by = req.principal->user_id;
    auto max = app.config.kb_max_documents;
    auto language = app.config.kb_language;
    auto create = [in, by, max, language](pqxx::dbtransaction& tx) {
        return create_text_document(tx, in, by, max, language);
    };
    co_return Response::json(201, co_await app.db.run(std::move(create)));
}

asio::awaitable<Response> handle_get(App& app, Request& req) {
    auto id = document_id(req);
    auto find = [id](pqxx::dbtransaction& tx) { return find_document(tx, id); };
    auto found = co_await app.db.run(std::move(find));
    if (!found) no_document(id);
    co_return Response::json(200, *found);
}

asio::awaitable<Response> handle_patch(App& app, Request& req) {
    auto id = document_id(req);
    auto in = read_input(http::json_object_body(req), http::kDefaultBodyLimit);
    auto language = app.config.kb_language;
    auto update = [id, in, language](pqxx::dbtransaction& tx) {
        return update_document(tx, id, in, language);
    };
    auto updated = co_await app.db.run(std::move(update));
    if (!updated) no_document(id);
    co_return Response::json(200, *updated);
}

asio::awaitable<Response> handle_delete(App& app, Request& req) {
    auto id = document_id(req);
    auto remove = [id](pqxx::dbtransaction& tx) { return delete_document(tx, id); };
    if (!co_await app.db.run(std::move(remove))) no_document(id);
    co_return Response::no_content();
}

asio::awaitable<Response> handle_search(App& app, Request& req) {
    auto body = http::json_object_body(req);
    auto query = http::required_string(body, "query", 500);
    int limit = 5;
    if (body.contains("limit")) {
        if (!body["limit"].is_number_integer() || body["limit"].get<long long>() < 1 ||
            body["limit"].get<long long>() > 20) {
            throw Error(Errc::unprocessable, "limit must be a whole number from 1 to 20.", {},
                        {{"limit", "must be 1 to 20"}});
        }
        limit = body["limit"].get<int>();
    }
    auto language = app.config.kb_language;
    auto search = [query, limit, language](pqxx::dbtransaction& tx) {
        return knowledge::hits_json(knowledge::search_chunks(tx, query, limit, language));
    };
    auto items = co_await app.db.run(std::move(search));
    json out = {{"items", std::move(items)}};
    co_return Response::json(200, out);
}

}  // namespace

void register_routes(App& app) {
    using http::Method;
    auto& r = app.router;
    r.add(Method::get, "/api/documents", [&app](Request& req) { return handle_list(app, req); });
    r.add(Method::post, "/api/documents/text",
          [&app](Request& req) { return handle_create_text(app, req); });
    r.add(Method::get, "/api/documents/:id", [&app](Request& req) { return handle_get(app, req); });
    r.add(Method::patch, "/api/documents/:id",
          [&app](Request& req) { return handle_patch(app, req); });
    r.add(Method::delete_, "/api/documents/:id",
          [&app](Request& req) { return handle_delete(app, req); });
    r.add(Method::post, "/api/documents/search",
          [&app](Request& req) { return handle_search(app, req); });
}

}  // namespace botflow::knowledge
