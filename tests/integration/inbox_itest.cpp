// Several deliveries stored in one transaction, as group commit does: the set-based path for
// known customers and the general path share the work without losing or doubling a message,
// against a real PostgreSQL.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "botflow/whatsapp/inbox.hpp"
#include "botflow/whatsapp/webhook.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"
#include "support/whatsapp.hpp"

namespace botflow::test {
namespace {

using whatsapp::StoreResult;
using whatsapp::WebhookBatch;

constexpr long kT = 1'800'000'000;

class InboxGroupTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto migrated = run_botflow({"migrate"}, {{"DATABASE_URL", db_.url()}});
        ASSERT_EQ(migrated.exit_code, 0) << migrated.output;
    }
    static WebhookBatch text(const std::string& wamid, const std::string& from,
                             const std::string& body, const std::string& name, long ts) {
        return whatsapp::parse_webhook(text_delivery(wamid, from, body, name, ts).dump(), kNumber);
    }
    // Stores the deliveries in one transaction, as Inbox::flush does; returns how many messages
    // the set-based path took.
    std::size_t store_group(std::vector<WebhookBatch>& batches, std::vector<StoreResult>& results) {
        pqxx::connection c(db_.url());
        pqxx::work tx(c);
        std::vector<const WebhookBatch*> in;
        std::vector<StoreResult*> out;
        results.assign(batches.size(), {});
        for (std::size_t i = 0; i < batches.size(); ++i) {
            in.push_back(&batches[i]);
            out.push_back(&results[i]);
        }
        whatsapp::lock_keys(tx, in);
        auto done = whatsapp::store_known_customers(tx, in, out, 0);
        for (std::size_t i = 0; i < batches.size(); ++i) {
            whatsapp::store_batch(tx, batches[i], results[i], true, 0, done);
        }
        tx.commit();
        return done.size();
    }
    std::string scalar(const std::string& sql) { return db_.scalar(sql); }

    TestDatabase db_;
};

TEST_F(InboxGroupTest, KnownCustomersGoInOneStatementAndTheRestTakeTheGeneralPath) {
    std::vector<WebhookBatch> first{text("wamid.a1", "34600000001", "Hola", "Ana", kT),
                                    text("wamid.b1", "34600000002", "Hi", "Bo", kT)};
    std::vector<StoreResult> results;
    EXPECT_EQ(store_group(first, results), 2u) << "first contacts too";
    EXPECT_EQ(results[0].stored + results[1].stored, 2);
    EXPECT_EQ(scalar("SELECT phone || ' ' || customer_name || ' ' || profile_name || ' ' || "
                     "simulated FROM conversations WHERE wa_id = '34600000001'"),
              "+34600000001 Ana Ana false");

    std::vector<WebhookBatch> group{
        text("wamid.a2", "34600000001", "Second", "Ana", kT + 10),
        text("wamid.a3", "34600000001", "Third", "Ana", kT + 20),
        text("wamid.b2", "34600000002", "New name", "Bob", kT + 5),   // a name to record
        text("wamid.c1", "34600000003", "First time", "Cy", kT + 7),  // a first contact
        text("wamid.a2", "34600000001", "Second", "Ana", kT + 10),    // Meta, again
        text("wamid.a1", "34600000001", "Hola", "Ana", kT),           // stored before
    };
    EXPECT_EQ(store_group(group, results), 4u) << "a2, a3, c1 and the re-delivered a1";
    std::vector<int> stored, duplicates;
    for (const auto& r : results) {
        stored.push_back(r.stored);
        duplicates.push_back(r.duplicates);
    }
    EXPECT_EQ(stored, (std::vector<int>{1, 1, 1, 1, 0, 0}));
    EXPECT_EQ(duplicates, (std::vector<int>{0, 0, 0, 0, 1, 1}));
    ASSERT_EQ(results[0].events.size(), 1u);
    const auto& event = results[0].events[0].second;
    EXPECT_EQ(results[0].events[0].first, "message.created");
    EXPECT_EQ(event["message"]["whatsapp_message_id"], "wamid.a2");
    EXPECT_EQ(event["message"]["content"], "Second");
    EXPECT_EQ(event["message"]["id"],
              scalar("SELECT id FROM messages WHERE whatsapp_message_id = 'wamid.a2'"));
    EXPECT_EQ(event["conversation_id"],
              scalar("SELECT id FROM conversations WHERE wa_id = '34600000001'"));

    // Each message once, each with its AI job; the counters as if stored one by one.
    EXPECT_EQ(scalar("SELECT count(*) FROM messages"), "6");
    EXPECT_EQ(scalar("SELECT count(DISTINCT whatsapp_message_id) FROM messages"), "6");
    EXPECT_EQ(scalar("SELECT count(*) FROM jobs WHERE kind = 'ai_reply'"), "6");
    EXPECT_EQ(scalar("SELECT unread_count || ' ' || last_message_preview || ' ' || "
                     "extract(epoch FROM last_message_at)::bigint || ' ' || "
                     "extract(epoch FROM last_customer_message_at)::bigint "
                     "FROM conversations WHERE wa_id = '34600000001'"),
              "3 Third " + std::to_string(kT + 20) + " " + std::to_string(kT + 20));
    EXPECT_EQ(scalar("SELECT unread_count || ' ' || profile_name || ' ' || customer_name "
                     "FROM conversations WHERE wa_id = '34600000002'"),
              "2 Bob Bo");
    EXPECT_EQ(scalar("SELECT count(*) FROM conversations"), "3");
    EXPECT_EQ(scalar("SELECT created_at = to_timestamp(" + std::to_string(kT + 20) +
                     ") FROM messages WHERE whatsapp_message_id = 'wamid.a3'"),
              "t");
}

TEST_F(InboxGroupTest, ANewCustomerWhoseNameChangesWithinTheGroupEndsAsIfStoredOneByOne) {
    std::vector<WebhookBatch> group{text("wamid.e1", "34600000020", "One", "Eve", kT),
                                    text("wamid.e2", "34600000020", "Two", "Evelyn", kT + 1),
                                    text("wamid.e3", "34600000020", "Three", "", kT + 2)};
    std::vector<StoreResult> results;
    EXPECT_EQ(store_group(group, results), 2u) << "e1 and e3; e2 has a name to record";
    EXPECT_EQ(scalar("SELECT count(*) || ' ' || sum(unread_count) || ' ' || "
                     "min(customer_name) || ' ' || min(profile_name) || ' ' || "
                     "min(last_message_preview) FROM conversations"),
              "1 3 Eve Evelyn Three");
    EXPECT_EQ(scalar("SELECT count(*) FROM messages"), "3");
}

TEST_F(InboxGroupTest, AnOlderMessageArrivingLateKeepsTheNewerPreview) {
    std::vector<WebhookBatch> first{text("wamid.n1", "34600000009", "Newest", "Di", kT + 100)};
    std::vector<StoreResult> results;
    store_group(first, results);
    std::vector<WebhookBatch> late{text("wamid.o1", "34600000009", "Older", "Di", kT),
                                   text("wamid.o2", "34600000009", "Oldest", "Di", kT - 50)};
    EXPECT_EQ(store_group(late, results), 2u);
    EXPECT_EQ(scalar("SELECT unread_count || ' ' || last_message_preview || ' ' || "
                     "extract(epoch FROM last_message_at)::bigint FROM conversations"),
              "3 Newest " + std::to_string(kT + 100));
}

TEST_F(InboxGroupTest, TextWithQuotesBackslashesAndNewlinesIsStoredAsSent) {
    std::vector<WebhookBatch> first{text("wamid.q0", "34600000010", "hi", "Quinn", kT)};
    std::vector<StoreResult> results;
    store_group(first, results);
    std::string tricky = "She said \"hi\" \\o/\n{a,b} NULL 'x' ,\"";
    std::vector<WebhookBatch> group{text("wamid.q1", "34600000010", tricky, "Quinn", kT + 1)};
    EXPECT_EQ(store_group(group, results), 1u);
    EXPECT_EQ(scalar("SELECT content FROM messages WHERE whatsapp_message_id = 'wamid.q1'"),
              tricky);
    EXPECT_EQ(scalar("SELECT metadata->'text'->>'body' FROM messages "
                     "WHERE whatsapp_message_id = 'wamid.q1'"),
              tricky);
}

}  // namespace
}  // namespace botflow::test
