// The knowledge base's rows in PostgreSQL: documents, their passages (document_chunks) and the
// vocabulary misspellings are matched against. Each function runs in the caller's transaction.
// Private to knowledge/.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "botflow/knowledge/documents.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::knowledge {

/// A document as stored, without its file. Times are as PostgreSQL writes a timestamptz in
/// JSON.
struct Document {
    std::string id, title;
    std::optional<std::string> filename;  // none for typed-in text
    std::string kind, mime_type;
    std::int64_t size = 0;
    std::string sha256, status;
    std::optional<std::string> error;
    int chunk_count = 0;
    std::string category;
    std::vector<std::string> tags;
    std::string created_at, updated_at;
    std::optional<std::string> text;  // the extracted text, when it was asked for
};

/// Newest first, without the text.
std::vector<Document> list_document_rows(pqxx::dbtransaction& tx);
/// With its extracted text.
std::optional<Document> find_document_row(pqxx::dbtransaction& tx, const std::string& id);
DocumentCounts count_document_rows(pqxx::dbtransaction& tx);
/// Takes the lock of the document limit (one writer at a time counts against it) and returns
/// how many documents there are.
long lock_document_count(pqxx::dbtransaction& tx);

/// A typed-in document, ready at once; returns its id.
struct NewTextDocument {
    std::string title, bytes_sha256, text, category;
    std::int64_t size = 0;
    std::vector<std::string> tags;
    std::string created_by;
};
std::string insert_text_document(pqxx::dbtransaction& tx, const NewTextDocument& doc);

/// A document's kind, title and extracted text, locked for a change.
struct DocumentText {
    std::string kind, title, text;
};
std::optional<DocumentText> lock_document_text(pqxx::dbtransaction& tx, const std::string& id);
/// Changes what is given (none: kept); a new text brings its size and checksum.
struct DocumentChange {
    std::optional<std::string> title, category, tags, text;  // tags: a text[] literal
};
void update_document_row(pqxx::dbtransaction& tx, const std::string& id,
                         const DocumentChange& change);

/// An uploaded file, stored `processing` until its extraction.
struct FileDocument {
    std::string title, filename, kind, mime_type, sha256;
    const std::string* bytes = nullptr;
    std::optional<std::string> category;
    std::optional<std::vector<std::string>> tags;
    std::string created_by;
};
std::string insert_file_document(pqxx::dbtransaction& tx, const FileDocument& file);
/// Replaces the document's file (its title stays); returns its id, none: no such document.
std::optional<std::string> replace_document_file(pqxx::dbtransaction& tx, const std::string& id,
                                                 const FileDocument& file);
/// The transaction's id: an extraction's job is unique to the upload that queued it.
std::string transaction_id(pqxx::dbtransaction& tx);

/// The file as uploaded (typed-in documents: their text).
std::optional<Original> find_original(pqxx::dbtransaction& tx, const std::string& id);
/// False: no such document. Its passages go with it.
bool delete_document_row(pqxx::dbtransaction& tx, const std::string& id);

/// The file an extraction job reads, while the document still waits for it.
struct PendingFile {
    std::string kind, bytes, title;
};
std::optional<PendingFile> find_pending_file(pqxx::dbtransaction& tx, const std::string& id,
                                             const std::string& sha256);
/// The title of the document, locked, if it still waits for the extraction of this file.
std::optional<std::string> lock_pending_title(pqxx::dbtransaction& tx, const std::string& id,
                                              const std::string& sha256, const std::string& kind);
void mark_document_ready(pqxx::dbtransaction& tx, const std::string& id, const std::string& text);
void mark_document_failed(pqxx::dbtransaction& tx, const std::string& id, const std::string& error);
/// Fails the document for good if it still waits for this file; returns whether it did.
bool give_up_pending(pqxx::dbtransaction& tx, const std::string& id, const std::string& sha256,
                     const std::string& error);

/// The document's passages leave the search.
void delete_chunks(pqxx::dbtransaction& tx, const std::string& document_id);
/// A passage, searchable in `language`, the title and heading weighing more than the body.
void insert_chunk(pqxx::dbtransaction& tx, const std::string& document_id, int ordinal,
                  const std::string& title, const std::string& heading, const std::string& content,
                  const std::string& language);
/// The words of `text` join the vocabulary that misspellings are matched against.
void add_vocabulary(pqxx::dbtransaction& tx, const std::string& text);
void set_chunk_count(pqxx::dbtransaction& tx, const std::string& document_id, int count);

}  // namespace botflow::knowledge
