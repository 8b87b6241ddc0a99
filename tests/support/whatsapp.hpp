// WhatsApp webhook deliveries for tests, built from the fixtures in tests/fixtures/whatsapp/.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "support/http_client.hpp"

namespace botflow::test {

inline constexpr const char* kAppSecret = "test-app-secret-0123456789";
inline constexpr const char* kVerifyToken = "verify-me-please";
inline constexpr const char* kNumber = "106540352242922";

/// A fixture, with every change addressed to kNumber.
nlohmann::json fixture(const std::string& name);

/// inbound-text.json from `from` with that wamid, text and profile name.
nlohmann::json text_delivery(const std::string& wamid, const std::string& from,
                             const std::string& text, const std::string& name = "Customer",
                             long timestamp = 0);

/// A status webhook (status-read.json or status-failed.json) for `wamid`.
nlohmann::json status_delivery(const std::string& wamid, const std::string& status,
                               const std::string& timestamp);

/// A coexistence echo: the business wrote `text` to `to` from the WhatsApp Business app.
nlohmann::json echo_delivery(const std::string& wamid, const std::string& to,
                             const std::string& text);

/// POSTs `body` to the webhook signed with kAppSecret (or with `signature` when given; an
/// empty one sends none).
HttpResponse deliver(std::uint16_t port, const std::string& body,
                     const std::string& signature = "auto");

}  // namespace botflow::test
