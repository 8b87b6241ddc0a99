#include "botflow/knowledge/documents.hpp"

#include <pqxx/pqxx>

#include "botflow/core/error.hpp"
#include "botflow/jobs/job_repo.hpp"
#include "botflow/knowledge/chunker.hpp"
#include "botflow/store/db.hpp"
#include "botflow/util/crypto.hpp"

namespace botflow::knowledge {
namespace {

using nlohmann::json;
using store::text_array;

constexpr const char* kDocumentJson = R"SQL(
json_build_object(
  'id', d.id, 'title', d.title, 'filename', d.filename, 'type', d.kind,
  'mime_type', d.mime_type, 'size', d.size_bytes, 'sha256', d.sha256, 'status', d.status,
  'error', d.error, 'chunk_count', d.chunk_count, 'category', d.category,
  'tags', to_json(d.tags), 'created_at', d.created_at, 'updated_at', d.updated_at))SQL";

[[noreturn]] void invalid(const std::string& field, const std::string& message) {
    throw Error(Errc::unprocessable, field + " " + message + ".", {}, {{field, message}});
}

// A PostgreSQL text[] literal.
void check(const DocumentInput& in) {
    if (in.title && (in.title->empty() || in.title->size() > 200)) {
        invalid("title", "must be 1 to 200 bytes");
    }
    if (in.category && in.category->size() > 50) invalid("category", "must be at most 50 bytes");
    if (in.tags) {
        if (in.tags->size() > 20) invalid("tags", "must be at most 20 tags");
        for (const auto& t : *in.tags) {
            if (t.empty() || t.size() > 40) invalid("tags", "must each be 1 to 40 bytes");
        }
    }
}

}  // namespace

int store_chunks(pqxx::dbtransaction& tx, const std::string& document_id, const std::string& title,
                 const std::string& text, const std::string& language) {
    tx.exec_params("DELETE FROM document_chunks WHERE document_id = $1::uuid", document_id);
    auto chunks = chunk_text(text);
    int ordinal = 0;
    for (const auto& c : chunks) {
        // The title and the section heading weigh more than the body.
        tx.exec_params(
            "INSERT INTO document_chunks (document_id, ordinal, heading, content, tsv) "
            "VALUES ($1::uuid, $2, $3, $4, "
            " setweight(to_tsvector($5::regconfig, $6 || ' ' || $3), 'A') || "
            " setweight(to_tsvector($5::regconfig, $4), 'B'))",
            document_id, ordinal++, c.heading, c.content, language, title);
        // Its words join the vocabulary that misspellings are matched against (per passage:
        // a whole document's words could exceed what one tsvector holds).
        tx.exec_params(
            "INSERT INTO knowledge_words (word) "
            "SELECT DISTINCT lexeme FROM unnest(to_tsvector('simple', $1)) "
            "WHERE length(lexeme) BETWEEN 3 AND 40 ORDER BY 1 ON CONFLICT DO NOTHING",
            title + "\n" + c.heading + "\n" + c.content);
    }
    tx.exec_params("UPDATE documents SET chunk_count = $2, updated_at = now() WHERE id = $1::uuid",
                   document_id, ordinal);
    return ordinal;
}

json create_text_document(pqxx::dbtransaction& tx, const DocumentInput& in,
                          const std::string& user_id, int max_documents,
                          const std::string& language) {
    if (!in.title) invalid("title", "is required");
    if (!in.content) invalid("content", "is required");
    check(in);
    auto text = normalize_text(*in.content);
    if (text.empty()) invalid("content", "has no text");
    // One writer at a time counts against the limit.
    tx.exec("SELECT pg_advisory_xact_lock(hashtextextended('documents.limit', 7))");
    auto count = tx.exec("SELECT count(*) FROM documents")[0][0].as<long>();
    if (count >= max_documents) {
        throw Error(Errc::conflict,
                    "The knowledge base holds its limit of " + std::to_string(max_documents) +
                        " documents (KB_MAX_DOCUMENTS); delete one or raise the limit.");
    }
    auto id = tx.exec_params(
                    "INSERT INTO documents (title, kind, mime_type, size_bytes, sha256, "
                    " extracted_text, status, category, tags, created_by) "
                    "VALUES ($1, 'text', 'text/plain; charset=utf-8', $2, $3, $4, 'ready', $5, "
                    " $6::text[], $7::uuid) RETURNING id::text",
                    *in.title, static_cast<long long>(in.content->size()),
                    util::sha256_hex(*in.content), text, in.category.value_or(""),
                    text_array(in.tags.value_or(std::vector<std::string>{})), user_id)[0][0]
                  .as<std::string>();
    store_chunks(tx, id, *in.title, text, language);
    return *find_document(tx, id);
}

json list_documents(pqxx::dbtransaction& tx) {
    auto rows = tx.exec(std::string("SELECT ") + kDocumentJson +
                        "::text FROM documents d ORDER BY d.created_at DESC, d.id");
    json items = json::array();
    for (const auto& r : rows) items.push_back(json::parse(r[0].as<std::string>()));
    return {{"items", items}};
}

DocumentCounts count_documents(pqxx::dbtransaction& tx) {
    // Search reads passages of ready documents only (search.cpp).
    auto r = tx.exec(
        "SELECT count(*), count(*) FILTER (WHERE status = 'ready' AND chunk_count > 0) "
        "FROM documents");
    return {r[0][0].as<long>(), r[0][1].as<long>()};
}

std::optional<json> find_document(pqxx::dbtransaction& tx, const std::string& id) {
    auto r = tx.exec_params(std::string("SELECT ") + kDocumentJson +
                                "::text, d.extracted_text FROM documents d WHERE d.id = $1::uuid",
                            id);
    if (r.empty()) return std::nullopt;
    auto doc = json::parse(r[0][0].as<std::string>());
    doc["text"] = r[0][1].as<std::string>();
    return doc;
}

std::optional<json> update_document(pqxx::dbtransaction& tx, const std::string& id,
                                    const DocumentInput& in, const std::string& language) {
    check(in);
    auto current = tx.exec_params(
        "SELECT kind, title, extracted_text FROM documents WHERE id = $1::uuid FOR UPDATE", id);
    if (current.empty()) return std::nullopt;
    std::optional<std::string> text;
    if (in.content) {
        if (current[0][0].as<std::string>() != "text") {
            invalid("content", "can be changed only for typed-in documents; upload a new file");
        }
        text = normalize_text(*in.content);
        if (text->empty()) invalid("content", "has no text");
    }
    std::optional<std::string> tags;
    if (in.tags) tags = text_array(*in.tags);
    tx.exec_params(
        "UPDATE documents SET title = COALESCE($2, title), category = COALESCE($3, category), "
        " tags = COALESCE($4::text[], tags), extracted_text = COALESCE($5, extracted_text), "
        " size_bytes = CASE WHEN $5 IS NULL THEN size_bytes ELSE octet_length($5) END, "
        " sha256 = CASE WHEN $5 IS NULL THEN sha256 ELSE encode(sha256(convert_to($5, 'UTF8')), "
        "   'hex') END, updated_at = now() WHERE id = $1::uuid",
        id, in.title ? in.title->c_str() : nullptr, in.category ? in.category->c_str() : nullptr,
        tags ? tags->c_str() : nullptr, text ? text->c_str() : nullptr);
    // The title is part of every chunk's search weight, so a new title re-chunks too.
    if (text || in.title) {
        auto title = in.title.value_or(current[0][1].as<std::string>());
        store_chunks(tx, id, title, text.value_or(current[0][2].as<std::string>()), language);
    }
    return find_document(tx, id);
}

std::optional<json> store_upload(pqxx::dbtransaction& tx, const Upload& up,
                                 const std::string& user_id, int max_documents,
                                 const std::optional<std::string>& replace_id) {
    DocumentInput check_in;
    check_in.title = up.title;
    check_in.category = up.category;
    check_in.tags = up.tags;
    check(check_in);
    pqxx::binarystring blob(up.bytes);
    auto sha = util::sha256_hex(up.bytes);
    std::string id;
    if (replace_id) {
        auto r = tx.exec_params(
            "UPDATE documents SET filename = $2, kind = $3, mime_type = $4, size_bytes = $5, "
            " sha256 = $6, content = $7, extracted_text = '', status = 'processing', "
            " error = NULL, chunk_count = 0, category = COALESCE($8, category), "
            " tags = COALESCE($9::text[], tags), updated_at = now() "
            "WHERE id = $1::uuid RETURNING id::text",
            *replace_id, up.filename, up.kind, up.mime_type,
            static_cast<long long>(up.bytes.size()), sha, blob,
            up.category ? up.category->c_str() : nullptr,
            up.tags ? text_array(*up.tags).c_str() : nullptr);
        if (r.empty()) return std::nullopt;
        id = r[0][0].as<std::string>();
        // The old passages leave the search now; the new ones come with the extraction.
        tx.exec_params("DELETE FROM document_chunks WHERE document_id = $1::uuid", id);
    } else {
        tx.exec("SELECT pg_advisory_xact_lock(hashtextextended('documents.limit', 7))");
        auto count = tx.exec("SELECT count(*) FROM documents")[0][0].as<long>();
        if (count >= max_documents) {
            throw Error(Errc::conflict,
                        "The knowledge base holds its limit of " + std::to_string(max_documents) +
                            " documents (KB_MAX_DOCUMENTS); delete one or raise the limit.");
        }
        id = tx.exec_params(
                   "INSERT INTO documents (title, filename, kind, mime_type, size_bytes, sha256, "
                   " content, status, category, tags, created_by) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, 'processing', $8, $9::text[], $10::uuid) "
                   "RETURNING id::text",
                   up.title, up.filename, up.kind, up.mime_type,
                   static_cast<long long>(up.bytes.size()), sha, blob, up.category.value_or(""),
                   text_array(up.tags.value_or(std::vector<std::string>{})), user_id)[0][0]
                 .as<std::string>();
    }
    jobs::EnqueueOptions o;
    o.max_attempts = 3;
    o.idempotency_key = "extract:" + id + ":" + sha + ":" +
                        tx.exec("SELECT txid_current()::text")[0][0].as<std::string>();
    jobs::enqueue(tx, "extract_document", {{"document_id", id}, {"sha256", sha}}, o);
    return find_document(tx, id);
}

std::optional<Original> original(pqxx::dbtransaction& tx, const std::string& id) {
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

bool delete_document(pqxx::dbtransaction& tx, const std::string& id) {
    return tx.exec_params("DELETE FROM documents WHERE id = $1::uuid", id).affected_rows() > 0;
}

}  // namespace botflow::knowledge
