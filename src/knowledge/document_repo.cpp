#include "knowledge/document_repo.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "botflow/store/db.hpp"
#include "botflow/store/rows.hpp"

namespace botflow::knowledge {
namespace {

using store::text_array;

constexpr const char* kColumns =
    "SELECT d.id::text, d.title, d.filename, d.kind, d.mime_type, d.size_bytes, d.sha256, "
    " d.status, d.error, d.chunk_count, d.category, to_json(d.tags)::text, to_json(d.created_at) "
    "#>> '{}', "
    " to_json(d.updated_at) #>> '{}' ";

Document read(const pqxx::row& r) {
    Document d;
    d.id = r[0].as<std::string>();
    d.title = r[1].as<std::string>();
    d.filename = store::text_or_null(r[2]);
    d.kind = r[3].as<std::string>();
    d.mime_type = r[4].as<std::string>();
    d.size = r[5].as<std::int64_t>();
    d.sha256 = r[6].as<std::string>();
    d.status = r[7].as<std::string>();
    d.error = store::text_or_null(r[8]);
    d.chunk_count = r[9].as<int>();
    d.category = r[10].as<std::string>();
    d.tags = nlohmann::json::parse(r[11].as<std::string>()).get<std::vector<std::string>>();
    d.created_at = r[12].as<std::string>();
    d.updated_at = r[13].as<std::string>();
    return d;
}

const char* or_null(const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; }

}  // namespace

std::vector<Document> list_document_rows(pqxx::dbtransaction& tx) {
    auto rows =
        tx.exec(std::string(kColumns) + "FROM documents d ORDER BY d.created_at DESC, d.id");
    std::vector<Document> out;
    for (const auto& r : rows) out.push_back(read(r));
    return out;
}

std::optional<Document> find_document_row(pqxx::dbtransaction& tx, const std::string& id) {
    auto r = tx.exec_params(
        std::string(kColumns) + ", d.extracted_text FROM documents d WHERE d.id = $1::uuid", id);
    if (r.empty()) return std::nullopt;
    auto d = read(r[0]);
    d.text = r[0][14].as<std::string>();
    return d;
}

DocumentCounts count_document_rows(pqxx::dbtransaction& tx) {
    // Search reads passages of ready documents only (search_repo.cpp).
    auto r = tx.exec(
        "SELECT count(*), count(*) FILTER (WHERE status = 'ready' AND chunk_count > 0) "
        "FROM documents");
    return {r[0][0].as<long>(), r[0][1].as<long>()};
}

long lock_document_count(pqxx::dbtransaction& tx) {
    tx.exec("SELECT pg_advisory_xact_lock(hashtextextended('documents.limit', 7))");
    return tx.exec("SELECT count(*) FROM documents")[0][0].as<long>();
}

std::string insert_text_document(pqxx::dbtransaction& tx, const NewTextDocument& d) {
    return tx
        .exec_params(
            "INSERT INTO documents (title, kind, mime_type, size_bytes, sha256, "
            " extracted_text, status, category, tags, created_by) "
            "VALUES ($1, 'text', 'text/plain; charset=utf-8', $2, $3, $4, 'ready', $5, "
            " $6::text[], $7::uuid) RETURNING id::text",
            d.title, static_cast<long long>(d.size), d.bytes_sha256, d.text, d.category,
            text_array(d.tags), d.created_by)[0][0]
        .as<std::string>();
}

std::optional<DocumentText> lock_document_text(pqxx::dbtransaction& tx, const std::string& id) {
    auto r = tx.exec_params(
        "SELECT kind, title, extracted_text FROM documents WHERE id = $1::uuid FOR UPDATE", id);
    if (r.empty()) return std::nullopt;
    return DocumentText{r[0][0].as<std::string>(), r[0][1].as<std::string>(),
                        r[0][2].as<std::string>()};
}

void update_document_row(pqxx::dbtransaction& tx, const std::string& id, const DocumentChange& c) {
    tx.exec_params(
        "UPDATE documents SET title = COALESCE($2, title), category = COALESCE($3, category), "
        " tags = COALESCE($4::text[], tags), extracted_text = COALESCE($5, extracted_text), "
        " size_bytes = CASE WHEN $5 IS NULL THEN size_bytes ELSE octet_length($5) END, "
        " sha256 = CASE WHEN $5 IS NULL THEN sha256 ELSE encode(sha256(convert_to($5, 'UTF8')), "
        "   'hex') END, updated_at = now() WHERE id = $1::uuid",
        id, or_null(c.title), or_null(c.category), or_null(c.tags), or_null(c.text));
}

std::string insert_file_document(pqxx::dbtransaction& tx, const FileDocument& f) {
    pqxx::binarystring blob(*f.bytes);
    return tx
        .exec_params(
            "INSERT INTO documents (title, filename, kind, mime_type, size_bytes, sha256, "
            " content, status, category, tags, created_by) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, 'processing', $8, $9::text[], $10::uuid) "
            "RETURNING id::text",
            f.title, f.filename, f.kind, f.mime_type, static_cast<long long>(f.bytes->size()),
            f.sha256, blob, f.category.value_or(""),
            text_array(f.tags.value_or(std::vector<std::string>{})), f.created_by)[0][0]
        .as<std::string>();
}

std::optional<std::string> replace_document_file(pqxx::dbtransaction& tx, const std::string& id,
                                                 const FileDocument& f) {
    pqxx::binarystring blob(*f.bytes);
    std::optional<std::string> tags;
    if (f.tags) tags = text_array(*f.tags);
    auto r = tx.exec_params(
        "UPDATE documents SET filename = $2, kind = $3, mime_type = $4, size_bytes = $5, "
        " sha256 = $6, content = $7, extracted_text = '', status = 'processing', "
        " error = NULL, chunk_count = 0, category = COALESCE($8, category), "
        " tags = COALESCE($9::text[], tags), updated_at = now() "
        "WHERE id = $1::uuid RETURNING id::text",
        id, f.filename, f.kind, f.mime_type, static_cast<long long>(f.bytes->size()), f.sha256,
        blob, or_null(f.category), or_null(tags));
    if (r.empty()) return std::nullopt;
    return r[0][0].as<std::string>();
}

std::string transaction_id(pqxx::dbtransaction& tx) {
    return tx.exec("SELECT txid_current()::text")[0][0].as<std::string>();
}

std::optional<Original> find_original(pqxx::dbtransaction& tx, const std::string& id) {
    auto r = tx.exec_params(
        "SELECT COALESCE(filename, title || '.txt'), mime_type, content, extracted_text "
        "FROM documents WHERE id = $1::uuid",
        id);
    if (r.empty()) return std::nullopt;
    Original o;
    o.filename = r[0][0].as<std::string>();
    o.mime_type = r[0][1].as<std::string>();
    o.bytes = r[0][2].is_null() ? r[0][3].as<std::string>() : pqxx::binarystring(r[0][2]).str();
    return o;
}

bool delete_document_row(pqxx::dbtransaction& tx, const std::string& id) {
    return tx.exec_params("DELETE FROM documents WHERE id = $1::uuid", id).affected_rows() > 0;
}

std::optional<PendingFile> find_pending_file(pqxx::dbtransaction& tx, const std::string& id,
                                             const std::string& sha256) {
    auto r = tx.exec_params(
        "SELECT kind, content, title FROM documents WHERE id = $1::uuid AND sha256 = $2 "
        " AND status = 'processing' AND content IS NOT NULL",
        id, sha256);
    if (r.empty()) return std::nullopt;
    return PendingFile{r[0][0].as<std::string>(), pqxx::binarystring(r[0][1]).str(),
                       r[0][2].as<std::string>()};
}

std::optional<std::string> lock_pending_title(pqxx::dbtransaction& tx, const std::string& id,
                                              const std::string& sha256, const std::string& kind) {
    // Still the file this job read (not replaced, even by the same bytes as another type)?
    auto r = tx.exec_params(
        "SELECT title FROM documents WHERE id = $1::uuid AND sha256 = $2 AND kind = $3 "
        " AND status = 'processing' FOR UPDATE",
        id, sha256, kind);
    if (r.empty()) return std::nullopt;
    return r[0][0].as<std::string>();
}

void mark_document_ready(pqxx::dbtransaction& tx, const std::string& id, const std::string& text) {
    tx.exec_params(
        "UPDATE documents SET status = 'ready', error = NULL, extracted_text = $2, "
        " updated_at = now() WHERE id = $1::uuid",
        id, text);
}

void mark_document_failed(pqxx::dbtransaction& tx, const std::string& id,
                          const std::string& error) {
    tx.exec_params(
        "UPDATE documents SET status = 'error', error = $2, updated_at = now() "
        "WHERE id = $1::uuid",
        id, error);
}

bool give_up_pending(pqxx::dbtransaction& tx, const std::string& id, const std::string& sha256,
                     const std::string& error) {
    auto r = tx.exec_params(
        "UPDATE documents SET status = 'error', error = $3, updated_at = now() "
        "WHERE id = $1::uuid AND sha256 = $2 AND status = 'processing'",
        id, sha256, error);
    return r.affected_rows() > 0;
}

void delete_chunks(pqxx::dbtransaction& tx, const std::string& document_id) {
    tx.exec_params("DELETE FROM document_chunks WHERE document_id = $1::uuid", document_id);
}

void insert_chunk(pqxx::dbtransaction& tx, const std::string& document_id, int ordinal,
                  const std::string& title, const std::string& heading, const std::string& content,
                  const std::string& language) {
    tx.exec_params(
        "INSERT INTO document_chunks (document_id, ordinal, heading, content, tsv) "
        "VALUES ($1::uuid, $2, $3, $4, "
        " setweight(to_tsvector($5::regconfig, $6 || ' ' || $3), 'A') || "
        " setweight(to_tsvector($5::regconfig, $4), 'B'))",
        document_id, ordinal, heading, content, language, title);
}

void add_vocabulary(pqxx::dbtransaction& tx, const std::string& text) {
    tx.exec_params(
        "INSERT INTO knowledge_words (word) "
        "SELECT DISTINCT lexeme FROM unnest(to_tsvector('simple', $1)) "
        "WHERE length(lexeme) BETWEEN 3 AND 40 ORDER BY 1 ON CONFLICT DO NOTHING",
        text);
}

void set_chunk_count(pqxx::dbtransaction& tx, const std::string& document_id, int count) {
    tx.exec_params("UPDATE documents SET chunk_count = $2, updated_at = now() WHERE id = $1::uuid",
                   document_id, count);
}

}  // namespace botflow::knowledge
