// What the server does when more comes at once than it can take: a request that would wait
// behind a full database queue, or a sign-in behind a full password-hashing queue, is refused at
// once with a 503 and Retry-After instead of piling up; and readiness is answered from the last
// second's check, so asking it again and again costs PostgreSQL and Redis nothing.
#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "support/server_fixture.hpp"

namespace botflow::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class LimitsTest : public ServerTest {
protected:
    // `n` requests at once, each on its own connection; their answers in the order sent.
    std::vector<HttpResponse> at_once(int n, const std::function<HttpResponse()>& send) {
        std::vector<std::future<HttpResponse>> running;
        for (int i = 0; i < n; ++i) running.push_back(std::async(std::launch::async, send));
        std::vector<HttpResponse> out;
        for (auto& r : running) out.push_back(r.get());
        return out;
    }
    static int count_status(const std::vector<HttpResponse>& all, int status) {
        int n = 0;
        for (const auto& r : all) n += r.status == status;
        return n;
    }
    static void expect_busy(const std::vector<HttpResponse>& all) {
        for (const auto& r : all) {
            if (r.status != 503) continue;
            EXPECT_EQ(r.header("retry-after"), "1") << r.body;
            EXPECT_EQ(r.header("content-type"), "application/problem+json") << r.body;
            EXPECT_NE(r.body.find("try again in a moment"), std::string::npos) << r.body;
        }
    }
};

TEST_F(LimitsTest, RequestsPastAFullDatabaseQueueAreRefusedAtOnce) {
    extra_["DB_POOL_SIZE"] = "1";
    extra_["DB_QUEUE_LIMIT"] = "2";
    ASSERT_NO_FATAL_FAILURE(start());
    // Every read of the conversations waits behind this lock, holding the one connection.
    pqxx::connection locker(db_.url());
    pqxx::work lock(locker);
    lock.exec("LOCK TABLE conversations IN ACCESS EXCLUSIVE MODE");
    auto send = [this] { return call("GET", "/api/conversations"); };
    auto answers = std::async(std::launch::async, [&] { return at_once(10, send); });
    // The refused ones come back while the lock is still held.
    std::this_thread::sleep_for(1500ms);
    lock.commit();
    auto all = answers.get();
    EXPECT_GE(count_status(all, 503), 1);
    EXPECT_GE(count_status(all, 200), 1);
    EXPECT_EQ(count_status(all, 200) + count_status(all, 503), 10);
    expect_busy(all);
    // Once the burst has passed, the server answers as before.
    EXPECT_EQ(call("GET", "/api/conversations").status, 200);
    EXPECT_TRUE(server_->log_contains("db.queue_full")) << server_->log();
}

TEST_F(LimitsTest, SignInsPastAFullHashingQueueAreRefusedAndTheRestGoOn) {
    extra_["PASSWORD_HASH_THREADS"] = "1";
    extra_["PASSWORD_HASH_QUEUE"] = "1";
    ASSERT_NO_FATAL_FAILURE(start());
    json login{{"email", kOwnerEmail}, {"password", kOwnerPassword}};
    auto send = [this, body = login.dump()] {
        return request(port_, "POST", "/api/auth/login", {{"Content-Type", "application/json"}},
                       body);
    };
    auto all = at_once(8, send);
    EXPECT_GE(count_status(all, 503), 1);
    EXPECT_GE(count_status(all, 200), 1);
    EXPECT_EQ(count_status(all, 200) + count_status(all, 503), 8);
    expect_busy(all);
    // Static files and the API do not wait behind sign-ins: they have threads of their own.
    EXPECT_EQ(request(port_, "GET", "/api/health").status, 200);
    EXPECT_EQ(send().status, 200);
}

TEST_F(LimitsTest, ReadinessIsTheLastSecondsCheck) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto first = json::parse(request(port_, "GET", "/api/ready").body);
    auto again = json::parse(request(port_, "GET", "/api/ready").body);
    ASSERT_TRUE(first["checked_at"].is_string()) << first.dump();
    EXPECT_EQ(again["checked_at"], first["checked_at"]);
    EXPECT_EQ(again["checks"]["postgres"], "ok");
    std::this_thread::sleep_for(1100ms);
    auto later = json::parse(request(port_, "GET", "/api/ready").body);
    EXPECT_NE(later["checked_at"], first["checked_at"]);
}

}  // namespace
}  // namespace botflow::test
