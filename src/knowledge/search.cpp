#include "botflow/knowledge/search.hpp"

#include <algorithm>
#include <array>
#include <pqxx/pqxx>

namespace botflow::knowledge {

bool is_text_search_language(const std::string& name) {
    static const std::array<const char*, 29> kLanguages = {
        "arabic",    "armenian",   "basque",   "catalan", "danish",     "dutch",
        "english",   "finnish",    "french",   "german",  "greek",      "hindi",
        "hungarian", "indonesian", "irish",    "italian", "lithuanian", "nepali",
        "norwegian", "portuguese", "romanian", "russian", "serbian",    "simple",
        "spanish",   "swedish",    "tamil",    "turkish", "yiddish"};
    return std::find_if(kLanguages.begin(), kLanguages.end(),
                        [&name](const char* l) { return name == l; }) != kLanguages.end();
}

std::vector<SearchHit> search_chunks(pqxx::dbtransaction& tx, const std::string& query, int limit,
                                     const std::string& language) {
    // Full-text rank (heading weighted above body, normalised by length) plus how well the
    // query's words match some stretch of the passage letter by letter (trigrams), which is
    // what finds "refnd polcy" or "deliv".
    // pg_trgm's default threshold (0.6) misses one wrong letter in a short word ("refnd" is
    // 0.44 like "refund"); 0.4 still keeps unrelated words apart. For this transaction only.
    tx.exec("SELECT set_config('pg_trgm.word_similarity_threshold', '0.4', true)");
    auto rows = tx.exec_params(
        // Any of the words may match (customers ask in sentences: "how do I get a refund"
        // must find the refund policy without the word "get"); ranking favours passages
        // that match more of them.
        "WITH q AS (SELECT NULLIF(replace(websearch_to_tsquery($3::regconfig, $1)::text, "
        "  ' & ', ' | '), '')::tsquery AS tsq, lower($1) AS text) "
        "SELECT c.id, d.id::text, d.title, c.heading, c.content, "
        " ts_headline($3::regconfig, c.content, COALESCE(q.tsq, ''::tsquery), "
        "  'StartSel=**, StopSel=**, MaxFragments=2, MaxWords=35, MinWords=12, "
        "   FragmentDelimiter=\" ... \"'), "
        " COALESCE(ts_rank_cd(c.tsv, q.tsq, 1), 0) * 2 "
        "  + word_similarity(q.text, lower(c.content)) AS score "
        "FROM document_chunks c JOIN documents d ON d.id = c.document_id, q "
        "WHERE d.status = 'ready' AND (c.tsv @@ q.tsq OR q.text <% c.content) "
        "ORDER BY score DESC, c.id LIMIT $2",
        query, limit, language);
    std::vector<SearchHit> hits;
    for (const auto& r : rows) {
        SearchHit h;
        h.chunk_id = r[0].as<std::int64_t>();
        h.document_id = r[1].as<std::string>();
        h.document_title = r[2].as<std::string>();
        h.heading = r[3].as<std::string>();
        h.content = r[4].as<std::string>();
        h.snippet = r[5].as<std::string>();
        h.score = r[6].as<double>();
        hits.push_back(std::move(h));
    }
    return hits;
}

nlohmann::json hits_json(const std::vector<SearchHit>& hits) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& h : hits) {
        items.push_back({{"chunk_id", h.chunk_id},
                         {"document", {{"id", h.document_id}, {"title", h.document_title}}},
                         {"heading", h.heading},
                         {"content", h.content},
                         {"snippet", h.snippet},
                         {"score", h.score}});
    }
    return items;
}

std::string format_for_prompt(const std::vector<SearchHit>& hits) {
    if (hits.empty()) return "(No passage of the business's knowledge matches this message.)";
    std::string out;
    for (std::size_t i = 0; i < hits.size(); ++i) {
        const auto& h = hits[i];
        if (i) out += "\n\n";
        out += "[" + std::to_string(i + 1) + "] " + h.document_title;
        if (!h.heading.empty()) out += " > " + h.heading;
        out += "\n" + h.content;
    }
    return out;
}

}  // namespace botflow::knowledge
