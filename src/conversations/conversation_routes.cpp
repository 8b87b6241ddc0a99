// /api/conversations: the inbox, a conversation, its messages, and the changes agents make.
#include "botflow/conversations/module.hpp"
#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/events/outbox_repo.hpp"
#include "botflow/events/shapes.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/http/router.hpp"
#include "botflow/store/audit_repo.hpp"
#include "botflow/store/conversation_repo.hpp"
#include "botflow/store/db.hpp"
#include "botflow/whatsapp/graph.hpp"
#include "botflow/whatsapp/sender.hpp"
#include "conversations/registration.hpp"

namespace botflow::conversations {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

json cursor_json(const std::optional<std::string>& cursor) {
    return cursor ? json(*cursor) : json(nullptr);
}

json page_json(const store::ConversationPage& page) {
    json items = json::array();
    for (const auto& c : page.items) items.push_back(events::to_json(c));
    return {{"items", std::move(items)}, {"next_cursor", cursor_json(page.next_cursor)}};
}

json messages_json(const std::vector<store::Message>& messages) {
    json items = json::array();
    for (const auto& m : messages) items.push_back(events::to_json(m));
    return items;
}

json page_json(const store::MessagePage& page) {
    return {{"items", messages_json(page.items)},
            {"older_cursor", cursor_json(page.older_cursor)},
            {"newer_cursor", cursor_json(page.newer_cursor)}};
}

int limit_param(const Request& req, int fallback) {
    return static_cast<int>(http::integer_query(req, "limit", 1, 200).value_or(fallback));
}

std::optional<bool> bool_param(const Request& req, const std::string& name) {
    auto v = req.query_param(name);
    if (!v) return std::nullopt;
    if (*v == "true" || *v == "1") return true;
    if (*v == "false" || *v == "0") return false;
    throw Error(Errc::unprocessable, name + " must be true or false.", {},
                {{name, "must be true or false"}});
}

void check_status(const std::string& status, const char* field) {
    if (status != "active" && status != "handed_off" && status != "closed" &&
        status != "archived") {
        throw Error(Errc::unprocessable,
                    std::string(field) + " must be active, handed_off, closed or archived.", {},
                    {{field, "must be active, handed_off, closed or archived"}});
    }
}

asio::awaitable<Response> handle_list(Module& mod, Request& req) {
    store::ConversationFilter f;
    f.status = req.query_param("status");
    if (f.status) check_status(*f.status, "status");
    f.ai_enabled = bool_param(req, "ai_enabled");
    if (auto assigned = req.query_param("assigned")) {
        if (*assigned == "me") {
            f.assigned = req.principal->user_id;
        } else if (*assigned == "none" || is_uuid(*assigned)) {
            f.assigned = *assigned;
        } else {
            throw Error(Errc::unprocessable, "assigned must be me, none or a user id.", {},
                        {{"assigned", "must be me, none or a user id"}});
        }
    }
    f.tag = req.query_param("tag");
    f.unread_only = bool_param(req, "unread").value_or(false);
    f.q = req.query_param("q");
    if (f.q && (f.q->empty() || f.q->size() > 200)) f.q.reset();
    f.cursor = req.query_param("cursor");
    f.limit = limit_param(req, 50);
    auto list = [f](pqxx::dbtransaction& tx) { return store::list_conversations(tx, f); };
    co_return Response::json(200, page_json(co_await mod.db.run(std::move(list))));
}

asio::awaitable<Response> handle_get(Module& mod, Request& req) {
    auto id = http::id_param(req, "conversation");
    auto find = [id](pqxx::dbtransaction& tx) { return store::find_conversation(tx, id); };
    auto found = co_await mod.db.run(std::move(find));
    if (!found) http::not_found("conversation", id);
    co_return Response::json(200, events::to_json(*found));
}

asio::awaitable<Response> handle_messages(Module& mod, Request& req) {
    auto id = http::id_param(req, "conversation");
    store::MessageQuery query;
    query.before = req.query_param("before");
    query.after = req.query_param("after");
    if (query.before && query.after) {
        throw Error(Errc::unprocessable, "Give before or after, not both.", {},
                    {{"after", "cannot be combined with before"}});
    }
    query.limit = limit_param(req, 50);
    auto work = [id, query](pqxx::dbtransaction& tx) -> std::optional<store::MessagePage> {
        if (!store::find_conversation(tx, id)) return std::nullopt;
        return store::list_messages(tx, id, query);
    };
    auto page = co_await mod.db.run(std::move(work));
    if (!page) http::not_found("conversation", id);
    co_return Response::json(200, page_json(*page));
}

asio::awaitable<Response> apply_change(Module& mod, Request& req, const std::string& id,
                                       store::ConversationChange change) {
    auto by = req.principal->user_id;
    auto work = [id, change, by](pqxx::dbtransaction& tx) -> std::optional<store::Conversation> {
        if (!store::update_conversation(tx, id, change)) return std::nullopt;
        auto found = store::find_conversation(tx, id);
        if (found) events::stage(tx, events::conversation_updated(*found));
        return found;
    };
    auto updated = co_await mod.db.run(std::move(work));
    if (!updated) http::not_found("conversation", id);
    co_return Response::json(200, events::to_json(*updated));
}

asio::awaitable<Response> handle_patch(Module& mod, Request& req) {
    auto id = http::id_param(req, "conversation");
    auto body = http::json_object_body(req);
    store::ConversationChange change;
    change.status = http::optional_string(body, "status", 20);
    if (change.status) check_status(*change.status, "status");
    change.ai_enabled = http::optional_bool(body, "ai_enabled");
    if (body.contains("assigned_to")) {
        change.set_assigned = true;
        if (!body["assigned_to"].is_null()) {
            auto who = http::required_string(body, "assigned_to", 36);
            if (!is_uuid(who)) {
                throw Error(Errc::unprocessable, "assigned_to must be a user id or null.", {},
                            {{"assigned_to", "must be a user id or null"}});
            }
            change.assigned_to = who;
        }
    }
    if (body.contains("tags")) {
        const auto& tags = body["tags"];
        bool ok = tags.is_array() && tags.size() <= 20;
        std::vector<std::string> list;
        for (const auto& t : tags) {
            ok = ok && t.is_string() && !t.get<std::string>().empty() &&
                 t.get<std::string>().size() <= 50 &&
                 t.get<std::string>().find('\0') == std::string::npos;
            if (ok) list.push_back(t.get<std::string>());
        }
        if (!ok) {
            throw Error(Errc::unprocessable, "tags must be up to 20 strings of 1 to 50 bytes.", {},
                        {{"tags", "must be up to 20 strings of 1 to 50 bytes"}});
        }
        change.tags = list;
    }
    change.customer_name = http::optional_string(body, "customer_name", 200);
    change.notes = http::optional_string(body, "notes", 10000);
    co_return co_await apply_change(mod, req, id, std::move(change));
}

asio::awaitable<Response> handle_ai_toggle(Module& mod, Request& req) {
    auto id = http::id_param(req, "conversation");
    auto body = http::json_object_body(req);
    auto enabled = http::optional_bool(body, "enabled");
    if (!enabled) {
        throw Error(Errc::unprocessable, "enabled is required: true or false.", {},
                    {{"enabled", "is required"}});
    }
    store::ConversationChange change;
    change.ai_enabled = *enabled;
    co_return co_await apply_change(mod, req, id, std::move(change));
}

asio::awaitable<Response> handle_export(Module& mod, Request& req) {
    auto id = http::id_param(req, "conversation");
    auto format = req.query_param("format").value_or("json");
    if (format != "json" && format != "csv") {
        throw Error(Errc::unprocessable, "format must be json or csv.", {},
                    {{"format", "must be json or csv"}});
    }
    struct Export {
        store::Conversation conversation;
        std::vector<store::Message> messages;
    };
    auto work = [id](pqxx::dbtransaction& tx) -> std::optional<Export> {
        auto conversation = store::find_conversation(tx, id);
        if (!conversation) return std::nullopt;
        return Export{std::move(*conversation), store::list_all_messages(tx, id)};
    };
    auto data = co_await mod.db.run(std::move(work));
    if (!data) http::not_found("conversation", id);
    Response r;
    if (format == "json") {
        r = Response::json(200, {{"conversation", events::to_json(data->conversation)},
                                 {"messages", messages_json(data->messages)}});
    } else {
        std::string csv = "time,direction,sender,type,content,status,whatsapp_message_id\r\n";
        for (const auto& m : data->messages) {
            csv += store::csv_field(m.created_at) + "," + store::csv_field(m.direction) + "," +
                   store::csv_field(m.sender) + "," + store::csv_field(m.type) + "," +
                   store::csv_field(m.content) + "," + store::csv_field(m.status) + "," +
                   store::csv_field(m.whatsapp_message_id.value_or("")) + "\r\n";
        }
        r = Response::text(200, std::move(csv), "text/csv; charset=utf-8");
    }
    r.set_header("Content-Disposition",
                 "attachment; filename=\"conversation-" + id + "." + format + "\"");
    co_return http::no_store(std::move(r));
}

asio::awaitable<Response> handle_read(Module& mod, Request& req) {
    auto id = http::id_param(req, "conversation");
    auto work = [id](pqxx::dbtransaction& tx) -> std::optional<std::string> {
        if (!store::mark_conversation_read(tx, id)) return std::nullopt;
        // Unread counts are shared: a colleague's inbox clears its badge too.
        events::stage(tx, events::conversation_updated({{"id", id}, {"unread_count", 0}}));
        return store::find_last_inbound_wamid(tx, id).value_or("");
    };
    auto last_wamid = co_await mod.db.run(std::move(work));
    if (!last_wamid) http::not_found("conversation", id);
    if (!last_wamid->empty()) {
        // The customer sees blue ticks once a person has read the conversation. Best effort,
        // and not awaited: the dashboard need not wait on Meta.
        asio::co_spawn(mod.io, whatsapp::mark_read(mod.graph, *last_wamid, false), asio::detached);
    }
    co_return Response::no_content();
}

asio::awaitable<Response> handle_delete(Module& mod, Request& req) {
    auto id = http::id_param(req, "conversation");
    if (req.query_param("erase").value_or("") != "true") {
        store::ConversationChange change;
        change.status = "archived";
        co_return co_await apply_change(mod, req, id, std::move(change));
    }
    // Erasing a customer's data is for the owner alone, and leaves a trace in the audit log.
    if (req.principal->role != "owner") {
        throw Error(Errc::forbidden, "Only the owner can erase a customer's messages.");
    }
    auto by = req.principal->user_id;
    auto ip = req.remote_address;
    auto work = [id, by, ip](pqxx::dbtransaction& tx) -> std::optional<long> {
        auto erased = store::erase_conversation(tx, id);
        if (erased) {
            store::insert_audit(tx, {by, "conversation.erase", "conversation", id, ip,
                                     nlohmann::json{{"messages", *erased}}});
        }
        return erased;
    };
    auto erased = co_await mod.db.run(std::move(work));
    if (!erased) http::not_found("conversation", id);
    co_return Response::json(200, {{"status", "erased"}, {"messages", *erased}});
}

}  // namespace

void register_conversation_routes(Module& mod) {
    using http::Method;
    auto& r = mod.router;
    r.add(Method::get, "/api/conversations",
          [&mod](Request& req) { return handle_list(mod, req); });
    r.add(Method::get, "/api/conversations/:id",
          [&mod](Request& req) { return handle_get(mod, req); });
    r.add(Method::patch, "/api/conversations/:id",
          [&mod](Request& req) { return handle_patch(mod, req); });
    r.add(Method::delete_, "/api/conversations/:id",
          [&mod](Request& req) { return handle_delete(mod, req); });
    r.add(Method::get, "/api/conversations/:id/messages",
          [&mod](Request& req) { return handle_messages(mod, req); });
    r.add(Method::put, "/api/conversations/:id/ai-toggle",
          [&mod](Request& req) { return handle_ai_toggle(mod, req); });
    r.add(Method::get, "/api/conversations/:id/export",
          [&mod](Request& req) { return handle_export(mod, req); });
    r.add(Method::post, "/api/conversations/:id/read",
          [&mod](Request& req) { return handle_read(mod, req); });
}

}  // namespace botflow::conversations
