// Agent replies, media downloads and the simulator: the routes that put messages on the wire
// or take them off it.
#include "botflow/auth/passwords.hpp"
#include "botflow/conversations/inbox.hpp"
#include "botflow/conversations/module.hpp"
#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/events/outbox_repo.hpp"
#include "botflow/events/shapes.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/http/multipart.hpp"
#include "botflow/http/router.hpp"
#include "botflow/jobs/runner.hpp"
#include "botflow/store/conversation_repo.hpp"
#include "botflow/store/db.hpp"
#include "botflow/util/crypto.hpp"
#include "botflow/whatsapp/connection.hpp"
#include "botflow/whatsapp/media_repo.hpp"
#include "botflow/whatsapp/media_types.hpp"
#include "botflow/whatsapp/queue.hpp"
#include "botflow/whatsapp/sender.hpp"
#include "conversations/registration.hpp"

namespace botflow::conversations {

using whatsapp::check_window;

namespace {

using http::Request;
using http::Response;

asio::awaitable<Response> handle_reply(Module& mod, Request& req) {
    auto id = http::id_param(req, "conversation");
    whatsapp::QueuedMessage q{id, whatsapp::parse_outgoing(http::json_object_body(req)), "agent",
                              req.principal->user_id};
    auto work = [q](pqxx::dbtransaction& tx) {
        // One reply at a time per conversation, so two agents' messages keep their order.
        if (!store::lock_conversation(tx, q.conversation_id)) {
            http::not_found("conversation", q.conversation_id);
        }
        // A template is what WhatsApp allows outside the 24-hour window.
        if (q.message.kind != whatsapp::Kind::template_) check_window(tx, q.conversation_id);
        auto ids = whatsapp::queue_message(tx, q);
        // A person is answering: the AI stays quiet here until someone switches it back on.
        store::update_for_agent_reply(tx, q.conversation_id, *q.sender_user_id);
        auto messages = store::messages_by_id(tx, ids);
        auto conversation = *store::find_conversation(tx, q.conversation_id);
        // In the outbox before the send's own "sent": a screen never sees the status of a
        // message it has not been shown.
        nlohmann::json out = {{"messages", nlohmann::json::array()},
                              {"conversation", events::to_json(conversation)}};
        for (const auto& m : messages) {
            auto message = events::to_json(m);
            events::stage(tx, events::message_created(q.conversation_id, message));
            out["messages"].push_back(std::move(message));
        }
        events::stage(tx, events::conversation_updated(conversation));
        return out;
    };
    auto out = co_await mod.db.run(std::move(work));
    mod.jobs.wake();
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

asio::awaitable<Response> handle_media(Module& mod, Request& req) {
    auto id = http::id_param(req, "message");
    auto load = [id](pqxx::dbtransaction& tx) { return whatsapp::find_message_file(tx, id); };
    auto media = co_await mod.db.run(std::move(load));
    if (!media) http::not_found("message", id);
    if (!media->has_media) throw Error(Errc::not_found, "This message has no media.");
    if (!media->downloaded) {
        throw Error(Errc::not_found,
                    "The media of this message is not downloaded yet (or could not be); see "
                    "GET /api/jobs?state=dead for a failed download.");
    }
    Response res;
    res.status = 200;
    res.body = std::move(media->bytes);
    res.set_header("Content-Type", safe_mime(media->mime_type));
    res.set_header("Content-Disposition",
                   http::attachment_disposition(media->filename, media->type == "document"));
    res.set_header("Cache-Control", "private, max-age=86400");
    res.set_header("X-Content-Type-Options", "nosniff");
    // A customer's file is never run as a page of ours, whatever its type says.
    res.set_header("Content-Security-Policy", "default-src 'none'; sandbox");
    co_return res;
}

// WhatsApp's largest file (a document) and the form around it.
constexpr std::size_t kMaxUploadBytes = (100u << 20) + (64u << 10);

// POST /api/media: a file an agent will send, recognised by its bytes and kept until then.
asio::awaitable<Response> handle_upload(Module& mod, Request& req) {
    auto boundary = http::multipart_boundary(req.header("content-type"));
    if (!boundary) {
        throw Error(Errc::unsupported_media_type,
                    "Upload the file as multipart/form-data, e.g. curl -F file=@photo.jpg.");
    }
    http::FormLimits limits;
    limits.max_file_bytes = 100u << 20;
    auto parts = http::parse_form(req.body, *boundary, limits);
    const http::FormPart* file = nullptr;
    for (const auto& p : parts) {
        if (p.headers.name == "file" && p.headers.filename) file = &p;
    }
    if (!file) {
        throw Error(Errc::unprocessable, "The form has no file part (curl -F file=@photo.jpg).", {},
                    {{"file", "is required"}});
    }
    auto filename = file->headers.filename->empty() ? std::string("file")
                                                    : file->headers.filename->substr(0, 240);
    auto type = whatsapp::sniff_media(file->data, filename);
    if (!type) {
        throw Error(Errc::unsupported_media_type,
                    "WhatsApp cannot send this kind of file. Send a JPEG or PNG image, a PDF or "
                    "Office document, a plain text file, MP3/OGG/AAC/AMR audio or MP4/3GPP "
                    "video.");
    }
    if (file->data.size() > whatsapp::media_limit(type->kind)) {
        throw Error(Errc::payload_too_large,
                    "WhatsApp sends " + type->kind + " files of at most " +
                        std::to_string(whatsapp::media_limit(type->kind) >> 20) + " MB.");
    }
    auto by = req.principal->user_id;
    auto sha = util::sha256_hex(file->data);
    whatsapp::Upload upload{type->kind, type->mime, filename, sha,
                            static_cast<std::int64_t>(file->data.size())};
    auto store = [upload, by, bytes = file->data](pqxx::dbtransaction& tx) {
        return whatsapp::insert_upload(tx, upload, bytes, by);
    };
    auto id = co_await mod.db.run(std::move(store));
    co_return Response::json(201, {{"id", id},
                                   {"kind", type->kind},
                                   {"mime_type", type->mime},
                                   {"filename", filename},
                                   {"size", file->data.size()},
                                   {"sha256", sha}});
}

}  // namespace

void register_message_routes(Module& mod) {
    using http::Method;
    auto& r = mod.router;
    r.add(Method::post, "/api/conversations/:id/messages",
          [&mod](Request& req) { return handle_reply(mod, req); });
    r.add(Method::get, "/api/messages/:id/media",
          [&mod](Request& req) { return handle_media(mod, req); });
    r.add(
        Method::post, "/api/media", [&mod](Request& req) { return handle_upload(mod, req); },
        http::RouteOptions{kMaxUploadBytes, http::Access::user,
                           "Files may be at most 100 MB (WhatsApp's largest document)."});
}

}  // namespace botflow::conversations
