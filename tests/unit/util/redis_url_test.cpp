#include <gtest/gtest.h>

#include "botflow/util/redis_client.hpp"

namespace botflow::util {
namespace {

TEST(RedisUrl, ParsesRailwayStyleUrls) {
    auto ep = parse_redis_url("redis://default:s3cr%40t@redis.railway.internal:6379");
    EXPECT_EQ(ep.host, "redis.railway.internal");
    EXPECT_EQ(ep.port, 6379);
    EXPECT_EQ(ep.username, "default");
    EXPECT_EQ(ep.password.reveal(), "s3cr@t");
    EXPECT_EQ(ep.db, 0);
}

TEST(RedisUrl, DefaultsAndDatabaseNumber) {
    auto ep = parse_redis_url("redis://localhost/3");
    EXPECT_EQ(ep.port, 6379);
    EXPECT_TRUE(ep.password.empty());
    EXPECT_EQ(ep.db, 3);
}

TEST(RedisUrl, Ipv6Host) {
    auto ep = parse_redis_url("redis://:pw@[fd12::1]:6380");
    EXPECT_EQ(ep.host, "fd12::1");
    EXPECT_EQ(ep.port, 6380);
    EXPECT_EQ(ep.password.reveal(), "pw");
}

TEST(RedisUrl, RejectsWhatItCannotUse) {
    for (const char* bad : {"rediss://h:6379", "http://h", "redis://", "redis://h:0",
                            "redis://h:99999", "redis://h:abc", "redis://h/x", "redis://[::1"}) {
        EXPECT_THROW(parse_redis_url(bad), std::invalid_argument) << bad;
    }
}

}  // namespace
}  // namespace botflow::util
