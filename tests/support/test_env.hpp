// The PostgreSQL and Redis that ./dev test started, and a fresh database per test.
#pragma once
#include <map>
#include <string>

namespace botflow::test {

/// BOTFLOW_TEST_DATABASE_URL (a superuser URL to the maintenance database); fails the test
/// when unset, since these tests only make sense under ./dev test.
std::string admin_database_url();
std::string redis_url();
/// The value of an environment variable, or "" when unset.
std::string env_or_empty(const char* name);

/// A new, empty database that is dropped again when this goes out of scope.
class TestDatabase {
public:
    TestDatabase();
    ~TestDatabase();
    TestDatabase(const TestDatabase&) = delete;
    TestDatabase& operator=(const TestDatabase&) = delete;

    const std::string& url() const { return url_; }
    const std::string& name() const { return name_; }
    /// Runs SQL and returns the first column of the first row ("" when there is none).
    std::string scalar(const std::string& sql) const;
    void exec(const std::string& sql) const;

private:
    std::string name_;
    std::string url_;
};

/// The environment for `botflow serve` against this database and the test Redis.
std::map<std::string, std::string> server_env(const TestDatabase& db);

}  // namespace botflow::test
