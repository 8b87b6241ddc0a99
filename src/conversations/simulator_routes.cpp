// POST /api/simulator/messages: the dashboard plays the customer. What it sends arrives as a
// genuine Cloud API delivery, signed and parsed exactly as Meta's would be: a text, or a tap on
// a button or a list row of a message BotFlow sent.
#include "botflow/auth/passwords.hpp"
#include "botflow/conversations/inbox.hpp"
#include "botflow/conversations/module.hpp"
#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/events/shapes.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/http/router.hpp"
#include "botflow/store/conversation_repo.hpp"
#include "botflow/store/db.hpp"
#include "botflow/whatsapp/connection.hpp"
#include "botflow/whatsapp/webhook.hpp"
#include "conversations/inbox_rows.hpp"
#include "conversations/registration.hpp"

namespace botflow::conversations {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// "+1 (650) 555-1234" -> "16505551234"; nullopt unless 6 to 15 digits.
std::optional<std::string> phone_digits(const std::string& phone) {
    std::string digits;
    for (char c : phone) {
        if (std::isdigit(static_cast<unsigned char>(c))) {
            digits += c;
        } else if (c != '+' && c != ' ' && c != '-' && c != '(' && c != ')' && c != '.') {
            return std::nullopt;
        }
    }
    if (digits.size() < 6 || digits.size() > 15) return std::nullopt;
    return digits;
}

// What the simulated customer sends: the message object of Meta's delivery (without from, id
// and timestamp) and who sends it.
struct Said {
    std::string wa_id;
    json message;
};

std::string customer_wa_id(const json& body) {
    auto phone = http::required_string(body, "phone", 32);
    auto wa_id = phone_digits(phone);
    if (!wa_id) {
        throw Error(Errc::unprocessable, "phone must be a phone number with country code.", {},
                    {{"phone", "must be 6 to 15 digits, e.g. +15551234567"}});
    }
    return *wa_id;
}

Said text_said(const json& body) {
    auto wa_id = customer_wa_id(body);
    auto text = http::required_string(body, "text", 4096);
    return {wa_id, {{"type", "text"}, {"text", {{"body", text}}}}};
}

// A tap on a button or a row of `message_id`, an outbound buttons or list message of a
// simulator conversation: as WhatsApp delivers it, with the tapped message as context.
Said tap_said(pqxx::dbtransaction& tx, const std::string& message_id, const std::string& id,
              const std::string& our_number) {
    auto tapped = store::find_message(tx, message_id);
    std::optional<store::Conversation> conversation;
    if (tapped && tapped->direction == "outbound" &&
        (tapped->type == "buttons" || tapped->type == "list")) {
        conversation = store::find_conversation(tx, tapped->conversation_id);
    }
    if (!conversation || !conversation->simulated) {
        throw Error(Errc::unprocessable, "Tap a button or a list of a simulator conversation.", {},
                    {{"reply.message_id", "is not a buttons or list message of the simulator"}});
    }
    json payload = tapped->payload;  // operator[] below may add the keys it looks for
    json reply;
    if (payload["type"] == "buttons") {
        for (const auto& b : payload["buttons"]) {
            if (b["id"] == id) reply = {{"id", id}, {"title", b["title"]}};
        }
    } else {
        for (const auto& s : payload["sections"]) {
            for (const auto& row : s["rows"]) {
                if (row["id"] != id) continue;
                reply = {{"id", id}, {"title", row["title"]}};
                if (row.contains("description")) reply["description"] = row["description"];
            }
        }
    }
    if (reply.is_null()) {
        throw Error(Errc::unprocessable, "That message has no button or row with this id.", {},
                    {{"reply.id", "is not one of the message's buttons or rows"}});
    }
    auto kind = payload["type"] == "buttons" ? "button_reply" : "list_reply";
    json message{{"type", "interactive"}, {"interactive", {{"type", kind}, {kind, reply}}}};
    if (tapped->whatsapp_message_id) {
        message["context"] = {{"from", our_number}, {"id", *tapped->whatsapp_message_id}};
    }
    return {conversation->customer.wa_id.value_or(""), std::move(message)};
}

json delivery(const std::string& phone_number_id, const std::string& name, const Said& said,
              const std::string& wamid) {
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    json message = said.message;
    message["from"] = said.wa_id;
    message["id"] = wamid;
    message["timestamp"] = std::to_string(now);
    json value{
        {"messaging_product", "whatsapp"},
        {"metadata", {{"display_phone_number", "simulator"}, {"phone_number_id", phone_number_id}}},
        {"contacts", {{{"profile", {{"name", name}}}, {"wa_id", said.wa_id}}}},
        {"messages", {message}}};
    return {{"object", "whatsapp_business_account"},
            {"entry",
             {{{"id", "simulator"}, {"changes", {{{"field", "messages"}, {"value", value}}}}}}}};
}

asio::awaitable<Said> what_is_said(Module& mod, const json& body, const std::string& number) {
    if (!body.contains("reply") || body["reply"].is_null()) {
        auto said = text_said(body);
        auto check = [id = said.wa_id](pqxx::dbtransaction& tx) {
            auto found = store::find_conversation_by_wa_id(tx, id);
            return found && !found->simulated;
        };
        if (co_await mod.db.run(std::move(check))) {
            throw Error(Errc::conflict,
                        "This number belongs to a real customer's conversation; use another "
                        "number in the simulator.",
                        {}, {{"phone", "is a real customer's number"}});
        }
        co_return said;
    }
    if (!body["reply"].is_object()) {
        throw Error(Errc::unprocessable, "reply must be {message_id, id}.", {},
                    {{"reply", "must be {message_id, id}"}});
    }
    auto message_id = http::required_string(body["reply"], "message_id", 64);
    auto id = http::required_string(body["reply"], "id", 256);
    if (!is_uuid(message_id)) {
        throw Error(Errc::unprocessable, "reply.message_id must be a message id.", {},
                    {{"reply.message_id", "must be an id (a uuid)"}});
    }
    auto tap = [message_id, id, number](pqxx::dbtransaction& tx) {
        return tap_said(tx, message_id, id, number);
    };
    co_return co_await mod.db.run(std::move(tap));
}

asio::awaitable<Response> handle_simulate(Module& mod, Request& req) {
    auto body = http::json_object_body(req);
    auto name = http::optional_string(body, "name", 100).value_or("Test customer");
    auto credentials = mod.whatsapp.get();
    std::string number = credentials->phone_number_id.empty() ? std::string("simulator")
                                                              : credentials->phone_number_id;
    auto said = co_await what_is_said(mod, body, number);
    std::string wamid = "simulator." + auth::random_token(18);
    std::string raw = delivery(number, name, said, wamid).dump();
    Secret key =
        credentials->app_secret.empty() ? Secret(auth::random_token(32)) : credentials->app_secret;
    whatsapp::check_signature(whatsapp::sign_body(raw, key), raw, key);
    auto batch = whatsapp::parse_webhook(raw, credentials->phone_number_id);
    batch.simulated = true;
    co_await mod.inbox.store(std::move(batch));

    auto find = [wamid](pqxx::dbtransaction& tx) -> std::optional<json> {
        auto message = store::find_message_by_wamid(tx, wamid);
        if (!message) return std::nullopt;
        auto conversation = store::find_conversation(tx, message->conversation_id);
        return json{{"message", events::to_json(*message)},
                    {"conversation", events::to_json(*conversation)}};
    };
    auto out = co_await mod.db.run(std::move(find));
    if (!out) throw Error(Errc::internal, "The simulated message was not stored.");
    co_return Response::json(201, *out);
}

// A simulated customer's conversation before they write: where a test of a flow's draft runs
// from its first step. The same customer's conversation when there is one.
asio::awaitable<Response> handle_open(Module& mod, Request& req) {
    auto body = http::json_object_body(req);
    whatsapp::InboundMessage customer;
    customer.customer_wa_id = customer_wa_id(body);
    customer.customer_name = http::optional_string(body, "name", 100).value_or("Test customer");
    auto open = [customer](pqxx::dbtransaction& tx) {
        auto id = conversation_for(tx, customer, true);
        return json{{"conversation", events::to_json(*store::find_conversation(tx, id))}};
    };
    co_return Response::json(201, co_await mod.db.run(std::move(open)));
}

}  // namespace

void register_simulator_routes(Module& mod) {
    mod.router.add(http::Method::post, "/api/simulator/messages",
                   [&mod](Request& req) { return handle_simulate(mod, req); });
    mod.router.add(http::Method::post, "/api/simulator/conversations",
                   [&mod](Request& req) { return handle_open(mod, req); });
}

}  // namespace botflow::conversations
