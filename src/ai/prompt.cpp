#include "ai/prompt.hpp"

#include <algorithm>
#include <map>
#include <pqxx/pqxx>

#include "ai/turn_repo.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/prompts/prompts.hpp"
#include "botflow/prompts/templates.hpp"

namespace botflow::ai {
namespace {

using nlohmann::json;

constexpr std::size_t kHistoryChars = 6000;  // about 1,500 tokens of earlier conversation
constexpr int kHistoryMessages = 16;
constexpr int kPassages = 4;

std::string trim(std::string_view s) {
    auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

std::string history_text(pqxx::dbtransaction& tx, const std::string& conversation,
                         std::int64_t before_seq) {
    std::vector<std::string> lines;
    std::size_t used = 0;
    for (const auto& [sender, content] :
         history_before(tx, conversation, before_seq, kHistoryMessages)) {
        std::string who = sender == "customer" ? "Customer"
                          : sender == "ai"     ? "Assistant"
                          : sender == "agent"  ? "Team member"
                                               : "Automatic message";
        auto line = who + ": " + content;
        if (used + line.size() > kHistoryChars) break;
        used += line.size();
        lines.push_back(std::move(line));
    }
    if (lines.empty()) return "(This is the start of the conversation.)";
    std::string out;
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        if (!out.empty()) out += "\n";
        out += *it;
    }
    return out;
}

}  // namespace

// --- pure helpers ----------------------------------------------------------------------

std::string strip_marker(std::string_view text, bool& found) {
    found = false;
    std::string out(text);
    auto upper = [](std::string s) {
        for (auto& c : s) {
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        }
        return s;
    };
    // Models do not always keep the case they were told.
    for (auto at = upper(out).find(kHandoffMarker); at != std::string::npos;
         at = upper(out).find(kHandoffMarker)) {
        found = true;
        out.erase(at, kHandoffMarker.size());
    }
    return trim(out);
}

std::string hide_partial_marker(std::string_view text) {
    for (std::size_t n = std::min(text.size(), kHandoffMarker.size() - 1); n > 0; --n) {
        auto tail = text.substr(text.size() - n);
        bool prefix = true;
        for (std::size_t i = 0; i < n && prefix; ++i) {
            char c = tail[i];
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
            prefix = c == kHandoffMarker[i];
        }
        if (prefix) return std::string(text.substr(0, text.size() - n));
    }
    return std::string(text);
}

std::string policy_rules(const std::string& business_name, bool strict_grounding) {
    std::string name = business_name.empty() ? std::string("this business") : business_name;
    std::string rules = "\n\nRules that always apply:\n";
    if (strict_grounding) {
        rules +=
            "- Answer questions about the business only from \"What you know\" and the "
            "conversation. If they do not contain the answer, do not guess: reply with exactly " +
            std::string(kHandoffMarker) +
            " and nothing else, and a person from the team will take over.\n";
    } else {
        rules += "- When you cannot help, reply with exactly " + std::string(kHandoffMarker) +
                 " and nothing else, and a person from the team will take over.\n";
    }
    rules += "- If the customer asks to talk to a person, reply with exactly " +
             std::string(kHandoffMarker) + ".\n";
    rules += "- Politely decline requests unrelated to " + name +
             " (general questions, writing, translation, coding, homework, other companies): say "
             "you can only help with questions about " +
             name +
             ".\n"
             "- Greetings, thanks and small talk need no passages: answer them briefly and "
             "warmly.\n";
    return rules;
}

std::string extractive_answer(const knowledge::SearchHit& hit, std::size_t max_chars) {
    std::string text = trim(hit.content);
    if (text.size() > max_chars) {
        std::size_t cut = std::string::npos;
        for (std::size_t i = max_chars; i > max_chars / 2; --i) {
            char c = text[i - 1];
            if ((c == '.' || c == '!' || c == '?' || c == '\n') &&
                (i == text.size() || text[i] == ' ' || text[i] == '\n')) {
                cut = i;
                break;
            }
        }
        if (cut == std::string::npos) {
            cut = max_chars;
            // Never in the middle of a UTF-8 sequence.
            while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
            text = trim(text.substr(0, cut)) + "...";
        } else {
            text = trim(text.substr(0, cut));
        }
    }
    std::string source = "\"" + hit.document_title + "\"";
    if (!hit.heading.empty() && hit.heading != hit.document_title) {
        source += " (" + hit.heading + ")";
    }
    return "Here is what our " + source + " says:\n\n" + text;
}

std::optional<int> minutes_closed(const json& hours, int iso_weekday, int minute) {
    static const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    if (!hours.is_object() || !hours.contains("days") || !hours["days"].is_object()) {
        return std::nullopt;
    }
    auto to_minutes = [](const json& v) {
        if (!v.is_string()) return -1;
        auto s = v.get<std::string>();
        if (s.size() != 5 || s[2] != ':') return -1;
        for (int i : {0, 1, 3, 4}) {
            if (s[static_cast<std::size_t>(i)] < '0' || s[static_cast<std::size_t>(i)] > '9') {
                return -1;
            }
        }
        return std::stoi(s.substr(0, 2)) * 60 + std::stoi(s.substr(3, 2));
    };
    bool any = false;
    std::optional<int> since;
    // Today first (is it open now? when did it close today?), then back day by day.
    for (int back = 0; back < 8; ++back) {
        int day = ((iso_weekday - 1 - back) % 7 + 7) % 7;
        const auto& list = hours["days"].contains(kDays[day]) ? hours["days"][kDays[day]] : json();
        if (!list.is_array()) continue;
        for (const auto& iv : list) {
            if (!iv.is_object()) continue;
            int open = to_minutes(iv.value("open", json()));
            int close = to_minutes(iv.value("close", json()));
            if (open < 0 || close < 0) continue;
            any = true;
            if (back == 0 && open <= minute && minute < close) return std::nullopt;
            int closed_at = close - back * 24 * 60;  // relative to today's midnight
            if (closed_at <= minute) {
                int ago = minute - closed_at;
                if (!since || ago < *since) since = ago;
            }
        }
        if (since) break;
    }
    if (!any) return std::nullopt;
    return since.value_or(7 * 24 * 60);
}

// --- the prompt ----------------------------------------------------------------------------

Prompt build_prompt(pqxx::dbtransaction& tx, const std::string& template_body,
                    const std::string& message, const std::string& search_query,
                    const std::string& customer_name, const std::string& history,
                    const std::string& language, bool strict_grounding,
                    const std::string& document_tag) {
    Prompt p;
    auto profile = prompts::business_profile(tx);
    p.business_name = profile["name"].is_string() ? profile["name"].get<std::string>() : "";
    p.hits = knowledge::search_chunks(tx, search_query, kPassages, language, document_tag);
    std::string tz = profile["hours"].is_object()
                         ? profile["hours"].value("time_zone", std::string("UTC"))
                         : std::string("UTC");
    std::map<std::string, std::string> values = {
        {"business_name", p.business_name},
        {"customer_name", customer_name},
        {"customer_message", message},
        {"relevant_documents", knowledge::format_for_prompt(p.hits)},
        {"conversation_history", history},
        {"business_hours", prompts::format_hours(profile["hours"])},
        {"current_date", today_in(tx, tz)},
        {"language", profile["language"].is_string() ? profile["language"].get<std::string>()
                                                     : std::string("English")}};
    p.system =
        prompts::render(template_body, values) + policy_rules(p.business_name, strict_grounding);
    p.user = message;
    return p;
}

json citations_json(const std::vector<knowledge::SearchHit>& hits) {
    json out = json::array();
    for (const auto& h : hits) {
        out.push_back({{"chunk_id", h.chunk_id},
                       {"document_id", h.document_id},
                       {"document_title", h.document_title},
                       {"heading", h.heading},
                       {"content", h.content},
                       {"score", h.score}});
    }
    return out;
}

Context gather(pqxx::dbtransaction& tx, const std::string& conversation, std::int64_t first_seq,
               const std::string& message, const std::string& customer, bool strict,
               const config::Config& config, const std::string& document_tag) {
    Context ctx;
    auto t = prompts::active_template(tx);
    std::string body = t ? (*t)["body"].get<std::string>()
                         : std::string(
                               "You are the WhatsApp assistant of {{business_name}}.\n\n"
                               "What you know:\n{{relevant_documents}}");
    // Search with the waiting messages, plus the one before when they are short ("and on
    // Sunday?").
    std::string query = message;
    if (message.size() < 40) {
        auto prev = previous_customer_message(tx, conversation, first_seq);
        if (prev) query += "\n" + *prev;
    }
    ctx.prompt =
        build_prompt(tx, body, message, query, customer, history_text(tx, conversation, first_seq),
                     config.kb_language, strict, document_tag);
    if (!ctx.prompt.hits.empty()) {
        ctx.best_coverage = knowledge::query_coverage(tx, message, ctx.prompt.hits.front().chunk_id,
                                                      config.kb_language);
    }
    std::optional<Secret> stored;
    try {
        stored = stored_api_key(tx, config);
    } catch (const Error& e) {
        // SECRET_KEY changed: answer with the environment's key (or none) rather than not at
        // all.
        spdlog::error("ai.key_unreadable cause=\"{}\"", e.detail());
    }
    ctx.access = llm_access(config, stored);
    return ctx;
}

}  // namespace botflow::ai
