#include "botflow/whatsapp/queue.hpp"

#include "botflow/core/error.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/jobs/job_repo.hpp"
#include "botflow/store/conversation_repo.hpp"
#include "botflow/store/message_repo.hpp"
#include "botflow/whatsapp/media_repo.hpp"
#include "botflow/whatsapp/text.hpp"

namespace botflow::whatsapp {
namespace {

[[noreturn]] void refuse(const std::string& field, const std::string& why) {
    throw Error(Errc::unprocessable, "The message cannot be sent: " + why + ".", {},
                {{field, why}});
}

// The wamid of the message `reply_to` quotes.
std::string quoted_wamid(pqxx::dbtransaction& tx, const std::string& conversation,
                         const std::string& id) {
    auto quoted = store::find_message_in_conversation(tx, conversation, id);
    if (!quoted || !quoted->whatsapp_message_id) {
        refuse("reply_to",
               "must be a message of this conversation that WhatsApp knows (sent or received)");
    }
    return *quoted->whatsapp_message_id;
}

// The stored upload `media_id` names, checked against the message's type.
Upload upload_of(pqxx::dbtransaction& tx, const Outgoing& m) {
    auto u = find_upload(tx, *m.media_id);
    if (!u) refuse("media_id", "is not a file uploaded with POST /api/media");
    if (u->kind != kind_name(m.kind) && !(m.kind == Kind::document)) {
        refuse("media_id",
               "is a file of kind " + u->kind + "; send it as " + u->kind + " or as a document");
    }
    return *u;
}

std::string insert(pqxx::dbtransaction& tx, const QueuedMessage& q, const Outgoing& m,
                   const std::optional<std::string>& context) {
    store::QueuedRow row{
        q.conversation_id, q.sender,   q.sender_user_id, std::string(kind_name(m.kind)),
        summary(m),        to_json(m), context};
    auto id = store::insert_queued_message(tx, row);
    if (!id) http::not_found("conversation", q.conversation_id);
    return *id;
}

}  // namespace

std::vector<std::string> queue_message(pqxx::dbtransaction& tx, const QueuedMessage& q) {
    const auto& m = q.message;
    validate(m);
    std::optional<std::string> context;
    if (m.reply_to) context = quoted_wamid(tx, q.conversation_id, *m.reply_to);
    if (m.kind == Kind::reaction) {
        if (!store::find_message_in_conversation(tx, q.conversation_id, m.reaction_to)) {
            refuse("message_id", "must be a message of this conversation");
        }
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
        if (upload) {
            const auto& piece = pieces[i];
            attach_upload(tx, ids.back(), *piece.media_id, *upload,
                          piece.filename.empty() ? upload->filename : piece.filename);
        }
    }
    store::update_last_message(tx, q.conversation_id, message_preview(summary(pieces.back())));
    jobs::EnqueueOptions o;
    o.max_attempts = 10;
    o.priority = 10;  // a customer is waiting: before media downloads and maintenance
    o.conversation_id = q.conversation_id;
    jobs::enqueue(tx, "whatsapp_send", {{"message_ids", ids}}, o);
    return ids;
}

}  // namespace botflow::whatsapp
