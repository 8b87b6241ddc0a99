// Agent replies, media downloads and the simulator: the routes that put messages on the wire
// or take them off it.
#include <pqxx/pqxx>

#include "botflow/auth/passwords.hpp"
#include "botflow/core/app.hpp"
#include "botflow/core/error.hpp"
#include "botflow/events/outbox.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/store/conversation_repo.hpp"
#include "botflow/store/user_repo.hpp"
#include "botflow/whatsapp/routes.hpp"
#include "botflow/whatsapp/sender.hpp"

namespace botflow::whatsapp {
namespace {

using http::Request;
using http::Response;

// An agent may paste a long answer; it is split into WhatsApp-sized messages.
constexpr std::size_t kMaxReplyBytes = 32 * 1024;

asio::awaitable<Response> handle_reply(App& app, Request& req) {
    auto id = http::id_param(req, "conversation");
    auto body = http::json_object_body(req);
    auto text = http::required_string(body, "text", kMaxReplyBytes);
    auto reply_to = http::optional_string(body, "reply_to", 64);
    if (reply_to && !store::is_uuid(*reply_to)) {
        throw Error(Errc::unprocessable, "reply_to must be the id of a message.", {},
                    {{"reply_to", "must be a message id"}});
    }
    Reply reply;
    reply.conversation_id = id;
    reply.text = text;
    reply.sender = "agent";
    reply.sender_user_id = req.principal->user_id;
    auto work = [reply, reply_to](pqxx::dbtransaction& tx) mutable {
        // One reply at a time per conversation, so two agents' messages keep their order.
        tx.exec_params("SELECT 1 FROM conversations WHERE id = $1::uuid FOR UPDATE",
                       reply.conversation_id);
        check_window(tx, reply.conversation_id);
        if (reply_to) {
            auto quoted = tx.exec_params(
                "SELECT whatsapp_message_id FROM messages WHERE id = $1::uuid "
                " AND conversation_id = $2::uuid",
                *reply_to, reply.conversation_id);
            if (quoted.empty() || quoted[0][0].is_null()) {
                throw Error(Errc::unprocessable,
                            "reply_to must be a message of this conversation that WhatsApp "
                            "knows (sent or received).",
                            {}, {{"reply_to", "no such message on WhatsApp in this conversation"}});
            }
            reply.reply_to = quoted[0][0].as<std::string>();
        }
        auto ids = queue_reply(tx, reply);
        // A person is answering: the AI stays quiet here until someone switches it back on.
        tx.exec_params(
            "UPDATE conversations SET ai_enabled = false, unread_count = 0, "
            " assigned_user_id = COALESCE(assigned_user_id, $2::uuid), updated_at = now() "
            "WHERE id = $1::uuid",
            reply.conversation_id, *reply.sender_user_id);
        nlohmann::json out = {
            {"messages", store::messages_by_id(tx, ids)},
            {"conversation", *store::find_conversation(tx, reply.conversation_id)}};
        // In the outbox before the send's own "sent": a screen never sees the status of a
        // message it has not been shown.
        for (const auto& m : out["messages"]) {
            events::stage(tx, events::message_created(reply.conversation_id, m));
        }
        events::stage(tx, events::conversation_updated(out["conversation"]));
        return out;
    };
    auto out = co_await app.db.run(std::move(work));
    app.jobs.wake();
    co_return Response::json(202, out);
}

// A MIME type safe to echo in Content-Type: type/subtype with token characters, parameters
// dropped; anything else is served as bytes.
std::string safe_mime(const std::string& mime) {
    auto end = mime.find(';');
    std::string base = mime.substr(0, end);
    bool slash = false;
    for (char c : base) {
        if (c == '/') {
            if (slash) return "application/octet-stream";
            slash = true;
        } else if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '+' &&
                   c != '.' && c != '_') {
            return "application/octet-stream";
        }
    }
    return slash && !base.empty() ? base : "application/octet-stream";
}

asio::awaitable<Response> handle_media(App& app, Request& req) {
    auto id = http::id_param(req, "message");
    struct Media {
        bool has_media = false;
        bool fetched = false;
        std::string mime, type, filename, bytes;
    };
    auto load = [id](pqxx::dbtransaction& tx) -> std::optional<Media> {
        auto r = tx.exec_params(
            "SELECT m.media_id IS NOT NULL, mm.message_id IS NOT NULL, "
            " COALESCE(mm.mime_type, ''), m.type, COALESCE(m.media_filename, ''), mm.bytes "
            "FROM messages m LEFT JOIN message_media mm ON mm.message_id = m.id "
            "WHERE m.id = $1::uuid",
            id);
        if (r.empty()) return std::nullopt;
        Media m;
        m.has_media = r[0][0].as<bool>();
        m.fetched = r[0][1].as<bool>();
        m.mime = r[0][2].as<std::string>();
        m.type = r[0][3].as<std::string>();
        m.filename = r[0][4].as<std::string>();
        if (m.fetched) m.bytes = pqxx::binarystring(r[0][5]).str();
        return m;
    };
    auto media = co_await app.db.run(std::move(load));
    if (!media) http::not_found("message", id);
    if (!media->has_media) throw Error(Errc::not_found, "This message has no media.");
    if (!media->fetched) {
        throw Error(Errc::not_found,
                    "The media of this message is not downloaded yet (or could not be); see "
                    "GET /api/jobs?state=dead for a failed download.");
    }
    Response res;
    res.status = 200;
    res.body = std::move(media->bytes);
    res.set_header("Content-Type", safe_mime(media->mime));
    res.set_header("Content-Disposition",
                   http::attachment_disposition(media->filename, media->type == "document"));
    res.set_header("Cache-Control", "private, max-age=86400");
    res.set_header("X-Content-Type-Options", "nosniff");
    // A customer's file is never run as a page of ours, whatever its type says.
    res.set_header("Content-Security-Policy", "default-src 'none'; sandbox");
    co_return res;
}

// "+1 (650) 555-1234" -> "16505551234"; nullopt unless 6 to 15 digits.
std::optional<std::string> phone_digits(const std::string& phone) {
    std::string digits;
    for (char c : phone) {
        if (std::isdigit(static_cast<unsigned char>(c))) {
            digits += c;
        } else if (c != '+' && c != ' ' && c != '-' && c != '(' && c != ')' && c != '.') {
            return std::nullopt;
        }
    }
    if (digits.size() < 6 || digits.size() > 15) return std::nullopt;
    return digits;
}

asio::awaitable<Response> handle_simulate(App& app, Request& req) {
    auto body = http::json_object_body(req);
    auto phone = http::required_string(body, "phone", 32);
    auto wa_id = phone_digits(phone);
    if (!wa_id) {
        throw Error(Errc::unprocessable, "phone must be a phone number with country code.", {},
                    {{"phone", "must be 6 to 15 digits, e.g. +15551234567"}});
    }
    auto name = http::optional_string(body, "name", 100).value_or("Test customer");
    auto text = http::required_string(body, "text", 4096);

    auto check = [id = *wa_id](pqxx::dbtransaction& tx) {
        auto r = tx.exec_params("SELECT simulated FROM conversations WHERE wa_id = $1", id);
        return !r.empty() && !r[0][0].as<bool>();
    };
    if (co_await app.db.run(std::move(check))) {
        throw Error(Errc::conflict,
                    "This number belongs to a real customer's conversation; use another number "
                    "in the simulator.",
                    {}, {{"phone", "is a real customer's number"}});
    }

    // A genuine Cloud API delivery, signed and parsed exactly as Meta's would be.
    auto credentials = app.whatsapp.get();
    std::string phone_number_id = credentials->phone_number_id.empty()
                                      ? std::string("simulator")
                                      : credentials->phone_number_id;
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    std::string wamid = "simulator." + auth::random_token(18);
    nlohmann::json delivery = {
        {"object", "whatsapp_business_account"},
        {"entry",
         {{{"id", "simulator"},
           {"changes",
            {{{"field", "messages"},
              {"value",
               {{"messaging_product", "whatsapp"},
                {"metadata",
                 {{"display_phone_number", "simulator"}, {"phone_number_id", phone_number_id}}},
                {"contacts", {{{"profile", {{"name", name}}}, {"wa_id", *wa_id}}}},
                {"messages",
                 {{{"from", *wa_id},
                   {"id", wamid},
                   {"timestamp", std::to_string(now)},
                   {"type", "text"},
                   {"text", {{"body", text}}}}}}}}}}}}}}};
    std::string raw = delivery.dump();
    Secret key =
        credentials->app_secret.empty() ? Secret(auth::random_token(32)) : credentials->app_secret;
    check_signature(sign_body(raw, key), raw, key);
    auto batch = parse_webhook(raw, credentials->phone_number_id);
    batch.simulated = true;
    co_await app.inbox.store(std::move(batch));

    auto find = [wamid](pqxx::dbtransaction& tx) -> std::optional<nlohmann::json> {
        auto r = tx.exec_params(
            "SELECT id::text, conversation_id::text FROM messages WHERE whatsapp_message_id = $1",
            wamid);
        if (r.empty()) return std::nullopt;
        auto conversation = r[0][1].as<std::string>();
        return nlohmann::json{
            {"message", store::messages_by_id(tx, {r[0][0].as<std::string>()})[0]},
            {"conversation", *store::find_conversation(tx, conversation)}};
    };
    auto out = co_await app.db.run(std::move(find));
    if (!out) throw Error(Errc::internal, "The simulated message was not stored.");
    co_return Response::json(201, *out);
}

}  // namespace

void register_message_routes(App& app) {
    using http::Method;
    auto& r = app.router;
    r.add(Method::post, "/api/conversations/:id/messages",
          [&app](Request& req) { return handle_reply(app, req); });
    r.add(Method::get, "/api/messages/:id/media",
          [&app](Request& req) { return handle_media(app, req); });
    r.add(Method::post, "/api/simulator/messages",
          [&app](Request& req) { return handle_simulate(app, req); });
}

}  // namespace botflow::whatsapp
