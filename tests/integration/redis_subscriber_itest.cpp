// RedisSubscriber on an io_context against the test Redis (messages in order, resubscribing by
// itself after Redis restarts, a clean stop) and against a Redis that falls silent. Runs alone
// (RUN_SERIAL): it stops the shared test Redis.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "botflow/util/redis_client.hpp"
#include "botflow/util/redis_subscriber.hpp"
#include "support/test_env.hpp"
#include "support/wait.hpp"

namespace botflow::test {
namespace {

void run_or_fail(const std::string& command) {
    ASSERT_FALSE(command.empty()) << "BOTFLOW_TEST_REDIS_STOP/START unset: run ./dev test";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

std::string unique_channel() {
    std::random_device rd;
    return "bf_test_sub_" + std::to_string(getpid()) + "_" + std::to_string(rd() % 1000000);
}

// An io_context on a thread of its own, for the subscriber and the client under test.
class IoThread {
public:
    IoThread() : guard_(asio::make_work_guard(io)) {
        thread_ = std::thread([this] {
            io.run();
            finished_ = true;
        });
    }
    ~IoThread() {
        io.stop();
        if (thread_.joinable()) thread_.join();
    }

    /// Lets run() return once nothing is left to do; true if it did within `timeout`.
    bool runs_out_of_work(std::chrono::milliseconds timeout) {
        guard_.reset();
        return eventually([this] { return finished_.load(); }, timeout);
    }

    asio::io_context io;

private:
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    std::atomic<bool> finished_{false};
    std::thread thread_;
};

// What the subscriber's callbacks saw; they run on the io thread, the test reads on its own.
struct Seen {
    std::mutex mutex;
    std::vector<std::string> messages;
    std::vector<bool> subscriptions;  // after_gap of each on_subscribed, in order

    std::vector<std::string> messages_copy() {
        std::lock_guard lock(mutex);
        return messages;
    }
    std::vector<bool> subscriptions_copy() {
        std::lock_guard lock(mutex);
        return subscriptions;
    }
};

void start(util::RedisSubscriber& subscriber, const std::string& channel, Seen& seen) {
    auto on_message = [&seen](std::string_view payload) {
        if (payload == "boom") throw std::runtime_error("a consumer that throws");
        std::lock_guard lock(seen.mutex);
        seen.messages.emplace_back(payload);
    };
    auto on_subscribed = [&seen](bool after_gap) {
        std::lock_guard lock(seen.mutex);
        seen.subscriptions.push_back(after_gap);
    };
    subscriber.start(channel, on_message, on_subscribed);
}

// Publishes each payload in turn; resumes with the number of receivers each reached.
asio::awaitable<std::vector<long long>> publish(util::RedisClient& client, std::string channel,
                                                std::vector<std::string> payloads) {
    std::vector<long long> receivers;
    for (auto& payload : payloads) {
        std::vector<std::string> args{"PUBLISH", channel, std::move(payload)};
        auto reply = co_await client.command(std::move(args));
        receivers.push_back(reply.integer);
    }
    co_return receivers;
}

std::vector<long long> publish_now(IoThread& io, util::RedisClient& client,
                                   const std::string& channel, std::vector<std::string> payloads) {
    return asio::co_spawn(io.io, publish(client, channel, std::move(payloads)), asio::use_future)
        .get();
}

TEST(RedisSubscriber, DeliversMessagesInOrderAndSurvivesAThrowingCallback) {
    auto endpoint = util::parse_redis_url(redis_url());
    auto channel = unique_channel();
    IoThread io;
    util::RedisClient client(io.io, endpoint);
    util::RedisSubscriber subscriber(io.io, endpoint);
    Seen seen;
    client.start();
    start(subscriber, channel, seen);
    ASSERT_TRUE(eventually([&] { return subscriber.subscribed(); }, std::chrono::seconds(5)));
    EXPECT_EQ(seen.subscriptions_copy(), std::vector<bool>{false});

    std::vector<std::string> payloads;
    for (int i = 0; i < 200; ++i) payloads.push_back("m" + std::to_string(i));
    payloads.insert(payloads.begin() + 100, "boom");
    auto receivers = publish_now(io, client, channel, payloads);
    EXPECT_EQ(receivers, std::vector<long long>(payloads.size(), 1));
    payloads.erase(payloads.begin() + 100);
    EXPECT_TRUE(eventually([&] { return seen.messages_copy().size() >= payloads.size(); },
                           std::chrono::seconds(5)));
    EXPECT_EQ(seen.messages_copy(), payloads);
    EXPECT_TRUE(subscriber.subscribed());
    EXPECT_EQ(seen.subscriptions_copy(), std::vector<bool>{false});

    subscriber.stop();
    client.stop();
    EXPECT_TRUE(io.runs_out_of_work(std::chrono::seconds(5)))
        << "a loop kept the io_context busy after stop()";
    EXPECT_FALSE(subscriber.subscribed());
}

TEST(RedisSubscriber, ResubscribesByItselfAfterRedisRestarts) {
    auto endpoint = util::parse_redis_url(redis_url());
    auto channel = unique_channel();
    IoThread io;
    util::RedisClient client(io.io, endpoint);
    util::RedisSubscriber subscriber(io.io, endpoint);
    Seen seen;
    client.start();
    start(subscriber, channel, seen);
    ASSERT_TRUE(eventually([&] { return subscriber.subscribed(); }, std::chrono::seconds(5)));
    EXPECT_EQ(publish_now(io, client, channel, {"before"}), std::vector<long long>{1});
    EXPECT_TRUE(eventually([&] { return seen.messages_copy().size() == 1; }));

    run_or_fail(env_or_empty("BOTFLOW_TEST_REDIS_STOP"));
    EXPECT_TRUE(eventually([&] { return !subscriber.subscribed(); }, std::chrono::seconds(5)));
    run_or_fail(env_or_empty("BOTFLOW_TEST_REDIS_START"));
    // The backoff tops out at 5 s (plus a quarter of jitter).
    EXPECT_TRUE(eventually([&] { return seen.subscriptions_copy().size() == 2; },
                           std::chrono::seconds(10)));
    EXPECT_EQ(seen.subscriptions_copy(), (std::vector<bool>{false, true}));
    EXPECT_TRUE(subscriber.subscribed());

    ASSERT_TRUE(eventually([&] { return client.connected(); }, std::chrono::seconds(10)));
    EXPECT_EQ(publish_now(io, client, channel, {"after", "again"}), (std::vector<long long>{1, 1}));
    EXPECT_TRUE(eventually([&] { return seen.messages_copy().size() == 3; }));
    EXPECT_EQ(seen.messages_copy(), (std::vector<std::string>{"before", "after", "again"}));

    subscriber.stop();
    client.stop();
    EXPECT_TRUE(io.runs_out_of_work(std::chrono::seconds(5)))
        << "a loop kept the io_context busy after stop()";
    EXPECT_FALSE(subscriber.subscribed());
}

asio::awaitable<std::string> pubsub_clients(util::RedisClient& client) {
    std::vector<std::string> args{"CLIENT", "LIST", "TYPE", "pubsub"};
    auto reply = co_await client.command(std::move(args));
    co_return reply.str;
}

TEST(RedisSubscriber, AQuietChannelKeepsItsSubscriptionThroughPings) {
    auto endpoint = util::parse_redis_url(redis_url());
    auto channel = unique_channel();
    IoThread io;
    util::RedisClient client(io.io, endpoint);
    util::RedisSubscriber subscriber(io.io, endpoint);
    Seen seen;
    client.start();
    start(subscriber, channel, seen);
    ASSERT_TRUE(eventually([&] { return subscriber.subscribed(); }, std::chrono::seconds(5)));

    // Past the 25 s without a message: the pongs are what keeps the connection.
    std::this_thread::sleep_for(std::chrono::seconds(27));
    EXPECT_TRUE(subscriber.subscribed());
    EXPECT_EQ(seen.subscriptions_copy(), std::vector<bool>{false}) << "it reconnected";
    auto clients = asio::co_spawn(io.io, pubsub_clients(client), asio::use_future).get();
    EXPECT_NE(clients.find("cmd=ping"), std::string::npos) << clients;
    EXPECT_EQ(publish_now(io, client, channel, {"still here"}), std::vector<long long>{1});
    EXPECT_TRUE(eventually([&] { return seen.messages_copy().size() == 1; }));

    subscriber.stop();
    client.stop();
    EXPECT_TRUE(io.runs_out_of_work(std::chrono::seconds(5)));
}

// A Redis that confirms SUBSCRIBE and then says nothing, as a peer behind a dead link would;
// it counts the connections, the PINGs it is sent and the connections the client closed.
class SilentRedis {
public:
    explicit SilentRedis(std::string channel)
        : channel_(std::move(channel)), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
        asio::co_spawn(io_, serve(), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~SilentRedis() {
        io_.stop();
        thread_.join();
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    std::atomic<int> connections{0}, pings{0}, closed{0};

private:
    asio::awaitable<void> serve() {
        for (;;) {
            boost::system::error_code ec;
            auto socket =
                co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;
            ++connections;
            asio::co_spawn(io_, talk(std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<void> talk(asio::ip::tcp::socket socket) {
        std::string seen;
        bool confirmed = false;
        char buffer[512];
        for (;;) {
            boost::system::error_code ec;
            auto n = co_await socket.async_read_some(asio::buffer(buffer),
                                                     asio::redirect_error(asio::use_awaitable, ec));
            if (ec) break;
            seen.append(buffer, n);
            if (!confirmed && seen.find(channel_ + "\r\n") != std::string::npos) {
                confirmed = true;
                auto reply = "*3\r\n$9\r\nsubscribe\r\n$" + std::to_string(channel_.size()) +
                             "\r\n" + channel_ + "\r\n:1\r\n";
                co_await asio::async_write(socket, asio::buffer(reply),
                                           asio::redirect_error(asio::use_awaitable, ec));
            }
            for (auto at = seen.find("PING\r\n"); at != std::string::npos;
                 at = seen.find("PING\r\n")) {
                ++pings;
                seen.erase(0, at + 6);
            }
        }
        ++closed;
    }

    std::string channel_;
    asio::io_context io_;
    asio::ip::tcp::acceptor acceptor_;
    std::thread thread_;
};

TEST(RedisSubscriber, DropsAConnectionThatSaysNothingFor25Seconds) {
    auto channel = unique_channel();
    SilentRedis redis(channel);
    util::RedisEndpoint endpoint;
    endpoint.host = "127.0.0.1";
    endpoint.port = redis.port();
    IoThread io;
    util::RedisSubscriber subscriber(io.io, endpoint);
    Seen seen;
    start(subscriber, channel, seen);
    ASSERT_TRUE(eventually([&] { return subscriber.subscribed(); }, std::chrono::seconds(5)));
    auto subscribed_at = std::chrono::steady_clock::now();

    ASSERT_TRUE(eventually([&] { return redis.closed.load() == 1; }, std::chrono::seconds(35)));
    auto silent_for = std::chrono::steady_clock::now() - subscribed_at;
    EXPECT_GE(silent_for, std::chrono::seconds(24));
    EXPECT_LE(silent_for, std::chrono::seconds(28));
    EXPECT_EQ(redis.pings.load(), 2) << "a PING every 10 s";
    // It had lived: the subscriber reconnects at once, and says there was a gap.
    EXPECT_TRUE(
        eventually([&] { return seen.subscriptions_copy().size() == 2; }, std::chrono::seconds(3)));
    EXPECT_EQ(seen.subscriptions_copy(), (std::vector<bool>{false, true}));
    EXPECT_EQ(redis.connections.load(), 2);

    subscriber.stop();
    EXPECT_TRUE(io.runs_out_of_work(std::chrono::seconds(5)));
    EXPECT_TRUE(eventually([&] { return redis.closed.load() == 2; }, std::chrono::seconds(5)));
}

}  // namespace
}  // namespace botflow::test
