// Several deliveries stored in one transaction, as group commit does: the set-based path for
// known customers and the general path share the work without losing or doubling a message,
// against a real PostgreSQL.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "botflow/conversations/inbox.hpp"
#include "botflow/events/outbox_repo.hpp"
#include "botflow/whatsapp/webhook.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"
#include "support/whatsapp.hpp"

namespace botflow::test {
namespace {

using conversations::StoreResult;
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
        conversations::lock_keys(tx, in);
        auto done = conversations::store_known_customers(tx, in, out, 0);
        for (std::size_t i = 0; i < batches.size(); ++i) {
            conversations::store_batch(tx, batches[i], results[i], true, 0, done);
            events::stage(tx, results[i].events);
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
    EXPECT_EQ(store_group(group, results), 5u) << "a2 twice, a3, c1 and the re-delivered a1";
    std::vector<int> stored, duplicates;
    for (const auto& r : results) {
        stored.push_back(r.stored);
        duplicates.push_back(r.duplicates);
    }
    EXPECT_EQ(stored, (std::vector<int>{1, 1, 1, 1, 0, 0}));
    EXPECT_EQ(duplicates, (std::vector<int>{0, 0, 0, 0, 1, 1}));
    // Each stored message's message.created waits in the outbox, as the API shows it: the known
    // customers' in one batch row per statement, the general path's (new customers') a row each.
    auto event =
        nlohmann::json::parse(scalar("SELECT e::text FROM outbox, jsonb_array_elements(data) e "
                                     "WHERE type = 'batch:message.created' "
                                     " AND e->'message'->>'whatsapp_message_id' = 'wamid.a2'"));
    EXPECT_EQ(scalar("SELECT sum(CASE WHEN type = 'batch:message.created' "
                     " THEN jsonb_array_length(data) ELSE 1 END) FROM outbox "
                     "WHERE type IN ('batch:message.created', 'message.created')"),
              scalar("SELECT count(*) FROM messages"));
    EXPECT_EQ(event["message"]["content"], "Second");
    EXPECT_EQ(event["message"]["id"],
              scalar("SELECT id FROM messages WHERE whatsapp_message_id = 'wamid.a2'"));
    EXPECT_EQ(event["conversation_id"],
              scalar("SELECT id FROM conversations WHERE wa_id = '34600000001'"));

    // Each message once, each with its turn's job; the counters as if stored one by one.
    EXPECT_EQ(scalar("SELECT count(*) FROM messages"), "6");
    EXPECT_EQ(scalar("SELECT count(DISTINCT whatsapp_message_id) FROM messages"), "6");
    EXPECT_EQ(scalar("SELECT count(*) FROM jobs WHERE kind = 'conversation_turn'"), "6");
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
    EXPECT_EQ(store_group(group, results), 0u) << "a name to record: all of Eve's go one by one";
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

// A message built by hand: what parse_webhook makes of any delivery.
whatsapp::InboundMessage message(const std::string& wamid, const std::string& wa,
                                 const std::string& bsuid, const std::string& name,
                                 const std::string& text, long ts, bool media = false,
                                 bool echo = false) {
    whatsapp::InboundMessage m;
    m.wamid = wamid;
    m.customer_wa_id = wa;
    m.customer_bsuid = bsuid;
    m.customer_name = name;
    m.type = media ? "image" : "text";
    m.content = text;
    if (media) {
        m.media_id = "media." + wamid;
        m.media_mime_type = "image/jpeg";
    }
    m.timestamp = ts;
    m.echo = echo;
    m.raw = {{"id", wamid}, {"type", m.type}};
    return m;
}

WebhookBatch one(whatsapp::InboundMessage m) {
    WebhookBatch b;
    b.messages.push_back(std::move(m));
    return b;
}

// Everything a person or the AI could see of the stored state, in a comparable form. Messages
// in each conversation's arrival order (seq): nothing orders them across conversations.
std::string state(const TestDatabase& db) {
    return db.scalar(
               "SELECT string_agg(concat_ws('|', wa_id, bsuid, phone, customer_name, "
               " profile_name, unread_count, last_message_preview, "
               " extract(epoch FROM last_message_at)::bigint, "
               " extract(epoch FROM last_customer_message_at)::bigint, status, ai_enabled), "
               " E'\\n' ORDER BY coalesce(wa_id, bsuid)) FROM conversations") +
           "\n--\n" +
           db.scalar(
               "SELECT string_agg(concat_ws('|', m.whatsapp_message_id, "
               " coalesce(c.wa_id, c.bsuid), m.direction, m.type, m.content), E'\\n' "
               " ORDER BY coalesce(c.wa_id, c.bsuid), m.seq) FROM messages m JOIN conversations c "
               " ON c.id = m.conversation_id") +
           "\n--\n" +
           db.scalar(
               "SELECT string_agg(concat_ws('|', j.kind, j.idempotency_key, "
               " coalesce(c.wa_id, c.bsuid)), E'\\n' ORDER BY j.idempotency_key) "
               "FROM jobs j LEFT JOIN conversations c "
               " ON c.id = (j.payload->>'conversation_id')::uuid "
               " OR c.id = j.conversation_id");
}

TEST_F(InboxGroupTest, AGroupEndsExactlyAsTheSameDeliveriesStoredOneByOne) {
    // Before: K (known, "Kim"), E (known, "Eve"), and B known only by a business-scoped id.
    std::vector<WebhookBatch> before{
        one(message("w.k0", "34611111111", "", "Kim", "Hi", kT)),
        one(message("w.e0", "34622222222", "", "Eve", "Hi", kT)),
        one(message("w.b0", "", "US.bsuid.B", "Bea", "Hi", kT)),
    };
    std::vector<WebhookBatch> group;
    // K: a photo, then a text in the same second (the photo needs the general path).
    group.push_back(one(message("w.k1", "34611111111", "", "Kim", "[photo]", kT + 10, true)));
    group.push_back(one(message("w.k2", "34611111111", "", "Kim", "hello?", kT + 10)));
    // E: a new name, then the old one again.
    group.push_back(one(message("w.e1", "34622222222", "", "Evelyn", "One", kT + 11)));
    group.push_back(one(message("w.e2", "34622222222", "", "Eve", "Two", kT + 11)));
    // B: now with a number too, then the number alone.
    group.push_back(one(message("w.b1", "34633333333", "US.bsuid.B", "Bea", "Mine", kT + 12)));
    group.push_back(one(message("w.b2", "34633333333", "", "Bea", "Again", kT + 12)));
    // A first contact whose name changes, one whose does not, and plain known-customer text.
    group.push_back(one(message("w.f1", "34644444444", "", "Ann", "[photo]", kT + 13, true)));
    group.push_back(one(message("w.f2", "34644444444", "", "Annie", "Hello", kT + 13)));
    group.push_back(one(message("w.g1", "34655555555", "", "Gil", "Hola", kT + 14)));
    group.push_back(one(message("w.g2", "34655555555", "", "Gil", "Hola?", kT + 14)));
    group.push_back(one(message("w.k3", "34611111111", "", "Kim", "later", kT + 20)));
    // The business answers K from its phone (an echo), and Meta re-delivers one.
    group.push_back(one(message("w.k4", "34611111111", "", "", "On it", kT + 21, false, true)));
    group.push_back(one(message("w.g1", "34655555555", "", "Gil", "Hola", kT + 14)));

    TestDatabase alone_db;
    auto migrated = run_botflow({"migrate"}, {{"DATABASE_URL", alone_db.url()}});
    ASSERT_EQ(migrated.exit_code, 0) << migrated.output;
    auto store_alone = [](const TestDatabase& db, std::vector<WebhookBatch>& batches) {
        for (auto& b : batches) {
            pqxx::connection c(db.url());
            pqxx::work tx(c);
            StoreResult r;
            conversations::store_batch(tx, b, r, false, 0);
            tx.commit();
        }
    };
    store_alone(alone_db, before);
    store_alone(alone_db, group);

    store_alone(db_, before);
    std::vector<StoreResult> results;
    EXPECT_EQ(store_group(group, results), 3u) << "g1, g2, the re-delivered g1; k3 is K's";
    int stored = 0, duplicates = 0;
    for (const auto& r : results) {
        stored += r.stored;
        duplicates += r.duplicates;
    }
    EXPECT_EQ(stored, 12);
    EXPECT_EQ(duplicates, 1);
    EXPECT_EQ(state(db_), state(alone_db));
}

}  // namespace
}  // namespace botflow::test
