#include "botflow/knowledge/documents.hpp"

#include <pqxx/pqxx>

#include "botflow/core/error.hpp"
#include "botflow/knowledge/chunker.hpp"
#include "botflow/util/crypto.hpp"

namespace botflow::knowledge {
namespace {

using nlohmann::json;

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
std::string text_array(const std::vector<std::string>& items) {
    std::string out = "{";
    for (const auto& item : items) {
        if (out.size() > 1) out += ',';
        out += '"';
        for (char c : item) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

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

bool delete_document(pqxx::dbtransaction& tx, const std::string& id) {
    return tx.exec_params("DELETE FROM documents WHERE id = $1::uuid", id).affected_rows() > 0;
}

}  // namespace botflow::knowledge
