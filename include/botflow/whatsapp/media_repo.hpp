// Media files in PostgreSQL: the uploads agents send (POST /api/media, kept with the id WhatsApp
// gave them while it lasts) and the stored bytes of a message's file. Functions run in the
// caller's transaction.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::whatsapp {

/// A file an agent uploaded to send.
struct Upload {
    std::string kind;  // image | document | audio | video
    std::string mime_type;
    std::string filename;
    std::string sha256;  // hex
    std::int64_t size = 0;
};

/// Stores the upload with its bytes; returns its id.
std::string insert_upload(pqxx::dbtransaction& tx, const Upload& upload, const std::string& bytes,
                          const std::string& uploaded_by);

/// nullopt when no upload has this id (a UUID).
std::optional<Upload> find_upload(pqxx::dbtransaction& tx, const std::string& id);

/// The id WhatsApp gave the upload, while WhatsApp still keeps it (30 days; 29 to be safe).
std::optional<std::string> find_whatsapp_media_id(pqxx::dbtransaction& tx,
                                                  const std::string& upload_id);
void update_whatsapp_media_id(pqxx::dbtransaction& tx, const std::string& upload_id,
                              const std::string& media_id);

/// Makes the upload message `message_id`'s file, named `filename`: the message's media
/// columns, and a copy of its bytes as the message's own.
void attach_upload(pqxx::dbtransaction& tx, const std::string& message_id,
                   const std::string& upload_id, const Upload& upload, const std::string& filename);

/// A message's file as GET /api/messages/:id/media and the sender read it.
struct MessageFile {
    bool has_media = false;   // the message names a file
    bool downloaded = false;  // its bytes are stored
    std::string mime_type;    // of the stored bytes
    std::string type;         // the message's type (document, image, ...)
    std::string filename;
    std::string bytes;
};

/// nullopt when no message has this id (a UUID).
std::optional<MessageFile> find_message_file(pqxx::dbtransaction& tx,
                                             const std::string& message_id);

/// Stores the downloaded bytes of a message's file (kept once) and their size and type on the
/// message.
void insert_message_file(pqxx::dbtransaction& tx, const std::string& message_id,
                         const std::string& mime_type, const std::string& sha256_hex,
                         const std::string& bytes);

}  // namespace botflow::whatsapp
