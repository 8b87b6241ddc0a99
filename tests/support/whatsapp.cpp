#include "support/whatsapp.hpp"

#include <fstream>
#include <sstream>

#include "botflow/whatsapp/webhook.hpp"

namespace botflow::test {

using nlohmann::json;

json fixture(const std::string& name) {
    std::ifstream in(std::string(BOTFLOW_SOURCE_DIR) + "/tests/fixtures/whatsapp/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    auto j = json::parse(ss.str());
    // The fixtures come from several numbers: address them all to ours.
    for (auto& entry : j["entry"]) {
        for (auto& change : entry["changes"]) {
            change["value"]["metadata"]["phone_number_id"] = kNumber;
        }
    }
    return j;
}

json text_delivery(const std::string& wamid, const std::string& from, const std::string& text,
                   const std::string& name, long timestamp) {
    auto j = fixture("inbound-text.json");
    auto& value = j["entry"][0]["changes"][0]["value"];
    value["contacts"][0]["wa_id"] = from;
    value["contacts"][0]["profile"]["name"] = name;
    value["messages"][0]["from"] = from;
    value["messages"][0]["id"] = wamid;
    value["messages"][0]["text"]["body"] = text;
    if (timestamp > 0) value["messages"][0]["timestamp"] = std::to_string(timestamp);
    return j;
}

json status_delivery(const std::string& wamid, const std::string& status,
                     const std::string& timestamp) {
    auto j = fixture(status == "failed" ? "status-failed.json" : "status-read.json");
    auto& st = j["entry"][0]["changes"][0]["value"]["statuses"][0];
    st["id"] = wamid;
    st["status"] = status;
    st["timestamp"] = timestamp;
    return j;
}

json echo_delivery(const std::string& wamid, const std::string& to, const std::string& text) {
    json echo = {{"from", "15550783881"},     {"to", to},       {"id", wamid},
                 {"timestamp", "1750000000"}, {"type", "text"}, {"text", {{"body", text}}}};
    json value = {{"messaging_product", "whatsapp"},
                  {"metadata", {{"phone_number_id", kNumber}}},
                  {"message_echoes", json::array({echo})}};
    json change = {{"field", "smb_message_echoes"}, {"value", value}};
    json entry = {{"id", "1"}, {"changes", json::array({change})}};
    return {{"object", "whatsapp_business_account"}, {"entry", json::array({entry})}};
}

HttpResponse deliver(std::uint16_t port, const std::string& body, const std::string& signature) {
    std::string sig =
        signature == "auto" ? whatsapp::sign_body(body, Secret(kAppSecret)) : signature;
    std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"}};
    if (!sig.empty()) headers.emplace_back("X-Hub-Signature-256", sig);
    return request(port, "POST", "/api/webhook/whatsapp", headers, body);
}

}  // namespace botflow::test
