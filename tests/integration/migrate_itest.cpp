// `botflow migrate` against a real PostgreSQL: ordering, locking, checksums.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "support/process.hpp"
#include "support/test_env.hpp"

namespace botflow::test {
namespace {

int migration_files() {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(BOTFLOW_SOURCE_DIR "/migrations")) {
        if (e.path().extension() == ".sql") ++n;
    }
    return n;
}

int count(const std::string& haystack, const std::string& needle) {
    int n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + 1)) {
        ++n;
    }
    return n;
}

TEST(Migrate, AppliesEveryMigrationAndIsIdempotent) {
    TestDatabase db;
    auto first = run_botflow({"migrate"}, {{"DATABASE_URL", db.url()}});
    ASSERT_EQ(first.exit_code, 0) << first.output;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM schema_migrations"),
              std::to_string(migration_files()));
    // The schema the product needs is there.
    for (const char* table : {"users", "conversations", "messages", "documents", "document_chunks",
                              "prompt_templates", "settings", "jobs", "audit_log"}) {
        EXPECT_EQ(db.scalar(std::string("SELECT to_regclass('public.") + table + "') IS NOT NULL"),
                  "t")
            << table;
    }
    auto second = run_botflow({"migrate"}, {{"DATABASE_URL", db.url()}});
    ASSERT_EQ(second.exit_code, 0) << second.output;
    EXPECT_NE(second.output.find("applied=0"), std::string::npos) << second.output;
}

TEST(Migrate, TwoAtOnceApplyEachMigrationOnce) {
    TestDatabase db;
    CommandResult a, b;
    std::thread ta([&] { a = run_botflow({"migrate"}, {{"DATABASE_URL", db.url()}}); });
    std::thread tb([&] { b = run_botflow({"migrate"}, {{"DATABASE_URL", db.url()}}); });
    ta.join();
    tb.join();
    EXPECT_EQ(a.exit_code, 0) << a.output;
    EXPECT_EQ(b.exit_code, 0) << b.output;
    EXPECT_EQ(count(a.output + b.output, "migrate.applied name=0001_init.sql"), 1)
        << a.output << b.output;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM schema_migrations"),
              std::to_string(migration_files()));
}

TEST(Migrate, ChangedMigrationStopsStartUp) {
    TestDatabase db;
    ASSERT_EQ(run_botflow({"migrate"}, {{"DATABASE_URL", db.url()}}).exit_code, 0);
    db.exec("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");
    auto r = run_botflow({"migrate"}, {{"DATABASE_URL", db.url()}});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("0001_init.sql was changed after it was applied"), std::string::npos)
        << r.output;
    auto env = server_env(db);
    auto serve = run_botflow({"serve"}, env);
    EXPECT_EQ(serve.exit_code, 1);
    EXPECT_NE(serve.output.find("was changed after it was applied"), std::string::npos);
}

TEST(Migrate, UnreachableDatabaseFailsWithAClearMessage) {
    auto r = run_botflow({"migrate"}, {{"DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none"}});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("Cannot connect to PostgreSQL"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace botflow::test
