#include "support/test_env.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <pqxx/pqxx>
#include <random>

namespace botflow::test {

std::string env_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

std::string admin_database_url() {
    auto url = env_or_empty("BOTFLOW_TEST_DATABASE_URL");
    if (url.empty()) {
        ADD_FAILURE() << "BOTFLOW_TEST_DATABASE_URL is not set: run integration tests with "
                         "./dev test, which starts PostgreSQL and Redis for them";
    }
    return url;
}

std::string redis_url() {
    auto url = env_or_empty("BOTFLOW_TEST_REDIS_URL");
    if (url.empty()) ADD_FAILURE() << "BOTFLOW_TEST_REDIS_URL is not set: run ./dev test";
    return url;
}

TestDatabase::TestDatabase() {
    std::random_device rd;
    name_ = "bf_test_" + std::to_string(getpid()) + "_" + std::to_string(rd() % 1000000);
    auto admin = admin_database_url();
    pqxx::connection c(admin);
    pqxx::nontransaction tx(c);
    tx.exec("CREATE DATABASE " + name_);
    auto slash = admin.rfind('/');
    url_ = admin.substr(0, slash + 1) + name_;
}

TestDatabase::~TestDatabase() {
    try {
        pqxx::connection c(admin_database_url());
        pqxx::nontransaction tx(c);
        tx.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception&) {
        // PostgreSQL may be stopped by the test itself; the cluster is thrown away anyway.
    }
}

std::string TestDatabase::scalar(const std::string& sql) const {
    pqxx::connection c(url_);
    pqxx::nontransaction tx(c);
    auto r = tx.exec(sql);
    if (r.empty() || r[0][0].is_null()) return {};
    return r[0][0].as<std::string>();
}

void TestDatabase::exec(const std::string& sql) const {
    pqxx::connection c(url_);
    pqxx::nontransaction tx(c);
    tx.exec(sql);
}

std::map<std::string, std::string> server_env(const TestDatabase& db) {
    return {{"DATABASE_URL", db.url()},
            {"REDIS_URL", redis_url()},
            {"WEB_DIR", "/nonexistent-botflow-web"},
            {"METRICS_TOKEN", ""},
            {"LOG_FORMAT", "text"},
            {"DB_POOL_SIZE", "4"},
            {"IO_THREADS", "2"},
            {"JWT_SECRET", "test-secret-test-secret-test-secret-0123"},
            // Tests share one Redis: each server keeps to its own keys.
            {"REDIS_KEY_PREFIX", db.name() + ":"},
            {"ADMIN_EMAIL", ""},
            {"ADMIN_PASSWORD", ""},
            // The developer's own LLM settings must not reach the tests.
            {"LLM_BASE_URL", ""},
            {"LLM_API_KEY", ""},
            {"OPENROUTER_API_KEY", ""},
            {"LLM_API_STYLE", ""}};
}

}  // namespace botflow::test
