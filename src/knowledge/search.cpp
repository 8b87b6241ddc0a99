#include "botflow/knowledge/search.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "knowledge/search_repo.hpp"

namespace botflow::knowledge {

namespace {

// Words customers use for what support documents call otherwise. When a question contains one
// (as a whole word or phrase), the others join it as alternatives. English only.
const std::vector<std::vector<std::string>>& synonym_groups() {
    static const std::vector<std::vector<std::string>> groups = {
        {"return", "returns", "refund", "send back", "exchange"},
        {"warranty", "guarantee"},
        {"pet", "pets", "dog", "dogs", "cat", "cats"},
        {"child", "children", "kid", "kids", "baby", "babies", "infant", "toddler"},
        {"wheelchair", "accessible", "accessibility", "disabled", "disability", "mobility"},
        {"late checkout", "leave later", "check out late", "late check-out"},
        {"deposit", "prepayment", "pay in advance", "advance payment"},
        {"allergy", "allergies", "allergic", "allergen", "allergens"},
        {"parking", "park", "car park"},
        {"booking", "book", "reservation", "reserve"},
        {"cancel", "cancellation", "cancelling"},
        {"insurance", "insurer", "medicaid", "medicare"},
        {"opening hours", "open", "hours", "closing time"},
        {"broken", "damaged", "faulty", "defective"},
        {"paperwork", "forms", "form", "documents"},
    };
    return groups;
}

bool contains_phrase(const std::string& text, const std::string& phrase) {
    std::size_t pos = 0;
    while ((pos = text.find(phrase, pos)) != std::string::npos) {
        bool start = pos == 0 || !std::isalnum(static_cast<unsigned char>(text[pos - 1]));
        auto end = pos + phrase.size();
        bool stop = end >= text.size() || !std::isalnum(static_cast<unsigned char>(text[end]));
        if (start && stop) return true;
        pos = end;
    }
    return false;
}

}  // namespace

std::string expand_synonyms(const std::string& query) {
    std::string lower = query;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string extra;
    for (const auto& group : synonym_groups()) {
        bool hit = false;
        for (const auto& w : group) hit = hit || contains_phrase(lower, w);
        if (!hit) continue;
        for (const auto& w : group) {
            if (!contains_phrase(lower, w)) extra += " " + w;
        }
    }
    return extra;
}

std::vector<SearchHit> search_chunks(pqxx::dbtransaction& tx, const std::string& query, int limit,
                                     const std::string& language, const std::string& tag) {
    // A word the knowledge base does not have is most likely misspelt: the closest word it
    // does have joins the query ("refnd" finds "refund", "cheescake" finds "cheesecake").
    std::string expanded = query;
    if (language == "english") expanded += expand_synonyms(query);
    auto extra = spelling_fixes(tx, query);
    if (!extra.empty()) expanded += " " + extra;
    return rank_passages(tx, expanded, limit, language, tag);
}

double query_coverage(pqxx::dbtransaction& tx, const std::string& query, std::int64_t chunk_id,
                      const std::string& language) {
    auto words = words_in_passage(tx, query, chunk_id, language);
    if (words.total == 0) return 0;
    return static_cast<double>(words.found) / static_cast<double>(words.total);
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
        // Appended piece by piece: GCC 12 warns (falsely, -Wstringop-overflow) on a chain of
        // operator+ here.
        if (i) out.append("\n\n");
        out.append("[").append(std::to_string(i + 1)).append("] ").append(h.document_title);
        if (!h.heading.empty()) out.append(" > ").append(h.heading);
        out.append("\n").append(h.content);
    }
    return out;
}

}  // namespace botflow::knowledge
