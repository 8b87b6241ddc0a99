#include "botflow/knowledge/documents.hpp"

#include <pqxx/pqxx>

#include "botflow/core/error.hpp"
#include "botflow/jobs/job_repo.hpp"
#include "botflow/knowledge/chunker.hpp"
#include "botflow/store/db.hpp"
#include "botflow/util/crypto.hpp"
#include "knowledge/document_repo.hpp"

namespace botflow::knowledge {
namespace {

using nlohmann::json;

[[noreturn]] void invalid(const std::string& field, const std::string& message) {
    throw Error(Errc::unprocessable, field + " " + message + ".", {}, {{field, message}});
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

// One writer at a time counts against the limit.
void check_room(pqxx::dbtransaction& tx, int max_documents) {
    if (lock_document_count(tx) >= max_documents) {
        throw Error(Errc::conflict,
                    "The knowledge base holds its limit of " + std::to_string(max_documents) +
                        " documents (KB_MAX_DOCUMENTS); delete one or raise the limit.");
    }
}

// A document as the API shows it (with its text when it was read).
json document_json(const Document& d) {
    json out = {{"id", d.id},
                {"title", d.title},
                {"filename", d.filename ? json(*d.filename) : json(nullptr)},
                {"type", d.kind},
                {"mime_type", d.mime_type},
                {"size", d.size},
                {"sha256", d.sha256},
                {"status", d.status},
                {"error", d.error ? json(*d.error) : json(nullptr)},
                {"chunk_count", d.chunk_count},
                {"category", d.category},
                {"tags", d.tags},
                {"created_at", d.created_at},
                {"updated_at", d.updated_at}};
    if (d.text) out["text"] = *d.text;
    return out;
}

}  // namespace

int store_chunks(pqxx::dbtransaction& tx, const std::string& document_id, const std::string& title,
                 const std::string& text, const std::string& language) {
    delete_chunks(tx, document_id);
    int ordinal = 0;
    for (const auto& c : chunk_text(text)) {
        insert_chunk(tx, document_id, ordinal++, title, c.heading, c.content, language);
        // Its words join the vocabulary that misspellings are matched against (per passage:
        // a whole document's words could exceed what one tsvector holds).
        add_vocabulary(tx, title + "\n" + c.heading + "\n" + c.content);
    }
    set_chunk_count(tx, document_id, ordinal);
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
    check_room(tx, max_documents);
    NewTextDocument doc;
    doc.title = *in.title;
    doc.size = static_cast<std::int64_t>(in.content->size());
    doc.bytes_sha256 = util::sha256_hex(*in.content);
    doc.text = text;
    doc.category = in.category.value_or("");
    doc.tags = in.tags.value_or(std::vector<std::string>{});
    doc.created_by = user_id;
    auto id = insert_text_document(tx, doc);
    store_chunks(tx, id, *in.title, text, language);
    return *find_document(tx, id);
}

json list_documents(pqxx::dbtransaction& tx) {
    json items = json::array();
    for (const auto& d : list_document_rows(tx)) items.push_back(document_json(d));
    return {{"items", items}};
}

DocumentCounts count_documents(pqxx::dbtransaction& tx) { return count_document_rows(tx); }

std::optional<json> find_document(pqxx::dbtransaction& tx, const std::string& id) {
    auto d = find_document_row(tx, id);
    if (!d) return std::nullopt;
    return document_json(*d);
}

std::optional<json> update_document(pqxx::dbtransaction& tx, const std::string& id,
                                    const DocumentInput& in, const std::string& language) {
    check(in);
    auto current = lock_document_text(tx, id);
    if (!current) return std::nullopt;
    DocumentChange change{in.title, in.category, std::nullopt, std::nullopt};
    if (in.content) {
        if (current->kind != "text") {
            invalid("content", "can be changed only for typed-in documents; upload a new file");
        }
        change.text = normalize_text(*in.content);
        if (change.text->empty()) invalid("content", "has no text");
    }
    if (in.tags) change.tags = store::text_array(*in.tags);
    update_document_row(tx, id, change);
    // The title is part of every chunk's search weight, so a new title re-chunks too.
    if (change.text || in.title) {
        store_chunks(tx, id, in.title.value_or(current->title), change.text.value_or(current->text),
                     language);
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
    FileDocument file{up.title,  up.filename, up.kind, up.mime_type, util::sha256_hex(up.bytes),
                      &up.bytes, up.category, up.tags, user_id};
    std::string id;
    if (replace_id) {
        auto replaced = replace_document_file(tx, *replace_id, file);
        if (!replaced) return std::nullopt;
        id = *replaced;
        // The old passages leave the search now; the new ones come with the extraction.
        delete_chunks(tx, id);
    } else {
        check_room(tx, max_documents);
        id = insert_file_document(tx, file);
    }
    jobs::EnqueueOptions o;
    o.max_attempts = 3;
    o.idempotency_key = "extract:" + id + ":" + file.sha256 + ":" + transaction_id(tx);
    jobs::enqueue(tx, "extract_document", {{"document_id", id}, {"sha256", file.sha256}}, o);
    return find_document(tx, id);
}

std::optional<Original> original(pqxx::dbtransaction& tx, const std::string& id) {
    return find_original(tx, id);
}

bool delete_document(pqxx::dbtransaction& tx, const std::string& id) {
    return delete_document_row(tx, id);
}

}  // namespace botflow::knowledge
