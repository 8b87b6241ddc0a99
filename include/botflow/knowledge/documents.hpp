// The knowledge base's documents in PostgreSQL: typed-in text now, uploaded files through the
// same chunks. Functions run in the caller's transaction and return JSON for the response.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::knowledge {

struct DocumentInput {
    std::optional<std::string> title, content, category;
    std::optional<std::vector<std::string>> tags;
};

/// A typed-in document (opening hours, an FAQ answer): normalised, chunked and searchable at
/// once. Throws Errc::conflict when `max_documents` are stored already.
nlohmann::json create_text_document(pqxx::dbtransaction& tx, const DocumentInput& input,
                                    const std::string& user_id, int max_documents,
                                    const std::string& language);

/// {items} newest first, without the text.
nlohmann::json list_documents(pqxx::dbtransaction& tx);

struct DocumentCounts {
    long total = 0;
    long ready = 0;  // extraction finished and passages stored: what the AI can answer from
};
DocumentCounts count_documents(pqxx::dbtransaction& tx);
/// One document with its extracted text, or nullopt.
std::optional<nlohmann::json> find_document(pqxx::dbtransaction& tx, const std::string& id);
/// Title, category, tags; and, for a typed-in document, its content (chunked again). nullopt:
/// no such document.
std::optional<nlohmann::json> update_document(pqxx::dbtransaction& tx, const std::string& id,
                                              const DocumentInput& input,
                                              const std::string& language);
/// Deletes the document and its chunks. False: no such document.
bool delete_document(pqxx::dbtransaction& tx, const std::string& id);

struct Upload {
    std::string title;
    std::string filename;
    std::string kind, mime_type;  // from sniff()
    std::string bytes;
    std::optional<std::string> category;
    std::optional<std::vector<std::string>> tags;
};

/// Stores an uploaded file as a `processing` document and queues its extraction. With
/// `replace_id`, replaces that document's file instead (same id; 404 via nullopt when it does
/// not exist). Throws Errc::conflict at `max_documents`.
std::optional<nlohmann::json> store_upload(pqxx::dbtransaction& tx, const Upload& upload,
                                           const std::string& user_id, int max_documents,
                                           const std::optional<std::string>& replace_id);

struct Original {
    std::string filename, mime_type, bytes;
};

/// The file as uploaded (typed-in documents: their text). nullopt: no such document.
std::optional<Original> original(pqxx::dbtransaction& tx, const std::string& id);

/// Replaces a document's chunks with those of `text` (normalised already); returns how many.
int store_chunks(pqxx::dbtransaction& tx, const std::string& document_id, const std::string& title,
                 const std::string& text, const std::string& language);

}  // namespace botflow::knowledge
