#include <gtest/gtest.h>

#include <set>

#include "botflow/jobs/job_repo.hpp"

namespace botflow::jobs {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesPerAttemptWithinJitter) {
    std::mt19937_64 rng(42);
    for (int attempt = 1; attempt <= 5; ++attempt) {
        double expected = 1000.0 * (1 << (attempt - 1));
        for (int i = 0; i < 50; ++i) {
            auto d = backoff(attempt, milliseconds(1000), milliseconds(3600000), rng).count();
            EXPECT_GE(d, expected * 0.8 - 1) << attempt;
            EXPECT_LE(d, expected * 1.2 + 1) << attempt;
        }
    }
}

TEST(Backoff, StopsAtTheCap) {
    std::mt19937_64 rng(7);
    for (int attempt : {10, 30, 64, 1000}) {
        auto d = backoff(attempt, milliseconds(2000), milliseconds(900000), rng).count();
        EXPECT_GE(d, 900000 * 0.8 - 1);
        EXPECT_LE(d, 900000 * 1.2 + 1);
    }
}

TEST(Backoff, JitterSpreadsRetries) {
    std::mt19937_64 rng(1);
    std::set<long long> seen;
    for (int i = 0; i < 20; ++i) {
        seen.insert(backoff(3, milliseconds(1000), milliseconds(60000), rng).count());
    }
    EXPECT_GT(seen.size(), 10u);
}

}  // namespace
}  // namespace botflow::jobs
