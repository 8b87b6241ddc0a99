// SIGKILL while deliveries are being posted: a 200 must mean the delivery is stored.
#include <gtest/gtest.h>
#include <signal.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "botflow/whatsapp/webhook.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

namespace botflow::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSecret = "crash-test-secret";

std::string delivery(const std::string& wamid, int customer) {
    return R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[
        {"field":"messages","value":{"messaging_product":"whatsapp",
         "metadata":{"phone_number_id":"106540352242922"},
         "contacts":[{"profile":{"name":"C"},"wa_id":"3460000)" +
           std::to_string(customer) + R"("}],
         "messages":[{"from":"3460000)" +
           std::to_string(customer) + R"(","id":")" + wamid +
           R"(","timestamp":"1750000000","type":"text","text":{"body":"hello"}}]}}]}]})";
}

TEST(Crash, EveryDeliveryAnswered200SurvivesSigkill) {
    TestDatabase db;
    auto env = server_env(db);
    env["WHATSAPP_APP_SECRET"] = kSecret;
    std::mutex mutex;
    std::set<std::string> acknowledged;
    std::atomic<bool> stop{false};
    std::atomic<int> sent{0};
    {
        ServerProcess server;
        ASSERT_TRUE(server.start(env)) << server.log();
        auto port = server.port();
        std::vector<std::thread> posters;
        for (int t = 0; t < 6; ++t) {
            posters.emplace_back([&, t] {
                for (int i = 0; !stop; ++i) {
                    auto wamid = "wamid.k" + std::to_string(t) + "." + std::to_string(i);
                    auto body = delivery(wamid, t);
                    try {
                        auto r = request(
                            port, "POST", "/api/webhook/whatsapp",
                            {{"Content-Type", "application/json"},
                             {"X-Hub-Signature-256", whatsapp::sign_body(body, Secret(kSecret))}},
                            body);
                        ++sent;
                        if (r.status == 200) {
                            std::lock_guard lock(mutex);
                            acknowledged.insert(wamid);
                        }
                    } catch (const std::exception&) {
                        break;  // the server is gone
                    }
                }
            });
        }
        std::this_thread::sleep_for(1500ms);
        server.signal(SIGKILL);
        std::this_thread::sleep_for(200ms);
        stop = true;
        for (auto& p : posters) p.join();
    }
    ASSERT_GT(acknowledged.size(), 50u) << "too few deliveries before the kill to mean much";

    // Every acknowledged delivery is in the database...
    std::set<std::string> stored;
    {
        pqxx::connection c(db.url());
        pqxx::nontransaction tx(c);
        for (const auto& row :
             tx.exec("SELECT whatsapp_message_id FROM messages WHERE direction = 'inbound'")) {
            stored.insert(row[0].as<std::string>());
        }
    }
    std::vector<std::string> lost;
    for (const auto& w : acknowledged) {
        if (!stored.count(w)) lost.push_back(w);
    }
    EXPECT_TRUE(lost.empty()) << lost.size() << " acknowledged deliveries lost, e.g. "
                              << (lost.empty() ? "" : lost.front());

    // ... and after a restart Meta's re-deliveries of everything are stored exactly once.
    ServerProcess again;
    ASSERT_TRUE(again.start(env)) << again.log();
    for (const auto& w : acknowledged) {
        int t = w[7] - '0';
        auto body = delivery(w, t);
        auto r = request(again.port(), "POST", "/api/webhook/whatsapp",
                         {{"Content-Type", "application/json"},
                          {"X-Hub-Signature-256", whatsapp::sign_body(body, Secret(kSecret))}},
                         body);
        ASSERT_EQ(r.status, 200);
    }
    // (The customers' messages: the AI's answers to them are outbound ones.)
    EXPECT_EQ(db.scalar("SELECT count(*) - count(DISTINCT whatsapp_message_id) FROM messages "
                        "WHERE direction = 'inbound'"),
              "0");
    EXPECT_EQ(std::stoul(db.scalar("SELECT count(*) FROM messages WHERE direction = 'inbound'")),
              stored.size());
}

}  // namespace
}  // namespace botflow::test
