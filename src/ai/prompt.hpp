// What an AI answer is asked with: the prompt gathered in the turn's transaction (template,
// passages, history, the key in effect) and the citations kept with the answer. Private to ai/.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "botflow/ai/reply.hpp"
#include "botflow/ai/settings.hpp"
#include "botflow/config/config.hpp"
#include "botflow/knowledge/search.hpp"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace botflow::ai {

// What goes into the prompt, read in one transaction.
struct Context {
    Prompt prompt;
    LlmAccess access;
    double best_coverage = 0;  // how much of the question the best passage covers
};

// The prompt for the waiting customer messages (`message`, one per line) of a turn whose
// first message is `first_seq`: the active template, the passages (of documents tagged
// `document_tag` when it is set), the history before it, and the key in effect. Runs in the
// caller's transaction.
Context gather(pqxx::dbtransaction& tx, const std::string& conversation, std::int64_t first_seq,
               const std::string& message, const std::string& customer, bool strict,
               const config::Config& config, const std::string& document_tag = "");

// The passages as stored with an answer (ai_turns.citations, then message_citations).
nlohmann::json citations_json(const std::vector<knowledge::SearchHit>& hits);

}  // namespace botflow::ai
