#include "botflow/whatsapp/queue.hpp"

#include <pqxx/pqxx>

#include "botflow/core/error.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/jobs/job_repo.hpp"
#include "botflow/store/db.hpp"
#include "botflow/whatsapp/text.hpp"

namespace botflow::whatsapp {
namespace {

using nlohmann::json;
using store::nullable;

[[noreturn]] void refuse(const std::string& field, const std::string& why) {
    throw Error(Errc::unprocessable, "The message cannot be sent: " + why + ".", {},
                {{field, why}});
}

// The wamid of the message `reply_to` quotes.
std::string quoted_wamid(pqxx::dbtransaction& tx, const std::string& conversation,
                         const std::string& id) {
    auto r = tx.exec_params(
        "SELECT whatsapp_message_id FROM messages WHERE id = $1::uuid AND conversation_id = "
        "$2::uuid",
        id, conversation);
    if (r.empty() || r[0][0].is_null()) {
        refuse("reply_to",
               "must be a message of this conversation that WhatsApp knows (sent or received)");
    }
    return r[0][0].as<std::string>();
}

struct Upload {
    std::string mime, filename, sha256;
    long long size = 0;
    std::string kind;
};

// The stored upload `media_id` names, checked against the message's type.
Upload upload_of(pqxx::dbtransaction& tx, const Outgoing& m) {
    auto r = tx.exec_params(
        "SELECT mime_type, filename, sha256, size, kind FROM media_uploads WHERE id = $1::uuid",
        *m.media_id);
    if (r.empty()) refuse("media_id", "is not a file uploaded with POST /api/media");
    Upload u{r[0][0].as<std::string>(), r[0][1].as<std::string>(), r[0][2].as<std::string>(),
             r[0][3].as<long long>(), r[0][4].as<std::string>()};
    if (u.kind != kind_name(m.kind) && !(m.kind == Kind::document)) {
        refuse("media_id",
               "is a file of kind " + u.kind + "; send it as " + u.kind + " or as a document");
    }
    return u;
}

std::string insert(pqxx::dbtransaction& tx, const QueuedMessage& q, const Outgoing& m,
                   const std::optional<std::string>& context) {
    // A message to a simulator conversation is marked so when it is stored: it never goes to
    // WhatsApp, whatever becomes of the conversation before it is sent.
    auto r = tx.exec_params(
        "INSERT INTO messages (conversation_id, direction, sender, sender_user_id, type, "
        " content, payload, context_message_id, status, metadata) "
        "SELECT id, 'outbound', $2, $3::uuid, $4, $5, $6::jsonb, $7, 'queued', "
        " CASE WHEN simulated THEN '{\"simulated\": true}'::jsonb ELSE '{}' END "
        "FROM conversations WHERE id = $1::uuid RETURNING id",
        q.conversation_id, q.sender, nullable(q.sender_user_id), std::string(kind_name(m.kind)),
        summary(m), to_json(m).dump(-1, ' ', false, json::error_handler_t::replace),
        nullable(context));
    if (r.empty()) http::not_found("conversation", q.conversation_id);
    return r[0][0].as<std::string>();
}

// The upload's file becomes the message's media: shown in the thread like a customer's file,
// and uploaded to WhatsApp when the message is sent.
void attach(pqxx::dbtransaction& tx, const std::string& id, const Outgoing& m, const Upload& u) {
    tx.exec_params(
        "UPDATE messages SET media_id = $2, media_mime_type = $3, media_filename = $4, "
        " media_sha256 = $5, media_size = $6 WHERE id = $1::uuid",
        id, *m.media_id, u.mime, m.filename.empty() ? u.filename : m.filename, u.sha256, u.size);
    tx.exec_params(
        "INSERT INTO message_media (message_id, mime_type, size, sha256, bytes) "
        "SELECT $1::uuid, mime_type, size, sha256, bytes FROM media_uploads WHERE id = $2::uuid",
        id, *m.media_id);
}

}  // namespace

std::vector<std::string> queue_message(pqxx::dbtransaction& tx, const QueuedMessage& q) {
    const auto& m = q.message;
    validate(m);
    std::optional<std::string> context;
    if (m.reply_to) context = quoted_wamid(tx, q.conversation_id, *m.reply_to);
    if (m.kind == Kind::reaction) {
        auto found = tx.exec_params(
            "SELECT 1 FROM messages WHERE id = $1::uuid AND conversation_id = $2::uuid",
            m.reaction_to, q.conversation_id);
        if (found.empty()) refuse("message_id", "must be a message of this conversation");
    }
    std::optional<Upload> upload;
    if (m.media_id) upload = upload_of(tx, m);
    std::vector<Outgoing> pieces;
    if (upload && m.kind == Kind::document && m.filename.empty()) {
        // The customer sees the file's own name.
        Outgoing named = m;
        named.filename = upload->filename;
        pieces.push_back(std::move(named));
    } else if (m.kind == Kind::text) {
        for (auto& part : split_text(m.text)) {
            Outgoing piece = m;
            piece.text = std::move(part);
            if (!pieces.empty()) piece.reply_to.reset();  // the first piece quotes
            pieces.push_back(std::move(piece));
        }
        if (pieces.empty()) refuse("text", "must not be empty");
    } else {
        pieces.push_back(m);
    }
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        ids.push_back(insert(tx, q, pieces[i], i == 0 ? context : std::nullopt));
        if (upload) attach(tx, ids.back(), pieces[i], *upload);
    }
    tx.exec_params(
        "UPDATE conversations SET last_message_at = now(), last_message_preview = $2, "
        " updated_at = now() WHERE id = $1::uuid",
        q.conversation_id, message_preview(summary(pieces.back())));
    jobs::EnqueueOptions o;
    o.max_attempts = 10;
    o.priority = 10;  // a customer is waiting: before media downloads and maintenance
    o.conversation_id = q.conversation_id;
    jobs::enqueue(tx, "whatsapp_send", {{"message_ids", ids}}, o);
    return ids;
}

}  // namespace botflow::whatsapp
