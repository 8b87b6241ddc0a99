#include "botflow/whatsapp/webhook.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "botflow/core/error.hpp"

namespace botflow::whatsapp {
namespace {

constexpr const char* kOurNumber = "106540352242922";

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(BOTFLOW_SOURCE_DIR) + "/tests/fixtures/whatsapp/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The fixtures come from several sources and numbers: accept any number here.
InboundMessage only_message(const std::string& name) {
    auto batch = parse_webhook(fixture(name), "");
    EXPECT_EQ(batch.messages.size(), 1u) << name;
    return batch.messages.empty() ? InboundMessage{} : batch.messages[0];
}

TEST(WebhookSignature, AcceptsMetasFormatAndRejectsAnyChange) {
    Secret secret("1222e786b144d0e85b9f365372d93676");
    std::string body =
        R"({"object":"whatsapp_business_account","entry":[{"emoji":"\ud83d\ude2e"}]})";
    auto header = sign_body(body, secret);
    EXPECT_EQ(header.rfind("sha256=", 0), 0u);
    EXPECT_NO_THROW(check_signature(header, body, secret));
    std::string upper = header;
    for (std::size_t i = 7; i < upper.size(); ++i)
        upper[i] = static_cast<char>(std::toupper(upper[i]));
    EXPECT_NO_THROW(check_signature(upper, body, secret));

    auto refused = [&](const std::string& h, const std::string& b) {
        try {
            check_signature(h, b, secret);
        } catch (const Error& e) {
            return e.code() == Errc::unauthorized;
        }
        return false;
    };
    EXPECT_TRUE(refused("", body));
    EXPECT_TRUE(refused(header, body + " "));
    EXPECT_TRUE(refused(header.substr(7), body));  // without "sha256="
    // Re-serialised JSON (unescaped emoji) is a different body: the HMAC is over raw bytes.
    EXPECT_TRUE(
        refused(header, R"({"object":"whatsapp_business_account","entry":[{"emoji":"😮"}]})"));
    EXPECT_TRUE(refused(sign_body(body, Secret("another secret")), body));
}

TEST(WebhookSignature, WellFormedIsMetasShapeInEitherCase) {
    auto header = sign_body("{}", Secret("secret"));
    EXPECT_TRUE(well_formed_signature(header));
    std::string upper = header;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_TRUE(well_formed_signature(upper));
    EXPECT_FALSE(well_formed_signature(""));
    EXPECT_FALSE(well_formed_signature(header.substr(7)));
    EXPECT_FALSE(well_formed_signature(header + "0"));
    EXPECT_FALSE(well_formed_signature("sha1=" + header.substr(7) + "00"));
    EXPECT_FALSE(well_formed_signature(header.substr(0, 70) + "g"));
}

TEST(WebhookParse, Text) {
    auto m = only_message("inbound-text.json");
    EXPECT_EQ(m.type, "text");
    EXPECT_EQ(m.content, "Does it come in another color?");
    EXPECT_EQ(m.customer_wa_id, "16505551234");
    EXPECT_EQ(m.customer_name, "Sheena Nelson");
    EXPECT_EQ(m.timestamp, 1749416383);
    EXPECT_FALSE(m.echo);
}

TEST(WebhookParse, MediaTypesKeepTheirMediaFields) {
    auto doc = only_message("inbound-document.json");
    EXPECT_EQ(doc.type, "document");
    EXPECT_EQ(doc.content, "[document: receipt.pdf] my receipt");
    EXPECT_EQ(doc.media_id, "622684793477189");
    EXPECT_EQ(doc.media_mime_type, "application/pdf");
    EXPECT_EQ(doc.media_filename, "receipt.pdf");
    EXPECT_TRUE(doc.media_sha256.has_value());
    for (const char* name : {"inbound-image.json", "inbound-video.json", "inbound-audio.json",
                             "inbound-sticker.json"}) {
        auto m = only_message(name);
        EXPECT_TRUE(m.media_id.has_value()) << name;
        EXPECT_TRUE(m.media_mime_type.has_value()) << name;
        EXPECT_EQ(m.content.front(), '[') << name;
    }
}

TEST(WebhookParse, LocationContactsButtonsAndReactionsAreReadable) {
    auto loc = only_message("inbound-location.json");
    EXPECT_EQ(
        loc.content,
        "[location] Philz Coffee, 101 Forest Ave, Palo Alto, CA 94301 (37.442215, -122.161659)");
    auto card = only_message("inbound-contacts.json");
    EXPECT_EQ(card.content, "[contact] Barbara J. Johnson (+1 (415) 555-0829)");
    auto list = only_message("inbound-interactive-list-reply.json");
    EXPECT_EQ(list.content, "[chose from list] Priority Mail Express (Next Day to 2 Days)");
    EXPECT_TRUE(list.context_id.has_value());
    auto button = only_message("inbound-button-template-quick-reply.json");
    EXPECT_EQ(button.content, "[pressed] title");
    EXPECT_EQ(button.context_id, "wamid.xyzxyz==");
    auto reaction = only_message("inbound-reaction.json");
    EXPECT_EQ(reaction.content, "[reacted \xF0\x9F\x98\xAE] to wamid.yzxyzx=");
    EXPECT_EQ(reaction.context_id, "wamid.yzxyzx=");
    auto unsupported = only_message("inbound-unsupported.json");
    EXPECT_EQ(unsupported.type, "unsupported");
    EXPECT_EQ(unsupported.content, "[unsupported message: edit] Message type unknown");
}

TEST(WebhookParse, UnknownTypesAreKeptAsUnsupported) {
    auto body = R"({"entry":[{"changes":[{"field":"messages","value":{
        "metadata":{"phone_number_id":"106540352242922"},
        "messages":[{"from":"111","id":"wamid.new","timestamp":"1","type":"hologram",
                     "hologram":{"x":1}}]}}]}]})";
    auto batch = parse_webhook(body, kOurNumber);
    ASSERT_EQ(batch.messages.size(), 1u);
    EXPECT_EQ(batch.messages[0].type, "unsupported");
    EXPECT_EQ(batch.messages[0].content, "[unsupported message: hologram]");
    EXPECT_EQ(batch.messages[0].raw["hologram"]["x"], 1);
}

TEST(WebhookParse, BusinessScopedUserWithoutPhoneNumber) {
    auto body = R"({"entry":[{"changes":[{"field":"messages","value":{
        "metadata":{"phone_number_id":"106540352242922"},
        "contacts":[{"profile":{"name":"","username":"@nina"},"user_id":"US.1349120865530274"}],
        "messages":[{"from_user_id":"US.1349120865530274","id":"wamid.b1","timestamp":"5",
                     "type":"text","text":{"body":"hi"}}]}}]}]})";
    auto batch = parse_webhook(body, kOurNumber);
    ASSERT_EQ(batch.messages.size(), 1u);
    EXPECT_EQ(batch.messages[0].customer_wa_id, "");
    EXPECT_EQ(batch.messages[0].customer_bsuid, "US.1349120865530274");
    EXPECT_EQ(batch.messages[0].customer_name, "@nina");
}

TEST(WebhookParse, StatusesWithErrors) {
    auto batch = parse_webhook(fixture("status-failed.json"), "");
    ASSERT_EQ(batch.statuses.size(), 1u);
    const auto& s = batch.statuses[0];
    EXPECT_EQ(s.status, "failed");
    EXPECT_EQ(s.error_code, "131049");
    EXPECT_TRUE(s.error_title.has_value());
    EXPECT_TRUE(s.error_detail.has_value());
    auto read = parse_webhook(fixture("status-read.json"), "");
    ASSERT_EQ(read.statuses.size(), 1u);
    EXPECT_EQ(read.statuses[0].status, "read");
}

TEST(WebhookParse, EchoesBelongToTheCustomerTheyWereSentTo) {
    auto body = R"({"entry":[{"changes":[{"field":"smb_message_echoes","value":{
        "metadata":{"phone_number_id":"106540352242922"},
        "message_echoes":[{"from":"15550783881","to":"16505551234","id":"wamid.e1",
                           "timestamp":"9","type":"text","text":{"body":"On my way"}}]}}]}]})";
    auto batch = parse_webhook(body, kOurNumber);
    ASSERT_EQ(batch.messages.size(), 1u);
    EXPECT_TRUE(batch.messages[0].echo);
    EXPECT_EQ(batch.messages[0].customer_wa_id, "16505551234");
    EXPECT_EQ(batch.messages[0].content, "On my way");
}

TEST(WebhookParse, EveryChangeOfEveryEntry) {
    auto body = R"({"entry":[
      {"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"106540352242922"},
         "messages":[{"from":"1","id":"a","type":"text","text":{"body":"1"}},
                     {"from":"2","id":"b","type":"text","text":{"body":"2"}}]}},
                  {"field":"messages","value":{"metadata":{"phone_number_id":"106540352242922"},
         "statuses":[{"id":"s","status":"sent","timestamp":"1"}]}}]},
      {"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"999"},
         "messages":[{"from":"3","id":"c","type":"text","text":{"body":"3"}}]}},
                  {"field":"account_update","value":{"event":"VERIFIED_ACCOUNT"}}]}]})";
    auto batch = parse_webhook(body, kOurNumber);
    EXPECT_EQ(batch.messages.size(), 2u);
    EXPECT_EQ(batch.statuses.size(), 1u);
    EXPECT_EQ(batch.foreign, 1);
    EXPECT_EQ(batch.skipped, 1);
    EXPECT_EQ(parse_webhook(body, "").messages.size(), 3u);  // no number configured: all
}

TEST(WebhookParse, MalformedInputNeverThrowsExceptForInvalidJson) {
    EXPECT_THROW(parse_webhook("{not json", kOurNumber), Error);
    for (const char* body : {"[]", "{}", R"({"entry":5})", R"({"entry":[{"changes":[1,null]}]})",
                             R"({"entry":[{"changes":[{"field":"messages","value":{
                                 "messages":[{"type":"text"},7,{"id":"x"}]}}]}]})"}) {
        EXPECT_NO_THROW(parse_webhook(body, "")) << body;
    }
}

}  // namespace
}  // namespace botflow::whatsapp
