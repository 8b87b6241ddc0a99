// A customer's answer to a question, checked against what the question asks (text, a number
// in a range, an email, a phone number, a date or time in the business's time zone, one of
// the choices, a pattern) and turned into the value the flow keeps. Pure. Private to flows/.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "flows/nodes.hpp"

namespace botflow::flows {

/// The business's local date and time now.
struct LocalNow {
    int year = 2026, month = 1, day = 1;
    int hour = 0, minute = 0;
    int isodow = 1;  // 1 Monday .. 7 Sunday
};

/// What the customer sent: text, or a tap on a button or list row (its id and title).
struct Reply {
    std::string text;
    std::string tapped_id;
};

struct Checked {
    bool valid = false;
    nlohmann::json value;  // what store_as keeps
    std::string outcome;   // "valid", or "button:<id>" / "row:<id>" for a choice
};

Checked check_answer(const QuestionConfig& question, const Reply& reply, const LocalNow& now);

/// A date ("2026-12-08") from what people write: ISO, day first with / . or -, "8 December",
/// "today", "tomorrow", "day after tomorrow", a weekday ("friday", "next friday"), in English,
/// Spanish, Portuguese, French and German. nullopt when there is none.
std::optional<std::string> parse_date(const std::string& text, const LocalNow& now);
/// Days since 1970-01-01 of a civil date. Pure.
long days_from_civil(int y, int m, int d);
/// "2026-12-08". Pure.
std::string iso(int y, int m, int d);

/// A time ("15:30") from "15:30", "3pm", "3:30 pm", "15h", "15h30", "noon". nullopt when none.
std::optional<std::string> parse_time(const std::string& text);

}  // namespace botflow::flows
