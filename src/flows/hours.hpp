// The business's opening hours ({time_zone, days: {mon: [{open, close}], ...}}, as the business
// profile keeps them) asked about for one date: is it open that day, which appointment times it
// offers, is a time within them. Pure. Private to flows/.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "flows/answers.hpp"

namespace botflow::flows {

/// Whether the profile has opening hours at all (without them, every day and time is open).
bool has_hours(const nlohmann::json& hours);

/// The weekday of an ISO date ("2026-12-08"): 1 Monday .. 7 Sunday; 0 when it is not one.
int iso_weekday(const std::string& date);

/// Whether the business opens on that date.
bool open_on(const nlohmann::json& hours, const std::string& date);

/// Whether "15:30" falls within the opening hours of that date.
bool open_at(const nlohmann::json& hours, const std::string& date, const std::string& time);

/// The times an appointment of `minutes` can start on that date, "09:00" first: every
/// `minutes` from each opening time to the last start that ends by its closing time, none
/// already past when the date is today, at most `most` (spread evenly when there are more).
std::vector<std::string> open_slots(const nlohmann::json& hours, const std::string& date,
                                    int minutes, const LocalNow& now, std::size_t most = 10);

}  // namespace botflow::flows
