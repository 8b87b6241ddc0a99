#include "botflow/config/config.hpp"

#include <gtest/gtest.h>

namespace botflow::config {
namespace {

Env minimal() {
    return {{"DATABASE_URL", "postgresql://u:p@db:5432/botflow"},
            {"REDIS_URL", "redis://default:pw@cache:6379"},
            {"JWT_SECRET", "0123456789abcdef0123456789abcdef"}};
}

std::vector<std::string> errors_of(const Env& env, Purpose p = Purpose::serve) {
    auto r = load(env, p);
    if (auto* e = std::get_if<std::vector<std::string>>(&r)) return *e;
    return {};
}

TEST(Config, DefaultsFromAMinimalEnvironment) {
    auto r = load(minimal(), Purpose::serve);
    ASSERT_TRUE(std::holds_alternative<Config>(r));
    auto& c = std::get<Config>(r);
    EXPECT_EQ(c.port, 8080);
    EXPECT_EQ(c.public_url, "http://localhost:8080");
    EXPECT_EQ(c.web_dir, "web/out");
    EXPECT_EQ(c.db_pool_size, 8);
    EXPECT_GE(c.io_threads, 1);
    EXPECT_EQ(c.log_format, log::Format::text);
}

TEST(Config, ReadsEveryVariable) {
    auto env = minimal();
    env["PORT"] = "9000";
    env["PUBLIC_URL"] = "HTTPS://bot.example.com/";
    env["LOG_LEVEL"] = "DEBUG";
    env["LOG_FORMAT"] = "json";
    env["WEB_DIR"] = "/srv/web";
    env["DB_POOL_SIZE"] = "3";
    env["IO_THREADS"] = "4";
    env["METRICS_TOKEN"] = "0123456789abcdef";
    env["HTTP_IDLE_TIMEOUT_SECONDS"] = "5";
    env["SHUTDOWN_GRACE_SECONDS"] = "7";
    auto c = std::get<Config>(load(env, Purpose::serve));
    EXPECT_EQ(c.port, 9000);
    EXPECT_EQ(c.public_url, "https://bot.example.com");
    EXPECT_EQ(c.log_level, "debug");
    EXPECT_EQ(c.log_format, log::Format::json);
    EXPECT_EQ(c.web_dir, "/srv/web");
    EXPECT_EQ(c.db_pool_size, 3);
    EXPECT_EQ(c.io_threads, 4);
    EXPECT_EQ(c.metrics_token.reveal(), "0123456789abcdef");
    EXPECT_EQ(c.http_idle_timeout.count(), 5);
    EXPECT_EQ(c.shutdown_grace.count(), 7);
}

TEST(Config, ReportsEveryProblemNamingItsVariable) {
    Env env{{"PORT", "http"},
            {"LOG_LEVEL", "loud"},
            {"LOG_FORMAT", "xml"},
            {"DB_POOL_SIZE", "0"},
            {"PUBLIC_URL", "bot.example"},
            {"METRICS_TOKEN", "short"},
            {"REDIS_URL", "rediss://x:1"}};
    auto errors = errors_of(env);
    for (const char* name : {"DATABASE_URL", "PORT", "LOG_LEVEL", "LOG_FORMAT", "DB_POOL_SIZE",
                             "PUBLIC_URL", "METRICS_TOKEN", "REDIS_URL", "JWT_SECRET"}) {
        bool found = false;
        for (const auto& e : errors) found = found || e.rfind(std::string(name) + " ", 0) == 0;
        EXPECT_TRUE(found) << name;
    }
    EXPECT_EQ(errors.size(), 9u);
}

TEST(Config, MissingRequiredVariablesSayWhatTheyAre) {
    auto errors = errors_of({});
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_NE(errors[0].find("DATABASE_URL is required"), std::string::npos);
    EXPECT_NE(errors[1].find("REDIS_URL is required"), std::string::npos);
    EXPECT_NE(errors[2].find("JWT_SECRET is required"), std::string::npos);
}

TEST(Config, MigrateNeedsOnlyTheDatabase) {
    Env env{{"DATABASE_URL", "postgres://u@h/db"}};
    EXPECT_TRUE(errors_of(env, Purpose::migrate).empty());
    EXPECT_FALSE(errors_of(env, Purpose::serve).empty());
}

TEST(Config, JwtSecretMustBeLongEnough) {
    auto env = minimal();
    env["JWT_SECRET"] = "short";
    auto errors = errors_of(env);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].rfind("JWT_SECRET must be at least 32 bytes", 0), 0u);
}

TEST(Config, AdminEmailAndPasswordGoTogether) {
    auto env = minimal();
    env["ADMIN_EMAIL"] = "Owner@Example.com ";
    auto errors = errors_of(env);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].rfind("ADMIN_PASSWORD must be set together with ADMIN_EMAIL", 0), 0u);
    env["ADMIN_PASSWORD"] = "a-long-password";
    auto c = std::get<Config>(load(env, Purpose::serve));
    EXPECT_EQ(c.admin_email, "owner@example.com");
    env["ADMIN_PASSWORD"] = "short";
    EXPECT_EQ(errors_of(env).size(), 1u);
}

TEST(Config, TrustProxyAcceptsBooleansAndHopCounts) {
    auto env = minimal();
    env["TRUST_PROXY"] = "true";
    EXPECT_EQ(std::get<Config>(load(env, Purpose::serve)).trust_proxy, 1);
    env["TRUST_PROXY"] = "2";
    EXPECT_EQ(std::get<Config>(load(env, Purpose::serve)).trust_proxy, 2);
    env["TRUST_PROXY"] = "false";
    EXPECT_EQ(std::get<Config>(load(env, Purpose::serve)).trust_proxy, 0);
    env["TRUST_PROXY"] = "maybe";
    EXPECT_EQ(errors_of(env).size(), 1u);
}

TEST(Config, RedisKeyPrefixIsShortAndWithoutSpaces) {
    auto env = minimal();
    env["REDIS_KEY_PREFIX"] = "shop-a:";
    EXPECT_EQ(std::get<Config>(load(env, Purpose::serve)).redis_prefix, "shop-a:");
    env["REDIS_KEY_PREFIX"] = "has space";
    EXPECT_EQ(errors_of(env).size(), 1u);
    env["REDIS_KEY_PREFIX"] = std::string(65, 'a');
    EXPECT_EQ(errors_of(env).size(), 1u);
    EXPECT_EQ(std::get<Config>(load(minimal(), Purpose::serve)).redis_prefix, "botflow:");
}

TEST(Email, NormalizesAndRejects) {
    EXPECT_EQ(normalize_email("  Ana@Shop.COM "), "ana@shop.com");
    for (const char* bad : {"", "ana", "@shop.com", "ana@", "a@b@c", "a b@c.d", "a\x01@c.d"}) {
        EXPECT_EQ(normalize_email(bad), std::nullopt) << bad;
    }
}

TEST(Config, RejectsNonDatabaseUrls) {
    auto env = minimal();
    env["DATABASE_URL"] = "mysql://u@h/db";
    auto errors = errors_of(env);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].rfind("DATABASE_URL ", 0), 0u);
}

TEST(Config, KnowsPostgresTextSearchLanguages) {
    EXPECT_TRUE(is_text_search_language("spanish"));
    EXPECT_FALSE(is_text_search_language("klingon"));
}

// Railway sets RAILWAY_PUBLIC_DOMAIN, and its PostgreSQL and Redis services their parts.
TEST(Config, OnRailwayTakesTheDomainAndTheDatabaseAndRedisParts) {
    Env env{{"JWT_SECRET", "0123456789abcdef0123456789abcdef"},
            {"RAILWAY_PUBLIC_DOMAIN", "botflow-production.up.railway.app"},
            {"PGHOST", "postgres.railway.internal"},
            {"PGPORT", "5432"},
            {"PGUSER", "postgres"},
            {"PGPASSWORD", "p@ss:w/rd"},
            {"PGDATABASE", "railway"},
            {"REDISHOST", "redis.railway.internal"},
            {"REDISUSER", "default"},
            {"REDISPASSWORD", "secret"}};
    auto c = std::get<Config>(load(env, Purpose::serve));
    EXPECT_EQ(c.public_url, "https://botflow-production.up.railway.app");
    EXPECT_EQ(c.database_url.reveal(),
              "postgresql://postgres:p%40ss%3Aw%2Frd@postgres.railway.internal:5432/railway");
    EXPECT_EQ(c.redis_url.reveal(), "redis://default:secret@redis.railway.internal:6379");
}

TEST(Config, TheFullUrlsWinOverRailwaysParts) {
    auto env = minimal();
    env["PUBLIC_URL"] = "https://bot.example.com";
    env["RAILWAY_PUBLIC_DOMAIN"] = "botflow-production.up.railway.app";
    env["PGHOST"] = "elsewhere";
    env["REDISHOST"] = "elsewhere";
    auto c = std::get<Config>(load(env, Purpose::serve));
    EXPECT_EQ(c.public_url, "https://bot.example.com");
    EXPECT_EQ(c.database_url.reveal(), "postgresql://u:p@db:5432/botflow");
    EXPECT_EQ(c.redis_url.reveal(), "redis://default:pw@cache:6379");
}

TEST(Config, AMissingDatabaseSaysWhereToSetItOnRailway) {
    auto errors = errors_of({{"JWT_SECRET", "0123456789abcdef0123456789abcdef"}});
    ASSERT_GE(errors.size(), 2u);
    EXPECT_NE(errors[0].find("DATABASE_URL = ${{Postgres.DATABASE_URL}}"), std::string::npos)
        << errors[0];
    EXPECT_NE(errors[1].find("REDIS_URL = ${{Redis.REDIS_URL}}"), std::string::npos) << errors[1];
}

}  // namespace
}  // namespace botflow::config
