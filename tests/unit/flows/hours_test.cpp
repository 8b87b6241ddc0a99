// What the opening hours make of a day and a time: the weekday of a date, whether the business
// opens that day, whether a time is within its hours, and the appointment times it offers.
#include "flows/hours.hpp"

#include <gtest/gtest.h>

namespace botflow::flows {
namespace {

using nlohmann::json;

// Monday 7 December 2026, 10:30.
const LocalNow kNow{2026, 12, 7, 10, 30, 1};

// Monday to Friday 09:00-17:00 (Saturday 10:00-12:00 and 14:00-16:30), Sunday closed.
json salon() {
    json weekday = json::array({{{"open", "09:00"}, {"close", "17:00"}}});
    return {
        {"time_zone", "Europe/Madrid"},
        {"days",
         {{"mon", weekday},
          {"tue", weekday},
          {"wed", weekday},
          {"thu", weekday},
          {"fri", weekday},
          {"sat",
           {{{"open", "10:00"}, {"close", "12:00"}}, {{"open", "14:00"}, {"close", "16:30"}}}}}}};
}

TEST(Hours, AWeekdayFromAnIsoDate) {
    EXPECT_EQ(iso_weekday("2026-12-07"), 1);  // Monday
    EXPECT_EQ(iso_weekday("2026-12-13"), 7);  // Sunday
    EXPECT_EQ(iso_weekday("2000-02-29"), 2);  // a leap day, Tuesday
    EXPECT_EQ(iso_weekday("1970-01-01"), 4);  // Thursday
    EXPECT_EQ(iso_weekday("2026-12-08 15:00"), 2);
    EXPECT_EQ(iso_weekday("tomorrow"), 0);
    EXPECT_EQ(iso_weekday("2026-13-01"), 0);
}

TEST(Hours, AClosedDayAndTimesOutsideTheHours) {
    EXPECT_TRUE(open_on(salon(), "2026-12-12"));   // Saturday
    EXPECT_FALSE(open_on(salon(), "2026-12-13"));  // Sunday
    EXPECT_TRUE(open_at(salon(), "2026-12-12", "10:00"));
    EXPECT_FALSE(open_at(salon(), "2026-12-12", "12:00"));  // closes at noon
    EXPECT_FALSE(open_at(salon(), "2026-12-12", "13:15"));  // the break
    EXPECT_TRUE(open_at(salon(), "2026-12-12", "16:15"));
    EXPECT_FALSE(open_at(salon(), "2026-12-13", "10:00"));
    // Without opening hours every day and time is open.
    EXPECT_TRUE(open_on(json(nullptr), "2026-12-13"));
    EXPECT_TRUE(open_at(json::object(), "2026-12-13", "03:00"));
}

TEST(Hours, SlotsStartEveryStepAndEndByClosing) {
    auto saturday = open_slots(salon(), "2026-12-12", 60, kNow);
    EXPECT_EQ(saturday, (std::vector<std::string>{"10:00", "11:00", "14:00", "15:00"}));
    auto half = open_slots(salon(), "2026-12-12", 30, kNow);
    EXPECT_EQ(half, (std::vector<std::string>{"10:00", "10:30", "11:00", "11:30", "14:00", "14:30",
                                              "15:00", "15:30", "16:00"}));
    EXPECT_TRUE(open_slots(salon(), "2026-12-13", 60, kNow).empty());
    EXPECT_TRUE(open_slots(json(nullptr), "2026-12-12", 60, kNow).empty());
}

TEST(Hours, TodaysSlotsLeaveOutThePastAndALongDayIsSpread) {
    // 10:30 on Monday: 11:00 is the first left.
    auto today = open_slots(salon(), "2026-12-07", 60, kNow);
    EXPECT_EQ(today.front(), "11:00");
    EXPECT_EQ(today.back(), "16:00");
    // Sixteen half-hour starts on a weekday, ten of them offered, the first among them.
    auto tuesday = open_slots(salon(), "2026-12-08", 30, kNow);
    ASSERT_EQ(tuesday.size(), 10u);
    EXPECT_EQ(tuesday.front(), "09:00");
    EXPECT_LT(tuesday[8], tuesday[9]);
}

}  // namespace
}  // namespace botflow::flows
