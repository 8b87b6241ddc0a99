#include "botflow/whatsapp/media_repo.hpp"

#include <pqxx/pqxx>

namespace botflow::whatsapp {

std::string insert_upload(pqxx::dbtransaction& tx, const Upload& u, const std::string& bytes,
                          const std::string& uploaded_by) {
    auto r = tx.exec_params(
        "INSERT INTO media_uploads (kind, mime_type, filename, size, sha256, bytes, "
        " uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7::uuid) RETURNING id::text",
        u.kind, u.mime_type, u.filename, static_cast<long long>(bytes.size()), u.sha256,
        pqxx::binarystring(bytes.data(), bytes.size()), uploaded_by);
    return r[0][0].as<std::string>();
}

std::optional<Upload> find_upload(pqxx::dbtransaction& tx, const std::string& id) {
    auto r = tx.exec_params(
        "SELECT mime_type, filename, sha256, size, kind FROM media_uploads WHERE id = $1::uuid",
        id);
    if (r.empty()) return std::nullopt;
    return Upload{r[0][4].as<std::string>(), r[0][0].as<std::string>(), r[0][1].as<std::string>(),
                  r[0][2].as<std::string>(), r[0][3].as<std::int64_t>()};
}

std::optional<std::string> find_whatsapp_media_id(pqxx::dbtransaction& tx,
                                                  const std::string& upload_id) {
    auto known = tx.exec_params(
        "SELECT whatsapp_media_id FROM media_uploads WHERE id = $1::uuid "
        " AND whatsapp_uploaded_at > now() - interval '29 days'",
        upload_id);
    if (known.empty() || known[0][0].is_null()) return std::nullopt;
    return known[0][0].as<std::string>();
}

void update_whatsapp_media_id(pqxx::dbtransaction& tx, const std::string& upload_id,
                              const std::string& media_id) {
    tx.exec_params(
        "UPDATE media_uploads SET whatsapp_media_id = $2, whatsapp_uploaded_at = now() "
        "WHERE id = $1::uuid",
        upload_id, media_id);
}

void attach_upload(pqxx::dbtransaction& tx, const std::string& message_id,
                   const std::string& upload_id, const Upload& u, const std::string& filename) {
    tx.exec_params(
        "UPDATE messages SET media_id = $2, media_mime_type = $3, media_filename = $4, "
        " media_sha256 = $5, media_size = $6 WHERE id = $1::uuid",
        message_id, upload_id, u.mime_type, filename, u.sha256, u.size);
    tx.exec_params(
        "INSERT INTO message_media (message_id, mime_type, size, sha256, bytes) "
        "SELECT $1::uuid, mime_type, size, sha256, bytes FROM media_uploads WHERE id = $2::uuid",
        message_id, upload_id);
}

std::optional<MessageFile> find_message_file(pqxx::dbtransaction& tx,
                                             const std::string& message_id) {
    auto r = tx.exec_params(
        "SELECT m.media_id IS NOT NULL, mm.message_id IS NOT NULL, "
        " COALESCE(mm.mime_type, ''), m.type, COALESCE(m.media_filename, ''), mm.bytes "
        "FROM messages m LEFT JOIN message_media mm ON mm.message_id = m.id "
        "WHERE m.id = $1::uuid",
        message_id);
    if (r.empty()) return std::nullopt;
    MessageFile f;
    f.has_media = r[0][0].as<bool>();
    f.downloaded = r[0][1].as<bool>();
    f.mime_type = r[0][2].as<std::string>();
    f.type = r[0][3].as<std::string>();
    f.filename = r[0][4].as<std::string>();
    if (f.downloaded) f.bytes = pqxx::binarystring(r[0][5]).str();
    return f;
}

void insert_message_file(pqxx::dbtransaction& tx, const std::string& message_id,
                         const std::string& mime_type, const std::string& sha256_hex,
                         const std::string& bytes) {
    auto size = static_cast<long long>(bytes.size());
    pqxx::binarystring blob(bytes);
    tx.exec_params(
        "INSERT INTO message_media (message_id, mime_type, size, sha256, bytes) "
        "SELECT id, $2, $3, $4, $5 FROM messages WHERE id = $1::uuid "
        "ON CONFLICT (message_id) DO NOTHING",
        message_id, mime_type, size, sha256_hex, blob);
    tx.exec_params(
        "UPDATE messages SET media_size = $2, "
        " media_mime_type = COALESCE(media_mime_type, $3) WHERE id = $1::uuid",
        message_id, size, mime_type);
}

}  // namespace botflow::whatsapp
