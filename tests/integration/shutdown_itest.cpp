// SIGTERM: stop accepting, finish what is in flight, exit 0.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

namespace botflow::test {
namespace {

TEST(Shutdown, SigtermFinishesTheRequestInFlightThenExits0) {
    TestDatabase db;
    ServerProcess server;
    ASSERT_TRUE(server.start(server_env(db))) << server.log();

    // A request whose body is still arriving when SIGTERM comes.
    Connection c(server.port());
    ASSERT_TRUE(
        c.send("POST /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n0123456789"));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    server.signal(SIGTERM);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_TRUE(server.running()) << "exited with a request in flight";
    ASSERT_TRUE(c.send("0123456789"));
    auto r = c.read_response();
    ASSERT_TRUE(r) << "the in-flight request got no response";
    EXPECT_EQ(r->status, 405);  // a complete, routed answer
    EXPECT_EQ(r->header("connection"), "close");

    auto code = server.wait(std::chrono::seconds(5));
    ASSERT_TRUE(code.has_value()) << "did not exit after SIGTERM";
    EXPECT_EQ(*code, 0);
    EXPECT_TRUE(server.log_contains("shutdown.done"));
}

TEST(Shutdown, SigtermClosesIdleConnectionsAndStopsAccepting) {
    TestDatabase db;
    ServerProcess server;
    ASSERT_TRUE(server.start(server_env(db))) << server.log();
    auto port = server.port();
    Connection idle(port);
    ASSERT_TRUE(idle.send("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(idle.read_response());

    server.signal(SIGTERM);
    EXPECT_TRUE(idle.closed_within(std::chrono::seconds(3)));
    auto code = server.wait(std::chrono::seconds(5));
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, 0);
    EXPECT_THROW(Connection refused(port), std::runtime_error);
}

}  // namespace
}  // namespace botflow::test
