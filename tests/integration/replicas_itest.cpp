// Two replicas of one deployment (one database, one Redis prefix) started at the same moment
// against the empty database: migrations run once, every replica's dashboard clients see each
// event once, and every customer is answered once whichever replica took the delivery.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "support/server_fixture.hpp"
#include "support/wait.hpp"
#include "support/whatsapp.hpp"

namespace botflow::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class ReplicaTest : public ServerTest {
protected:
    // server_ on port_ and replica_ on replica_port_, both with env().
    void start_replicas() {
        auto e = env();
        server_ = std::make_unique<ServerProcess>();
        replica_ = std::make_unique<ServerProcess>();
        bool first = false, second = false;
        std::thread a([&] { first = server_->start(e); });
        std::thread b([&] { second = replica_->start(e); });
        a.join();
        b.join();
        ASSERT_TRUE(first) << server_->log();
        ASSERT_TRUE(second) << replica_->log();
        port_ = server_->port();
        replica_port_ = replica_->port();
        token_ = login(port_, kOwnerEmail, kOwnerPassword);
        ASSERT_FALSE(token_.empty());
    }

    std::unique_ptr<ServerProcess> replica_;
    std::uint16_t replica_port_ = 0;
};

TEST_F(ReplicaTest, ReplicasStartingTogetherMigrateOnce) {
    ASSERT_NO_FATAL_FAILURE(start_replicas());
    long files = 0;
    for (const auto& entry :
         std::filesystem::directory_iterator(std::string(BOTFLOW_SOURCE_DIR) + "/migrations")) {
        if (entry.path().extension() == ".sql") ++files;
    }
    ASSERT_GT(files, 0);
    EXPECT_EQ(count("SELECT count(*) FROM schema_migrations"), files);
    EXPECT_EQ(count("SELECT count(DISTINCT version) FROM schema_migrations"), files);
    EXPECT_EQ(count("SELECT count(*) FROM users"), 1);
    for (auto port : {port_, replica_port_}) {
        EXPECT_TRUE(
            eventually([&] { return request(port, "GET", "/api/ready").status == 200; }, 10s))
            << port;
    }
}

TEST_F(ReplicaTest, EveryReplicaDeliversEachEventToItsOwnClientsOnce) {
    ASSERT_NO_FATAL_FAILURE(start_replicas());
    auto on_a = connected(port_);
    auto on_b = connected(replica_port_);
    auto id = customer_writes("Hello, first replica", "wamid.rep1", "34600111333", port_);
    auto incoming = message_is("whatsapp_message_id", "wamid.rep1");
    ASSERT_TRUE(on_a->find("message.created", 15s, incoming)) << tail(on_a->all());
    ASSERT_TRUE(on_b->find("message.created", 15s, incoming)) << tail(on_b->all());
    std::this_thread::sleep_for(1s);  // long enough for a second copy to show up
    EXPECT_EQ(on_a->count("message.created", incoming), 1u) << tail(on_a->all());
    EXPECT_EQ(on_b->count("message.created", incoming), 1u) << tail(on_b->all());
    for (auto* c : {on_a.get(), on_b.get()}) {
        std::set<long long> ids;
        for (const auto& m : c->all()) {
            if (event_id(m) > 0) EXPECT_TRUE(ids.insert(event_id(m)).second) << m.dump();
        }
    }

    // An agent answers through the second replica: WhatsApp gets it once, both see it once.
    const std::string text = "An agent on the second replica";
    auto r = call_api(replica_port_, token_, "POST", "/api/conversations/" + id + "/messages",
                      {{"text", text}});
    ASSERT_EQ(r.status, 202) << r.body;
    auto sends = [&] {
        auto all = sent_texts();
        return std::count(all.begin(), all.end(), text);
    };
    ASSERT_TRUE(eventually([&] { return sends() == 1; })) << replica_->log();
    auto reply = [text](const json& m) {
        return text_at(m, {"data", "message", "content"}) == text &&
               text_at(m, {"data", "message", "sender"}) == "agent";
    };
    ASSERT_TRUE(on_a->find("message.created", 15s, reply)) << tail(on_a->all());
    ASSERT_TRUE(on_b->find("message.created", 15s, reply)) << tail(on_b->all());
    std::this_thread::sleep_for(3s);  // past any second claim of the send job
    EXPECT_EQ(sends(), 1);
    EXPECT_EQ(on_a->count("message.created", reply), 1u);
    EXPECT_EQ(on_b->count("message.created", reply), 1u);
}

TEST_F(ReplicaTest, TwoHundredCustomersOnTwoReplicasAreEachAnsweredOnce) {
    ASSERT_NO_FATAL_FAILURE(start_replicas());
    std::atomic<int> refused{0};
    auto customers_write = [&](std::uint16_t port, int from) {
        for (int i = from; i < from + 100; ++i) {
            try {
                auto body = text_delivery(
                    "wamid.many" + std::to_string(i), "3477" + std::to_string(1000 + i),
                    "Question number " + std::to_string(i), "Customer", unix_seconds());
                if (deliver(port, body.dump()).status != 200) ++refused;
            } catch (const std::exception&) {
                ++refused;
            }
        }
    };
    std::thread to_a(customers_write, port_, 0);
    std::thread to_b(customers_write, replica_port_, 100);
    to_a.join();
    to_b.join();
    ASSERT_EQ(refused.load(), 0);
    auto answered = [&] {
        return count("SELECT count(DISTINCT conversation_id) FROM messages WHERE sender = 'ai'");
    };
    ASSERT_TRUE(eventually([&] { return answered() == 200; }, 80s))
        << answered() << " of 200 conversations answered";
    std::this_thread::sleep_for(2s);  // long enough for a second answer to show up
    EXPECT_EQ(chat_requests().size(), 200u);
    EXPECT_EQ(count("SELECT count(*) FROM messages WHERE sender = 'ai'"), 200);
    EXPECT_EQ(count("SELECT count(*) FROM conversations"), 200);
}

// A deploy on Railway: the new deployment starts beside the old one (overlapSeconds), then the
// old gets SIGTERM (drainingSeconds) with a customer's turn in flight. The new one answers it,
// once.
TEST_F(ReplicaTest, ADeployHandsATurnInFlightToTheNewDeploymentWhichAnswersItOnce) {
    extra_["SHUTDOWN_GRACE_SECONDS"] = "1";
    extra_["JOB_LEASE_SECONDS"] = "300";
    start();  // the old deployment
    llm_.rules({{{"hang", true}}});
    customer_writes("Are you open on Sunday?", "wamid.deploy1");
    ASSERT_TRUE(eventually([&] { return chat_requests().size() == 1; })) << server_->log();
    // The new deployment, serving beside it.
    replica_ = std::make_unique<ServerProcess>();
    ASSERT_TRUE(replica_->start(env())) << replica_->log();
    llm_.rules({{{"reply", "Yes, from 10 to 14."}, {"times", -1}}});
    server_->signal(SIGTERM);
    ASSERT_TRUE(server_->wait(15s).has_value()) << server_->log();
    ASSERT_TRUE(eventually([&] { return sent_texts().size() == 1; }, 20s)) << replica_->log();
    EXPECT_EQ(sent_texts()[0], "Yes, from 10 to 14.");
    std::this_thread::sleep_for(1s);  // long enough for a second answer to show up
    EXPECT_EQ(sent_texts().size(), 1u);
    EXPECT_EQ(
        count("SELECT count(*) FROM jobs WHERE kind = 'conversation_turn' AND state = 'done'"), 1);
}

}  // namespace
}  // namespace botflow::test
