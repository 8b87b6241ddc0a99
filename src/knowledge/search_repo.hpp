// The knowledge base's search in PostgreSQL: full-text ranking of the passages of ready
// documents and trigram matching against their vocabulary. Each function runs in the caller's
// transaction. Private to knowledge/.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "botflow/knowledge/search.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::knowledge {

/// For each word of `query` the knowledge base does not have, the closest word it does have,
/// space-separated ("refnd" -> "refund"); empty when there is none.
std::string spelling_fixes(pqxx::dbtransaction& tx, const std::string& query);
/// The best `limit` passages of ready documents holding any word of `query`, stemmed in
/// `language`, best first; only of documents tagged `tag` unless it is empty.
std::vector<SearchHit> rank_passages(pqxx::dbtransaction& tx, const std::string& query, int limit,
                                     const std::string& language, const std::string& tag = "");
/// How many of the query's words (stemmed in `language`) the passage holds, of how many.
struct WordsFound {
    long found = 0;
    long total = 0;
};
WordsFound words_in_passage(pqxx::dbtransaction& tx, const std::string& query,
                            std::int64_t chunk_id, const std::string& language);

}  // namespace botflow::knowledge
