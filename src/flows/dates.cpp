// Dates and times as customers write them, in the business's time zone.
#include <array>
#include <cstdio>
#include <string_view>
#include <vector>

#include "flows/answers.hpp"
#include "flows/text.hpp"

namespace botflow::flows {

// Days since 1970-01-01 of a civil date, by H. Hinnant's algorithm.
long days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

std::string iso(int y, int m, int d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    return buf;
}

namespace {

// Back from days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
void civil_from_days(long z, int& y, int& m, int& d) {
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

int days_in_month(int y, int m) {
    static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : kDays[m - 1];
}

std::string iso_days(long days) {
    int y = 0, m = 0, d = 0;
    civil_from_days(days, y, m, d);
    return iso(y, m, d);
}

// The words of the text, folded, split at spaces and commas, outer punctuation dropped.
std::vector<std::string> tokens(const std::string& text) {
    std::vector<std::string> out;
    std::string current;
    auto flush = [&] {
        while (!current.empty() &&
               std::string_view("?!;:)(\"'").find(current.back()) != std::string_view::npos) {
            current.pop_back();
        }
        while (!current.empty() &&
               std::string_view("(\"'").find(current.front()) != std::string_view::npos) {
            current.erase(0, 1);
        }
        // Spanish opening marks (U+00BF, U+00A1).
        while (current.rfind("\xC2\xBF", 0) == 0 || current.rfind("\xC2\xA1", 0) == 0)
            current.erase(0, 2);
        if (!current.empty()) out.push_back(current);
        current.clear();
    };
    for (char c : fold(text)) {
        if (c == ' ' || c == ',' || c == '\t' || c == '\n') {
            flush();
        } else {
            current += c;
        }
    }
    flush();
    return out;
}

bool all_digits(std::string_view s) {
    if (s.empty() || s.size() > 4) return false;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

int to_int(std::string_view s) {
    int v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return v;
}

std::string_view without_ordinal(std::string_view s) {
    for (std::string_view suffix : {"st", "nd", "rd", "th", "o", "er", "."}) {
        if (s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix &&
            all_digits(s.substr(0, s.size() - suffix.size()))) {
            return s.substr(0, s.size() - suffix.size());
        }
    }
    return s;
}

// 1..12 for a month's name or its usual abbreviation in the supported languages; 0 if none.
int month_of(std::string_view w) {
    static constexpr std::array<std::array<std::string_view, 6>, 12> kMonths{{
        {"january", "jan", "enero", "janeiro", "janvier", "januar"},
        {"february", "feb", "febrero", "fevereiro", "fevrier", "februar"},
        {"march", "mar", "marzo", "marco", "mars", "marz"},
        {"april", "apr", "abril", "avril", "april", "abr"},
        {"may", "mayo", "maio", "mai", "mai", "may"},
        {"june", "jun", "junio", "junho", "juin", "juni"},
        {"july", "jul", "julio", "julho", "juillet", "juli"},
        {"august", "aug", "agosto", "aout", "august", "ago"},
        {"september", "sep", "septiembre", "setembro", "septembre", "sept"},
        {"october", "oct", "octubre", "outubro", "octobre", "oktober"},
        {"november", "nov", "noviembre", "novembro", "novembre", "november"},
        {"december", "dec", "diciembre", "dezembro", "decembre", "dezember"},
    }};
    for (int m = 0; m < 12; ++m) {
        for (auto name : kMonths[m]) {
            if (w == name) return m + 1;
        }
    }
    return 0;
}

// 1 (Monday) .. 7 for a weekday's name; 0 if none.
int weekday_of(std::string_view w) {
    static constexpr std::array<std::array<std::string_view, 6>, 7> kDays{{
        {"monday", "mon", "lunes", "segunda", "lundi", "montag"},
        {"tuesday", "tue", "martes", "terca", "mardi", "dienstag"},
        {"wednesday", "wed", "miercoles", "quarta", "mercredi", "mittwoch"},
        {"thursday", "thu", "jueves", "quinta", "jeudi", "donnerstag"},
        {"friday", "fri", "viernes", "sexta", "vendredi", "freitag"},
        {"saturday", "sat", "sabado", "sabado", "samedi", "samstag"},
        {"sunday", "sun", "domingo", "domingo", "dimanche", "sonntag"},
    }};
    if (w.size() > 6 && w.substr(w.size() - 6) == "-feira") w = w.substr(0, w.size() - 6);
    for (int d = 0; d < 7; ++d) {
        for (auto name : kDays[d]) {
            if (w == name) return d + 1;
        }
    }
    return 0;
}

// "8/12/2026", "8.12.", "8-12-26", "2026-12-08" as (y, m, d); y is 0 when not written.
bool numeric_date(std::string_view t, int& y, int& m, int& d) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= t.size(); ++i) {
        if (i == t.size() || t[i] == '/' || t[i] == '.' || t[i] == '-') {
            parts.push_back(t.substr(start, i - start));
            start = i + 1;
        }
    }
    if (!parts.empty() && parts.back().empty()) parts.pop_back();  // "8.12."
    if (parts.size() < 2 || parts.size() > 3) return false;
    for (auto p : parts) {
        if (!all_digits(p)) return false;
    }
    if (parts[0].size() == 4) {
        if (parts.size() != 3) return false;
        y = to_int(parts[0]), m = to_int(parts[1]), d = to_int(parts[2]);
        return true;
    }
    d = to_int(parts[0]), m = to_int(parts[1]);
    y = parts.size() == 3 ? to_int(parts[2]) : 0;
    if (parts.size() == 3 && parts[2].size() == 2) y += 2000;
    return parts.size() == 2 || parts[2].size() == 2 || parts[2].size() == 4;
}

// A date without a year: this year's, or next year's once this year's has passed.
std::optional<std::string> complete(int y, int m, int d, const LocalNow& now) {
    if (m < 1 || m > 12) return std::nullopt;
    if (y == 0) {
        y = now.year;
        bool passed = m < now.month || (m == now.month && d < now.day);
        if (passed) ++y;
    }
    if (y < 1900 || y > 2200 || d < 1 || d > days_in_month(y, m)) return std::nullopt;
    return iso(y, m, d);
}

std::optional<long> relative_day(const std::vector<std::string>& w, std::size_t i) {
    auto is = [&](std::size_t k, std::string_view s) { return k < w.size() && w[k] == s; };
    if (is(i, "day") && is(i + 1, "after") && is(i + 2, "tomorrow")) return 2;
    if (is(i, "pasado") && is(i + 1, "manana")) return 2;
    if (is(i, "depois") && is(i + 1, "de") && is(i + 2, "amanha")) return 2;
    if (is(i, "apres-demain") || is(i, "ubermorgen") || (is(i, "apres") && is(i + 1, "demain"))) {
        return 2;
    }
    for (auto word : {"today", "hoy", "hoje", "aujourd'hui", "heute", "tonight"}) {
        if (is(i, word)) return 0;
    }
    for (auto word : {"tomorrow", "tmrw", "manana", "amanha", "demain", "morgen"}) {
        if (is(i, word)) return 1;
    }
    return std::nullopt;
}

std::optional<std::string> named_date(const std::vector<std::string>& w, std::size_t i,
                                      const LocalNow& now) {
    auto number = [&](std::size_t k) -> int {
        if (k >= w.size()) return 0;
        auto s = without_ordinal(w[k]);
        return all_digits(s) && s.size() <= 2 ? to_int(s) : 0;
    };
    auto year = [&](std::size_t k) -> int {
        return k < w.size() && all_digits(w[k]) && w[k].size() == 4 ? to_int(w[k]) : 0;
    };
    auto skip_de = [&](std::size_t k) {
        return k < w.size() && (w[k] == "de" || w[k] == "of") ? k + 1 : k;
    };
    // "8 december [2026]", "8 de diciembre de 2026", "8th of december"
    if (int d = number(i)) {
        auto k = skip_de(i + 1);
        if (k < w.size()) {
            if (int m = month_of(w[k])) return complete(year(skip_de(k + 1)), m, d, now);
        }
    }
    // "december 8 [2026]"
    if (int m = month_of(w[i])) {
        if (int d = number(i + 1)) return complete(year(i + 2), m, d, now);
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> parse_date(const std::string& text, const LocalNow& now) {
    auto w = tokens(text);
    long today = days_from_civil(now.year, now.month, now.day);
    for (std::size_t i = 0; i < w.size(); ++i) {
        if (auto offset = relative_day(w, i)) return iso_days(today + *offset);
        int y = 0, m = 0, d = 0;
        if (numeric_date(w[i], y, m, d)) return complete(y, m, d, now);
        if (auto named = named_date(w, i, now)) return named;
        if (int day = weekday_of(w[i])) {
            int ahead = (day - now.isodow + 7) % 7;
            return iso_days(today + (ahead == 0 ? 7 : ahead));
        }
    }
    return std::nullopt;
}

std::optional<std::string> parse_time(const std::string& text) {
    auto w = tokens(text);
    auto format = [](int h, int m) -> std::optional<std::string> {
        if (h < 0 || h > 23 || m < 0 || m > 59) return std::nullopt;
        char buf[8];
        std::snprintf(buf, sizeof buf, "%02d:%02d", h, m);
        return std::string(buf);
    };
    for (std::size_t i = 0; i < w.size(); ++i) {
        std::string_view t = w[i];
        for (auto word : {"noon", "midday", "mediodia", "meio-dia", "midi", "mittag"}) {
            if (t == word) return format(12, 0);
        }
        if (t == "midnight" || t == "medianoche" || t == "minuit") return format(0, 0);
        std::string_view suffix = i + 1 < w.size() ? std::string_view(w[i + 1]) : "";
        for (std::string_view mark : {"am", "pm", "a.m.", "p.m.", "uhr", "hs", "h"}) {
            if (t.size() > mark.size() && t.substr(t.size() - mark.size()) == mark) {
                suffix = mark;
                t = t.substr(0, t.size() - mark.size());
                break;
            }
        }
        auto colon = t.find_first_of(":h");
        auto hours = t.substr(0, colon);
        auto minutes = colon == std::string_view::npos ? std::string_view{} : t.substr(colon + 1);
        if (!all_digits(hours) || hours.size() > 2) continue;
        if (colon != std::string_view::npos && (!all_digits(minutes) || minutes.size() != 2))
            continue;
        bool pm = suffix == "pm" || suffix == "p.m.";
        bool am = suffix == "am" || suffix == "a.m.";
        bool marked = am || pm || suffix == "h" || suffix == "uhr" || suffix == "hs";
        bool after_at = i > 0 && (w[i - 1] == "at" || w[i - 1] == "las" || w[i - 1] == "as" ||
                                  w[i - 1] == "um" || w[i - 1] == "a");
        if (colon == std::string_view::npos && !marked && !after_at) continue;
        int h = to_int(hours);
        int m = minutes.empty() ? 0 : to_int(minutes);
        if ((am || pm) && (h < 1 || h > 12)) continue;
        if (pm && h != 12) h += 12;
        if (am && h == 12) h = 0;
        if (auto out = format(h, m)) return out;
    }
    return std::nullopt;
}

}  // namespace botflow::flows
