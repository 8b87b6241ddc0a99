#include "botflow/store/migrator.hpp"

#include <gtest/gtest.h>

#include "botflow/store/db.hpp"
#include "botflow/util/crypto.hpp"

namespace botflow::store {
namespace {

TEST(Migrations, EmbeddedFilesPlanInOrder) {
    auto plan = plan_migrations(embedded_migrations());
    ASSERT_FALSE(plan.empty());
    EXPECT_EQ(plan.front().name, "0001_init.sql");
    for (std::size_t i = 0; i < plan.size(); ++i) EXPECT_EQ(plan[i].version, int(i) + 1);
}

TEST(Migrations, OrdersByVersionAndChecksumsContent) {
    EmbeddedFile files[] = {{"0002_b.sql", "SELECT 2"}, {"0001_a.sql", "SELECT 1"}};
    auto plan = plan_migrations(files);
    ASSERT_EQ(plan.size(), 2u);
    EXPECT_EQ(plan[0].name, "0001_a.sql");
    EXPECT_EQ(plan[0].checksum, util::sha256_hex("SELECT 1"));
}

TEST(Migrations, RejectsBadNamesAndDuplicateVersions) {
    EmbeddedFile bad_name[] = {{"init.sql", "x"}};
    EXPECT_THROW(plan_migrations(bad_name), std::invalid_argument);
    EmbeddedFile upper[] = {{"0001_Init.sql", "x"}};
    EXPECT_THROW(plan_migrations(upper), std::invalid_argument);
    EmbeddedFile dup[] = {{"0001_a.sql", "x"}, {"0001_b.sql", "y"}};
    EXPECT_THROW(plan_migrations(dup), std::invalid_argument);
}

TEST(Sha256, KnownVector) {
    EXPECT_EQ(util::sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TextArray, QuotesEveryItemEscapesQuotesAndBackslashesAndWritesNull) {
    EXPECT_EQ(text_array(std::vector<std::string>{}), "{}");
    EXPECT_EQ(text_array(std::vector<std::string>{"a", "b \"c\"", "d\\e", "NULL", "{x,y}"}),
              R"({"a","b \"c\"","d\\e","NULL","{x,y}"})");
    EXPECT_EQ(text_array(std::vector<std::optional<std::string>>{"a", std::nullopt, ""}),
              R"({"a",NULL,""})");
}

TEST(ConnectionDefaults, AddsTimeoutsWithoutOverridingTheCaller) {
    EXPECT_EQ(with_connection_defaults("postgresql://u@h/db").find("?connect_timeout=3&"),
              std::string("postgresql://u@h/db").size());
    auto kept = with_connection_defaults("postgresql://u@h/db?sslmode=require&connect_timeout=9");
    EXPECT_NE(kept.find("sslmode=require&connect_timeout=9&keepalives=1"), std::string::npos);
    EXPECT_EQ(kept.find("connect_timeout=3"), std::string::npos);
}

}  // namespace
}  // namespace botflow::store
