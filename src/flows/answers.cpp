#include "flows/answers.hpp"

#include <cmath>
#include <cstdlib>

#include "flows/text.hpp"

namespace botflow::flows {
namespace {

using nlohmann::json;

std::string trim(const std::string& s) {
    auto begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return {};
    auto end = s.find_last_not_of(" \t\r\n");
    return s.substr(begin, end - begin + 1);
}

// Characters, not bytes: what a customer counts.
std::size_t length(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

Checked valid(json value, std::string outcome = "valid") {
    return {true, std::move(value), std::move(outcome)};
}

Checked choose(const QuestionConfig& q, const Reply& reply) {
    auto pick = [&q](const Choice& c) { return valid(c.title, tap_outcome(q, c.id)); };
    for (const auto& c : q.choices) {
        if (!reply.tapped_id.empty() && c.id == reply.tapped_id) return pick(c);
    }
    auto text = trim(reply.text);
    for (const auto& c : q.choices) {
        if (same_words(text, c.title) || same_words(text, c.id)) return pick(c);
    }
    // "2" for the second choice, as customers answer numbered options.
    if (!text.empty() && text.size() <= 2 &&
        text.find_first_not_of("0123456789") == std::string::npos) {
        auto n = static_cast<std::size_t>(std::atoi(text.c_str()));
        if (n >= 1 && n <= q.choices.size()) return pick(q.choices[n - 1]);
    }
    return {};
}

Checked number(const AnswerRule& rule, const std::string& text) {
    std::string s = trim(text);
    for (auto& c : s) {
        if (c == ',') c = '.';  // 3,5 as written in most of the world
    }
    if (s.empty() || s.size() > 40) return {};
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(v)) return {};
    if (rule.integer && v != std::floor(v)) return {};
    if ((rule.min && v < *rule.min) || (rule.max && v > *rule.max)) return {};
    if (v == std::floor(v) && std::fabs(v) < 1e15) return valid(static_cast<long long>(v));
    return valid(v);
}

Checked email(const std::string& text) {
    auto s = trim(text);
    auto at = s.find('@');
    bool ok = s.size() <= 254 && at != std::string::npos && at > 0 &&
              s.find('@', at + 1) == std::string::npos &&
              s.find_first_of(" \t<>,;\"") == std::string::npos;
    auto dot = s.find('.', at + 1);
    ok = ok && dot != std::string::npos && dot > at + 1 && dot + 1 < s.size() && s.back() != '.';
    if (!ok) return {};
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return valid(s);
}

// 7 to 15 digits with the usual separators; "+" or "00" first makes it international.
Checked phone(const std::string& text) {
    auto s = trim(text);
    std::string digits;
    bool plus = !s.empty() && s[0] == '+';
    for (std::size_t i = plus ? 1 : 0; i < s.size(); ++i) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            digits += c;
        } else if (std::string_view(" -.()/").find(c) == std::string_view::npos) {
            return {};
        }
    }
    if (!plus && digits.rfind("00", 0) == 0) {
        plus = true;
        digits.erase(0, 2);
    }
    if (digits.size() < 7 || digits.size() > 15) return {};
    return valid(plus ? "+" + digits : digits);
}

}  // namespace

Checked check_answer(const QuestionConfig& question, const Reply& reply, const LocalNow& now) {
    const auto& rule = question.answer;
    const auto& text = reply.text;
    switch (rule.type) {
        case AnswerType::choice:
            return choose(question, reply);
        case AnswerType::text: {
            auto t = trim(text);
            auto n = length(t);
            if (t.empty() || n < rule.min_length || n > rule.max_length) return {};
            return valid(t);
        }
        case AnswerType::number:
            return number(rule, text);
        case AnswerType::email:
            return email(text);
        case AnswerType::phone:
            return phone(text);
        case AnswerType::date: {
            auto d = parse_date(text, now);
            return d ? valid(*d) : Checked{};
        }
        case AnswerType::time: {
            auto t = parse_time(text);
            return t ? valid(*t) : Checked{};
        }
        case AnswerType::datetime: {
            auto d = parse_date(text, now);
            auto t = parse_time(text);
            return d && t ? valid(*d + " " + *t) : Checked{};
        }
        case AnswerType::regex: {
            auto t = trim(text);
            return rule.pattern && rule.pattern->whole(t) ? valid(t) : Checked{};
        }
    }
    return {};
}

}  // namespace botflow::flows
