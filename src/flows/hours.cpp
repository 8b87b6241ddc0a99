#include "flows/hours.hpp"

#include <cstdio>
#include <utility>

namespace botflow::flows {
namespace {

using nlohmann::json;

constexpr const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

// "09:30" as minutes since midnight; -1 when it is not HH:MM.
int minutes_of(const std::string& s) {
    if (s.size() != 5 || s[2] != ':') return -1;
    for (int i : {0, 1, 3, 4}) {
        if (s[static_cast<std::size_t>(i)] < '0' || s[static_cast<std::size_t>(i)] > '9') return -1;
    }
    int h = std::stoi(s.substr(0, 2)), m = std::stoi(s.substr(3, 2));
    // 24:00 closes a day; nothing is later.
    if (m > 59 || h > 24 || (h == 24 && m > 0)) return -1;
    return h * 60 + m;
}

std::string hhmm(int minutes) {
    char out[8];
    std::snprintf(out, sizeof out, "%02d:%02d", minutes / 60 % 100, minutes % 60);
    return out;
}

// The day's intervals as minutes, in the order the profile lists them.
std::vector<std::pair<int, int>> intervals_on(const json& hours, const std::string& date) {
    std::vector<std::pair<int, int>> out;
    int weekday = iso_weekday(date);
    if (weekday == 0) return out;
    const auto& days = hours["days"];
    const char* key = kDays[weekday - 1];
    if (!days.contains(key) || !days[key].is_array()) return out;
    for (const auto& iv : days[key]) {
        if (!iv.is_object() || !iv.contains("open") || !iv.contains("close") ||
            !iv["open"].is_string() || !iv["close"].is_string()) {
            continue;
        }
        int open = minutes_of(iv["open"].get<std::string>());
        int close = minutes_of(iv["close"].get<std::string>());
        if (open >= 0 && close > open) out.emplace_back(open, close);
    }
    return out;
}

}  // namespace

bool has_hours(const json& hours) {
    return hours.is_object() && hours.contains("days") && hours["days"].is_object();
}

int iso_weekday(const std::string& date) {
    int y = 0, m = 0, d = 0;
    if (date.size() < 10 || std::sscanf(date.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 ||
        m > 12 || d < 1 || d > 31) {
        return 0;
    }
    // 1970-01-01 was a Thursday.
    return static_cast<int>(((days_from_civil(y, m, d) + 3) % 7 + 7) % 7) + 1;
}

bool open_on(const json& hours, const std::string& date) {
    if (!has_hours(hours)) return true;
    return !intervals_on(hours, date).empty();
}

bool open_at(const json& hours, const std::string& date, const std::string& time) {
    if (!has_hours(hours)) return true;
    int t = minutes_of(time);
    for (const auto& [open, close] : intervals_on(hours, date)) {
        if (open <= t && t < close) return true;
    }
    return false;
}

std::vector<std::string> open_slots(const json& hours, const std::string& date, int minutes,
                                    const LocalNow& now, std::size_t most) {
    std::vector<int> starts;
    if (!has_hours(hours) || minutes <= 0) return {};
    int after = date == iso(now.year, now.month, now.day) ? now.hour * 60 + now.minute : -1;
    for (const auto& [open, close] : intervals_on(hours, date)) {
        for (int s = open; s + minutes <= close; s += minutes) {
            if (s > after) starts.push_back(s);
        }
    }
    std::vector<std::string> out;
    if (starts.size() <= most) {
        for (int s : starts) out.push_back(hhmm(s));
        return out;
    }
    // More than a list can hold: every k-th, the first one always among them.
    for (std::size_t i = 0; i < most; ++i) out.push_back(hhmm(starts[i * starts.size() / most]));
    return out;
}

}  // namespace botflow::flows
