#include "botflow/ai/settings.hpp"

#include <cmath>
#include <pqxx/pqxx>
#include <stdexcept>

#include "botflow/core/error.hpp"
#include "botflow/store/setting_repo.hpp"
#include "botflow/util/crypto.hpp"

namespace botflow::ai {
namespace {

using nlohmann::json;

constexpr const char* kSettingsKey = "ai";
constexpr const char* kApiKeyKey = "ai.api_key";

// Lower case without accents, typographic apostrophes made plain: what customers type on a
// phone ("QUELQU’UN", "alguem") matches the phrase list however it was written.
std::string fold(std::string_view s) {
    // Latin-1 supplement letters U+00C0..U+00FF, folded to ASCII.
    static const char* kFold =
        "aaaaaaaceeeeiiii"   // U+00C0..U+00CF
        "dnooooo*ouuuuyts"   // U+00D0..U+00DF (U+00D7 is the multiplication sign)
        "aaaaaaaceeeeiiii"   // U+00E0..U+00EF
        "dnooooo/ouuuuyty";  // U+00F0..U+00FF
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 'A' && c <= 'Z') {
            out += static_cast<char>(c - 'A' + 'a');
        } else if (c == 0xC3 && i + 1 < s.size()) {
            auto next = static_cast<unsigned char>(s[i + 1]);
            if (next >= 0x80 && next <= 0xBF) {
                out += kFold[next - 0x80];
                ++i;
            } else {
                out += static_cast<char>(c);
            }
        } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(s[i + 2]) == 0x98 ||
                    static_cast<unsigned char>(s[i + 2]) == 0x99)) {
            out += '\'';  // ‘ ’
            i += 2;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

bool word_char(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

void apply_saved(const json& saved, AiSettings& s) {
    if (!saved.is_object()) return;
    auto str = [&](const char* k, std::string& out) {
        if (saved.contains(k) && saved[k].is_string()) out = saved[k].get<std::string>();
    };
    str("model", s.model);
    str("handoff_message", s.handoff_message);
    str("away_message", s.away_message);
    str("fallback_message", s.fallback_message);
    if (saved.contains("fallback_models") && saved["fallback_models"].is_array()) {
        s.fallback_models = saved["fallback_models"].get<std::vector<std::string>>();
    }
    if (saved.contains("handoff_phrases") && saved["handoff_phrases"].is_array()) {
        s.handoff_phrases = saved["handoff_phrases"].get<std::vector<std::string>>();
    }
    if (saved.contains("temperature") && saved["temperature"].is_number()) {
        s.temperature = saved["temperature"].get<double>();
    }
    if (saved.contains("max_tokens") && saved["max_tokens"].is_number_integer()) {
        s.max_tokens = saved["max_tokens"].get<int>();
    }
    if (saved.contains("debounce_ms") && saved["debounce_ms"].is_number_integer()) {
        s.debounce_ms = saved["debounce_ms"].get<int>();
    }
    if (saved.contains("strict_grounding") && saved["strict_grounding"].is_boolean()) {
        s.strict_grounding = saved["strict_grounding"].get<bool>();
    }
}

json to_json(const AiSettings& s) {
    return {{"model", s.model},
            {"fallback_models", s.fallback_models},
            {"temperature", s.temperature},
            {"max_tokens", s.max_tokens},
            {"debounce_ms", s.debounce_ms},
            {"handoff_phrases", s.handoff_phrases},
            {"handoff_message", s.handoff_message},
            {"away_message", s.away_message},
            {"fallback_message", s.fallback_message},
            {"strict_grounding", s.strict_grounding}};
}

// A PUT body's errors, added in the order of the settings: unknown fields, then the model
// ids.
void check_keys_and_models(const json& body, FieldErrors& errors) {
    static const std::vector<std::string> known = {"model",
                                                   "fallback_models",
                                                   "temperature",
                                                   "max_tokens",
                                                   "debounce_ms",
                                                   "handoff_phrases",
                                                   "handoff_message",
                                                   "away_message",
                                                   "fallback_message",
                                                   "strict_grounding",
                                                   "api_key"};
    for (const auto& [k, v] : body.items()) {
        if (std::find(known.begin(), known.end(), k) == known.end()) {
            errors.add(k, "is not a setting");
        }
    }
    auto model_name = [](const json& v) {
        if (!v.is_string()) return false;
        auto s = v.get<std::string>();
        return !s.empty() && s.size() <= 200 && s.find_first_of(" \t\r\n\"\\") == std::string::npos;
    };
    if (body.contains("model") && !model_name(body["model"])) {
        errors.add("model", "must be a model id such as openai/gpt-4o-mini");
    }
    if (body.contains("fallback_models")) {
        const auto& f = body["fallback_models"];
        bool ok = f.is_array() && f.size() <= 3;
        if (ok) {
            for (const auto& m : f) ok = ok && model_name(m);
        }
        if (!ok) errors.add("fallback_models", "must be a list of at most 3 model ids");
    }
}

void check_numbers(const json& body, FieldErrors& errors) {
    if (body.contains("temperature")) {
        const auto& t = body["temperature"];
        if (!t.is_number() || t.get<double>() < 0 || t.get<double>() > 2) {
            errors.add("temperature", "must be a number from 0 to 2");
        }
    }
    if (body.contains("max_tokens")) {
        const auto& t = body["max_tokens"];
        if (!t.is_number_integer() || t.get<long long>() < 16 || t.get<long long>() > 4000) {
            errors.add("max_tokens", "must be a whole number from 16 to 4000");
        }
    }
    if (body.contains("debounce_ms")) {
        const auto& t = body["debounce_ms"];
        if (!t.is_number_integer() || t.get<long long>() < 0 || t.get<long long>() > 60000) {
            errors.add("debounce_ms", "must be a whole number of milliseconds from 0 to 60000");
        }
    }
}

// The phrases, the messages, strict grounding and the key.
void check_texts(const json& body, FieldErrors& errors) {
    if (body.contains("handoff_phrases")) {
        const auto& p = body["handoff_phrases"];
        bool ok = p.is_array() && p.size() <= 200;
        if (ok) {
            for (const auto& x : p) {
                ok = ok && x.is_string() && !x.get<std::string>().empty() &&
                     x.get<std::string>().size() <= 100;
            }
        }
        if (!ok) {
            errors.add("handoff_phrases", "must be a list of up to 200 phrases of 1 to 100 bytes");
        }
    }
    for (const char* k : {"handoff_message", "away_message", "fallback_message"}) {
        if (!body.contains(k)) continue;
        const auto& m = body[k];
        if (!m.is_string() ||
            m.get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos ||
            m.get<std::string>().size() > 1000) {
            errors.add(k, "must be a text of 1 to 1000 bytes");
        }
    }
    if (body.contains("strict_grounding") && !body["strict_grounding"].is_boolean()) {
        errors.add("strict_grounding", "must be true or false");
    }
    if (body.contains("api_key")) {
        const auto& k = body["api_key"];
        bool ok =
            k.is_null() ||
            (k.is_string() && !k.get<std::string>().empty() && k.get<std::string>().size() <= 500 &&
             k.get<std::string>().find_first_of(" \t\r\n") == std::string::npos);
        if (!ok) errors.add("api_key", "must be the key as a string, or null to remove it");
    }
}

}  // namespace

const std::vector<std::string>& default_handoff_phrases() {
    static const std::vector<std::string> phrases = {
        // English
        "real person", "a human", "human being", "talk to someone", "speak to someone",
        "speak with someone", "talk to a person", "speak to a person", "speak with a person",
        "live agent", "human agent", "representative", "talk to a manager", "speak to a manager",
        // Spanish
        "hablar con una persona", "persona real", "un humano", "hablar con alguien",
        "agente humano", "un asesor",
        // Portuguese
        "falar com uma pessoa", "atendente", "pessoa real", "falar com alguém", "um humano",
        // French
        "parler à quelqu'un", "vraie personne", "un humain", "un conseiller",
        "parler à une personne",
        // German
        "mit einem menschen", "echten menschen", "mit jemandem sprechen", "mitarbeiter sprechen",
        // Italian
        "parlare con una persona", "persona reale", "un operatore",
        // Arabic, Hindi
        "موظف", "خدمة العملاء", "इंसान से बात"};
    return phrases;
}

AiSettings default_settings(const config::Config& config) {
    AiSettings s;
    s.model = config.llm_model;
    s.fallback_models = config.llm_fallback_models;
    s.debounce_ms = config.ai_debounce_ms;
    s.handoff_phrases = default_handoff_phrases();
    s.handoff_message =
        "Thanks for your patience! I'm passing your message to a person from our team, who "
        "will reply here as soon as possible.";
    s.away_message =
        "Thanks for your message! We're closed at the moment; a person from our team will get "
        "back to you when we open.";
    s.fallback_message =
        "Sorry, I can't answer that right now. I've asked a person from our team to reply here "
        "as soon as possible.";
    return s;
}

AiSettings load_settings(pqxx::dbtransaction& tx, const config::Config& config) {
    auto s = default_settings(config);
    if (auto saved = store::get_setting(tx, kSettingsKey)) apply_saved(*saved, s);
    return s;
}

AiSettings put_settings(pqxx::dbtransaction& tx, const json& body, const std::string& user_id,
                        const config::Config& config) {
    FieldErrors errors;
    check_keys_and_models(body, errors);
    check_numbers(body, errors);
    check_texts(body, errors);
    errors.throw_if_any("Some AI settings are not valid.");
    auto current = load_settings(tx, config);
    json merged = to_json(current);
    for (const auto& [k, v] : body.items()) {
        if (k != "api_key") merged[k] = v;
    }
    store::put_setting(tx, kSettingsKey, merged, user_id);
    if (body.contains("api_key")) {
        if (body["api_key"].is_null()) {
            store::delete_setting(tx, kApiKeyKey);
        } else {
            store::put_sealed_setting(tx, kApiKeyKey, body["api_key"].get<std::string>(),
                                      config::sealing_key(config), user_id);
        }
    }
    AiSettings out = default_settings(config);
    apply_saved(merged, out);
    return out;
}

std::optional<Secret> stored_api_key(pqxx::dbtransaction& tx, const config::Config& config) {
    try {
        auto key = store::get_sealed_setting(tx, kApiKeyKey, config::sealing_key(config));
        if (!key) return std::nullopt;
        return Secret(std::move(*key));
    } catch (const std::runtime_error&) {
        throw Error(Errc::conflict,
                    "The saved LLM key cannot be read: SECRET_KEY changed since it was saved. "
                    "Save the key again in Settings > AI.",
                    "ai.api_key decryption failed");
    }
}

json settings_json(const AiSettings& s, const config::Config& config, bool key_stored) {
    auto j = to_json(s);
    j["api_key"] = {{"set", key_stored || !config.llm_api_key.empty()},
                    {"source", key_stored                    ? "settings"
                               : !config.llm_api_key.empty() ? "environment"
                                                             : "none"}};
    j["base_url"] = config.llm_base_url;
    j["default_handoff_phrases"] = default_handoff_phrases();
    return j;
}

LlmAccess llm_access(const config::Config& config, const std::optional<Secret>& stored) {
    LlmAccess a;
    a.key = stored ? *stored : config.llm_api_key;
    a.configured = !a.key.empty() || !is_openrouter(config.llm_base_url);
    return a;
}

LlmEndpoint endpoint(const config::Config& config, const Secret& key,
                     const std::string& business_name) {
    LlmEndpoint ep;
    ep.base_url = config.llm_base_url;
    ep.api_key = key;
    ep.openrouter = config.llm_openrouter.value_or(is_openrouter(config.llm_base_url));
    ep.referer = config.public_url;
    ep.title = business_name.empty() ? std::string("BotFlow") : business_name;
    ep.first_token_timeout = config.llm_first_token_timeout;
    ep.total_timeout = config.llm_timeout;
    return ep;
}

bool asks_for_person(std::string_view text, const std::vector<std::string>& phrases) {
    auto hay = fold(text);
    for (const auto& phrase : phrases) {
        auto needle = fold(phrase);
        if (needle.empty()) continue;
        for (auto at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) {
            bool start_ok = at == 0 || !word_char(static_cast<unsigned char>(hay[at - 1])) ||
                            !word_char(static_cast<unsigned char>(needle.front()));
            auto end = at + needle.size();
            bool end_ok = end == hay.size() || !word_char(static_cast<unsigned char>(hay[end])) ||
                          !word_char(static_cast<unsigned char>(needle.back()));
            if (start_ok && end_ok) return true;
        }
    }
    return false;
}

}  // namespace botflow::ai
