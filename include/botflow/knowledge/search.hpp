// Searching the knowledge base: PostgreSQL full-text search (weighted, heading above body)
// together with trigram word similarity, so that other wordings, misspellings and partial
// words still find the passage. The dashboard's search box and the AI use the same function.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::knowledge {

struct SearchHit {
    std::int64_t chunk_id = 0;
    std::string document_id;
    std::string document_title;
    std::string heading;
    std::string content;
    std::string snippet;  // matches between ** and **
    double score = 0;
};

/// The best `limit` passages of ready documents for `query`, best first; only of documents
/// tagged `tag` unless it is empty.
std::vector<SearchHit> search_chunks(pqxx::dbtransaction& tx, const std::string& query, int limit,
                                     const std::string& language, const std::string& tag = "");

/// The other words of the support-vocabulary synonym groups the query touches (" refund
/// send back ..."), to be searched as alternatives. English. Pure.
std::string expand_synonyms(const std::string& query);

/// The share (0 to 1) of the query's words, stemmed in `language`, that the passage holds;
/// 0 for a query without words. Judges whether a passage answers a question well enough to
/// be quoted without a model.
double query_coverage(pqxx::dbtransaction& tx, const std::string& query, std::int64_t chunk_id,
                      const std::string& language);

nlohmann::json hits_json(const std::vector<SearchHit>& hits);

/// The passages as the prompt's {{relevant_documents}}: numbered, each with its document
/// title and section.
std::string format_for_prompt(const std::vector<SearchHit>& hits);

}  // namespace botflow::knowledge
