#include <gtest/gtest.h>

#include "botflow/analytics/report.hpp"

namespace botflow::analytics {
namespace {

std::vector<long long> empty() { return std::vector<long long>(80, 0); }

TEST(HistogramPercentile, EmptyHasNone) { EXPECT_EQ(histogram_percentile_ms(empty(), 0.5), -1); }

TEST(HistogramPercentile, AnswersTheMiddleOfTheBucketHoldingTheRank) {
    auto h = empty();
    h[10] = 5;  // 100 * 1.25^10 = 931 ms .. 1164 ms
    h[20] = 5;  // 8674 .. 10842 ms
    auto median = histogram_percentile_ms(h, 0.5);
    EXPECT_GE(median, 931);
    EXPECT_LE(median, 1164);
    auto p90 = histogram_percentile_ms(h, 0.9);
    EXPECT_GE(p90, 8674);
    EXPECT_LE(p90, 10842);
    // The rank is the ceiling: the 6th of 10 is in the upper bucket.
    EXPECT_GE(histogram_percentile_ms(h, 0.51), 8674);
}

TEST(HistogramPercentile, TheFirstBucketHoldsEverythingUnderItsTop) {
    auto h = empty();
    h[0] = 1;
    EXPECT_EQ(histogram_percentile_ms(h, 0.5), 63);
}

}  // namespace
}  // namespace botflow::analytics
