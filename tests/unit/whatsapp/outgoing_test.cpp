// The outgoing message model: the API's JSON in, WhatsApp's limits checked once with the field
// named, and the Cloud API payloads of the reference out.
#include "botflow/whatsapp/outgoing.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "botflow/core/error.hpp"
#include "botflow/whatsapp/graph.hpp"

namespace botflow::whatsapp {
namespace {

using nlohmann::json;

json fixture(const std::string& name) {
    std::ifstream in(std::string(BOTFLOW_SOURCE_DIR) + "/tests/fixtures/whatsapp/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
}

// The fields a refused message names, each with its message.
std::map<std::string, std::string> refusal(const json& body) {
    try {
        parse_outgoing(body);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::unprocessable);
        std::map<std::string, std::string> out;
        for (const auto& f : e.fields()) out[f.field] = f.message;
        return out;
    }
    ADD_FAILURE() << "accepted: " << body.dump();
    return {};
}

const Resolved kTo{"16505551234", "", std::nullopt, std::nullopt, std::nullopt};

TEST(Outgoing, TextIsTheDefaultTypeAndPreviewsLinksByDefault) {
    auto m = parse_outgoing({{"text", "See https://example.com"}});
    EXPECT_EQ(m.kind, Kind::text);
    auto expected = fixture("send-request-text.json");
    auto p = graph_payload(text_message(expected["text"]["body"]), kTo);
    EXPECT_EQ(p["messaging_product"], "whatsapp");
    EXPECT_EQ(p["recipient_type"], "individual");
    EXPECT_EQ(p["to"], "+16505551234");
    EXPECT_EQ(p["text"], expected["text"]);  // body with a link: preview_url true
    auto quiet = parse_outgoing({{"text", "https://example.com"}, {"preview_url", false}});
    EXPECT_EQ(graph_payload(quiet, kTo)["text"]["preview_url"], false);
}

TEST(Outgoing, AReplyQuotesByContextAndACustomerWithoutANumberIsARecipient) {
    Resolved r{"", "US.13491208655302741918", std::string("wamid.X"), std::nullopt, std::nullopt};
    auto p = graph_payload(text_message("ok"), r);
    EXPECT_FALSE(p.contains("to"));
    EXPECT_EQ(p["recipient"], "US.13491208655302741918");
    EXPECT_EQ(p["context"], (json{{"message_id", "wamid.X"}}));
    EXPECT_TRUE(fixture("send-request-text-reply-context.json")["context"].contains("message_id"));
}

TEST(Outgoing, ButtonsBecomeTheReferencePayload) {
    auto expected = fixture("send-request-interactive-buttons.json")["interactive"];
    auto m = parse_outgoing({{"type", "buttons"},
                             {"body", expected["body"]["text"]},
                             {"footer", expected["footer"]["text"]},
                             {"buttons",
                              {{{"id", "change-button"}, {"title", "Change"}},
                               {{"id", "cancel-button"}, {"title", "Cancel"}}}}});
    auto p = graph_payload(m, kTo);
    EXPECT_EQ(p["type"], "interactive");
    EXPECT_EQ(p["interactive"]["type"], "button");
    EXPECT_EQ(p["interactive"]["body"], expected["body"]);
    EXPECT_EQ(p["interactive"]["footer"], expected["footer"]);
    EXPECT_EQ(p["interactive"]["action"], expected["action"]);
    EXPECT_EQ(summary(m).substr(summary(m).size() - 17), "[Change | Cancel]");
}

TEST(Outgoing, AListBecomesTheReferencePayload) {
    auto expected = fixture("send-request-interactive-list.json")["interactive"];
    json sections = json::array();
    for (const auto& s : expected["action"]["sections"]) sections.push_back(s);
    auto m = parse_outgoing({{"type", "list"},
                             {"header", expected["header"]["text"]},
                             {"body", expected["body"]["text"]},
                             {"footer", expected["footer"]["text"]},
                             {"button", expected["action"]["button"]},
                             {"sections", sections}});
    auto p = graph_payload(m, kTo)["interactive"];
    EXPECT_EQ(p, expected);
}

TEST(Outgoing, MediaByUploadOrLinkTemplateAndReaction) {
    auto image = parse_outgoing({{"type", "image"},
                                 {"media_id", "0a1b2c3d-4e5f-6789-abcd-ef0123456789"},
                                 {"caption", "The best succulent ever?"}});
    Resolved uploaded = kTo;
    uploaded.media = "1479537139650973";
    EXPECT_EQ(graph_payload(image, uploaded)["image"],
              fixture("send-request-image-id.json")["image"]);

    auto doc = fixture("send-request-document-link.json")["document"];
    auto m = parse_outgoing({{"type", "document"},
                             {"link", doc["link"]},
                             {"caption", doc["caption"]},
                             {"filename", doc["filename"]}});
    EXPECT_EQ(graph_payload(m, kTo)["document"], doc);

    auto t = fixture("send-request-template.json")["template"];
    auto tm = parse_outgoing({{"type", "template"},
                              {"name", t["name"]},
                              {"language", "en_US"},
                              {"components", t["components"]}});
    EXPECT_EQ(graph_payload(tm, kTo)["template"], t);

    auto reaction = parse_outgoing({{"type", "reaction"},
                                    {"message_id", "0a1b2c3d-4e5f-6789-abcd-ef0123456789"},
                                    {"emoji", "\xF0\x9F\x95\x90"}});
    Resolved r = kTo;
    r.reaction = "wamid.HBgLMTM0Mzc3NzI5MTAVAgARGBI2REVCOTdDQkIyMTcyQUQ1MkUA";
    r.context = "wamid.ignored";  // WhatsApp: a reaction is never a contextual reply
    auto p = graph_payload(reaction, r);
    EXPECT_EQ(p["reaction"], fixture("send-request-reaction.json")["reaction"]);
    EXPECT_FALSE(p.contains("context"));
}

TEST(Outgoing, ThePayloadIsStoredAndReadBackTheSame) {
    json list{{"type", "list"},
              {"body", "Pick one"},
              {"button", "Options"},
              {"reply_to", "0a1b2c3d-4e5f-6789-abcd-ef0123456789"},
              {"sections", {{{"rows", {{{"id", "a"}, {"title", "A"}, {"description", "d"}}}}}}}};
    auto once = to_json(parse_outgoing(list));
    EXPECT_EQ(to_json(parse_outgoing(once)), once);
    EXPECT_EQ(once["reply_to"], "0a1b2c3d-4e5f-6789-abcd-ef0123456789");
}

TEST(OutgoingLimits, ButtonsNameTheFieldAndTheLimit) {
    auto errors = refusal({{"type", "buttons"},
                           {"body", "Which day?"},
                           {"buttons",
                            {{{"id", "a"}, {"title", "Monday"}},
                             {{"id", "b"}, {"title", "Tuesday"}},
                             {{"id", "c"}, {"title", "Wednesday 9:00-17:00!"}},
                             {{"id", "c"}, {"title", "Monday"}}}}});
    EXPECT_EQ(errors["buttons[2].title"], "21 characters, WhatsApp allows 20");
    EXPECT_EQ(errors["buttons"], "4 buttons, WhatsApp allows 3");
    EXPECT_EQ(errors["buttons[3].id"], "is used twice");
    EXPECT_NE(errors["buttons[3].title"].find("twice"), std::string::npos);
    EXPECT_EQ(refusal({{"type", "buttons"}, {"body", "x"}})["buttons"], "needs 1 to 3 buttons");
    EXPECT_EQ(refusal({{"type", "buttons"}, {"buttons", {{{"id", "a"}, {"title", "A"}}}}})["body"],
              "is required");
}

TEST(OutgoingLimits, ListsCountRowsAcrossSectionsAndCheckEveryText) {
    json rows = json::array();
    for (int i = 0; i < 6; ++i) {
        rows.push_back({{"id", "r" + std::to_string(i)}, {"title", "Row"}});
    }
    json more = rows;
    for (auto& r : more) r["id"] = r["id"].get<std::string>() + "b";
    more[0]["title"] = std::string(25, 'x');
    more[1]["description"] = std::string(73, 'y');
    auto errors = refusal({{"type", "list"},
                           {"body", "Pick"},
                           {"button", "A very long button label"},
                           {"sections", {{{"title", "One"}, {"rows", rows}}, {{"rows", more}}}}});
    EXPECT_EQ(errors["sections"], "12 rows in all, WhatsApp allows 10");
    EXPECT_EQ(errors["button"], "24 characters, WhatsApp allows 20");
    EXPECT_EQ(errors["sections[1].title"], "is required");  // several sections need titles
    EXPECT_EQ(errors["sections[1].rows[0].title"], "25 characters, WhatsApp allows 24");
    EXPECT_EQ(errors["sections[1].rows[1].description"], "73 characters, WhatsApp allows 72");
}

TEST(OutgoingLimits, WhatsAppCountsUtf16UnitsNotBytes) {
    // 20 accented letters are 40 bytes but 20 characters: allowed.
    std::string title;
    for (int i = 0; i < 20; ++i) title += "\xC3\xA9";
    EXPECT_NO_THROW(parse_outgoing(
        {{"type", "buttons"}, {"body", "x"}, {"buttons", {{{"id", "a"}, {"title", title}}}}}));
    // 11 emoji outside the BMP are 22 units.
    std::string emoji;
    for (int i = 0; i < 11; ++i) emoji += "\xF0\x9F\x98\x80";
    EXPECT_EQ(refusal({{"type", "buttons"},
                       {"body", "x"},
                       {"buttons", {{{"id", "a"}, {"title", emoji}}}}})["buttons[0].title"],
              "22 characters, WhatsApp allows 20");
}

TEST(OutgoingLimits, MediaTypesAndIdsAreChecked) {
    EXPECT_EQ(refusal({{"type", "image"}})["media_id"],
              "give either media_id (from POST /api/media) or link");
    EXPECT_EQ(refusal({{"type", "image"}, {"link", "http://x.example/a.png"}})["link"],
              "must be an https:// address");
    EXPECT_EQ(refusal({{"type", "image"}, {"media_id", "1' OR 1=1"}})["media_id"],
              "must be an id (a uuid)");
    EXPECT_EQ(
        refusal(
            {{"type", "audio"}, {"link", "https://x.example/a.ogg"}, {"caption", "hi"}})["caption"],
        "WhatsApp sends audio without a caption");
    EXPECT_EQ(refusal({{"type", "sticker"}})["type"].substr(0, 12), "must be text");
    EXPECT_EQ(refusal({{"text", 5}})["text"], "must be text");
    EXPECT_EQ(refusal({{"text", std::string("a\0b", 3)}})["text"],
              "must not contain NUL characters");
    EXPECT_EQ(refusal({{"text", "x"}, {"reply_to", "1'"}})["reply_to"], "must be an id (a uuid)");
    EXPECT_EQ(refusal({{"type", "reaction"},
                       {"message_id", "0a1b2c3d-4e5f-6789-abcd-ef0123456789"},
                       {"emoji", "x"},
                       {"reply_to", "0a1b2c3d-4e5f-6789-abcd-ef0123456789"}})["reply_to"],
              "a reaction cannot quote a message");
}

}  // namespace
}  // namespace botflow::whatsapp
