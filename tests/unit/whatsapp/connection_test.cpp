// The connection check's verdicts and the webhook activity record (pure parts).
#include "botflow/whatsapp/connection.hpp"

#include <gtest/gtest.h>

#include "botflow/whatsapp/graph.hpp"

namespace botflow::whatsapp {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;
constexpr std::int64_t kMinute = 60'000;

Credentials complete() {
    Credentials c;
    c.phone_number_id = "106540352242922";
    c.access_token = Secret("EAAG-token");
    c.app_secret = Secret("0123456789abcdef");
    c.verify_token = Secret("verify-me-please");
    return c;
}

TEST(ConnectionCheck, NamesEveryMissingCredential) {
    Credentials c;
    c.phone_number_id = "1";
    auto item = check_credentials(c);
    EXPECT_EQ(item.status, "error");
    EXPECT_EQ(item.message, "Missing: the access token, the app secret and the verify token.");
    EXPECT_EQ(check_credentials(complete()).status, "ok");

    auto unreadable = complete();
    unreadable.unreadable = {"access_token"};
    EXPECT_EQ(check_credentials(unreadable).status, "error");
    EXPECT_NE(check_credentials(unreadable).message.find("SECRET_KEY"), std::string::npos);
}

TEST(ConnectionCheck, TellsWhatMetasErrorsMean) {
    auto c = complete();
    auto error = [](long http, long code) {
        GraphError e;
        e.http_status = http;
        e.code = code;
        return e;
    };
    auto message = [&](const GraphError& e) { return check_meta(c, std::nullopt, e).message; };
    EXPECT_NE(message(error(401, 190)).find("refused the access token"), std::string::npos);
    EXPECT_NE(message(error(401, 0)).find("refused the access token"), std::string::npos);
    EXPECT_NE(message(error(400, 100)).find("no phone number with the ID 106540352242922"),
              std::string::npos);
    EXPECT_NE(message(error(403, 200)).find("whatsapp_business_management"), std::string::npos);
    EXPECT_NE(message(error(0, 0)).find("could not be reached"), std::string::npos);
    EXPECT_EQ(check_meta(c, std::nullopt, error(429, 80007)).status, "warning");
    auto busy = error(503, 0);
    busy.transient = true;
    EXPECT_EQ(check_meta(c, std::nullopt, busy).status, "warning");
    EXPECT_NE(check_meta(c, std::nullopt, busy).message.find("HTTP 503"), std::string::npos);

    NumberInfo green{"+1 555-0100", "Jasper's Market", "GREEN"};
    auto ok = check_meta(c, green, std::nullopt);
    EXPECT_EQ(ok.status, "ok");
    EXPECT_EQ(ok.message,
              "Meta knows this number: +1 555-0100 (Jasper's Market). Quality rating: GREEN.");
    NumberInfo yellow{"+1 555-0100", "", "YELLOW"};
    EXPECT_EQ(check_meta(c, yellow, std::nullopt).status, "warning");

    Credentials no_token = complete();
    no_token.access_token = Secret();
    EXPECT_EQ(check_meta(no_token, std::nullopt, std::nullopt).status, "error");
}

TEST(ConnectionCheck, TheNewestWebhookCallDecides) {
    auto c = complete();
    WebhookActivity a;
    EXPECT_EQ(check_webhook(c, a, kNow).status, "warning");

    a.verified = kNow - 10 * kMinute;
    EXPECT_EQ(check_webhook(c, a, kNow).status, "warning");
    EXPECT_NE(check_webhook(c, a, kNow).message.find("10 minutes ago"), std::string::npos);

    a.delivered = kNow - 3 * kMinute;
    EXPECT_EQ(check_webhook(c, a, kNow).status, "ok");
    EXPECT_NE(check_webhook(c, a, kNow).message.find("3 minutes ago"), std::string::npos);

    a.bad_signature = kNow - 2 * kMinute;
    EXPECT_EQ(check_webhook(c, a, kNow).status, "error");
    EXPECT_NE(check_webhook(c, a, kNow).message.find("app secret"), std::string::npos);

    a.delivered = kNow - kMinute;  // a good one after the bad one: the secret is right now
    EXPECT_EQ(check_webhook(c, a, kNow).status, "ok");

    a.verify_refused = kNow - 30'000;
    EXPECT_EQ(check_webhook(c, a, kNow).status, "error");
    EXPECT_NE(check_webhook(c, a, kNow).message.find("verify token"), std::string::npos);
    EXPECT_NE(check_webhook(c, a, kNow).message.find("just now"), std::string::npos);

    WebhookActivity early;
    early.secret_missing = kNow - 2 * 3'600'000;
    Credentials none;
    EXPECT_EQ(check_webhook(none, early, kNow).status, "error");
    EXPECT_NE(check_webhook(none, early, kNow).message.find("2 hours ago"), std::string::npos);
    EXPECT_EQ(check_webhook(c, early, kNow).status, "warning") << "the secret is set since";
}

TEST(WebhookActivityLog, KeepsTheLatestOfEachKindUntilReset) {
    ActivityLog log;
    auto before = log.changes();
    log.record(0, Activity::delivered, kNow);
    log.record(0, Activity::delivered, kNow + 1000);
    log.record(0, Activity::bad_signature, kNow + 500);
    EXPECT_GT(log.changes(), before);
    auto s = log.snapshot().seen;
    EXPECT_EQ(s.delivered, kNow + 1000);
    EXPECT_EQ(s.bad_signature, kNow + 500);
    EXPECT_EQ(s.verified, 0);
    auto seen = log.changes();
    log.reset(1);
    EXPECT_NE(log.changes(), seen) << "a reset is shared too";
    EXPECT_EQ(log.snapshot().seen.delivered, 0);
    EXPECT_EQ(log.snapshot().version, 1);
}

TEST(WebhookActivityLog, ACallCheckedWithOlderCredentialsDoesNotCountForNewerOnes) {
    ActivityLog log;
    log.reset(2);
    // A delivery that began under version 1 and finished after the save of version 2.
    log.record(1, Activity::delivered, kNow);
    EXPECT_EQ(log.snapshot().seen.delivered, 0);
    log.record(2, Activity::bad_signature, kNow);
    EXPECT_EQ(log.snapshot().seen.bad_signature, kNow);
    // An older version arriving late never replaces the record of a newer one.
    log.reset(1);
    EXPECT_EQ(log.snapshot().version, 2);
    EXPECT_EQ(log.snapshot().seen.bad_signature, kNow);
}

TEST(WhatsAppConnection, AnOlderReadNeverReplacesANewerSave) {
    config::Config config;
    config.whatsapp_verify_token = Secret("from-the-environment");
    Connection connection(config);
    EXPECT_EQ(connection.get()->verify_token.reveal(), "from-the-environment");
    EXPECT_EQ(connection.get()->verify_token_source, Source::environment);

    auto saved = complete();
    saved.version = 2;
    EXPECT_TRUE(connection.set(saved));
    auto older = complete();
    older.version = 1;
    older.verify_token = Secret("an-older-save");
    EXPECT_FALSE(connection.set(older));
    EXPECT_EQ(connection.get()->verify_token.reveal(), "verify-me-please");
    EXPECT_FALSE(connection.set(saved)) << "the same version again changes nothing";
}

}  // namespace
}  // namespace botflow::whatsapp
