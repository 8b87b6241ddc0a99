// /api/webhook/whatsapp: Meta's verification handshake and message/status deliveries.
#include "botflow/whatsapp/routes.hpp"

#include <openssl/crypto.h>

#include "botflow/core/app.hpp"
#include "botflow/core/error.hpp"
#include "botflow/whatsapp/connection.hpp"
#include "botflow/whatsapp/inbox.hpp"
#include "botflow/whatsapp/webhook.hpp"

namespace botflow::whatsapp {
namespace {

using http::Request;
using http::Response;

// Meta sends up to 3 MB per delivery.
constexpr std::size_t kMaxWebhookBytes = 4 * 1024 * 1024;

asio::awaitable<Response> handle_verify(App& app, Request& req) {
    auto mode = req.query_param("hub.mode").value_or("");
    auto token = req.query_param("hub.verify_token").value_or("");
    auto challenge = req.query_param("hub.challenge").value_or("");
    auto credentials = app.whatsapp.get();
    const auto& expected = credentials->verify_token.reveal();
    bool token_ok = !expected.empty() && token.size() == expected.size() &&
                    CRYPTO_memcmp(token.data(), expected.data(), expected.size()) == 0;
    if (mode != "subscribe" || !token_ok || challenge.empty()) {
        if (mode == "subscribe" && !token_ok && !challenge.empty()) {
            note_activity(app, *credentials, Activity::verify_refused);
        }
        throw Error(Errc::forbidden,
                    expected.empty()
                        ? "No verify token is set on this server (Settings > WhatsApp), so "
                          "Meta's verification cannot succeed yet."
                        : "Verification refused: hub.mode must be subscribe and hub.verify_token "
                          "must equal the verify token in Settings > WhatsApp.");
    }
    note_activity(app, *credentials, Activity::verified);
    spdlog::info("webhook.verified request_id={}", req.request_id);
    co_return Response::text(200, challenge);
}

asio::awaitable<Response> handle_delivery(App& app, Request& req) {
    auto credentials = app.whatsapp.get();
    if (credentials->app_secret.empty()) {
        note_activity(app, *credentials, Activity::secret_missing);
        // Not 401: Meta retries for days, so deliveries arrive once the secret is set.
        throw Error(Errc::unavailable,
                    "WhatsApp is not connected yet: add the app secret in Settings > WhatsApp "
                    "to receive messages.")
            .with_header("Retry-After", "60");
    }
    try {
        check_signature(req.header("x-hub-signature-256"), req.body, credentials->app_secret);
    } catch (const Error&) {
        // Signed as Meta signs: a wrong app secret, not a stray request.
        if (well_formed_signature(req.header("x-hub-signature-256"))) {
            note_activity(app, *credentials, Activity::bad_signature);
        }
        throw;
    }
    note_activity(app, *credentials, Activity::delivered);
    auto batch = parse_webhook(req.body, credentials->phone_number_id);
    if (batch.foreign > 0) {
        spdlog::warn("webhook.foreign_number request_id={} changes={} ours={}", req.request_id,
                     batch.foreign, credentials->phone_number_id);
    }
    if (batch.skipped > 0) {
        spdlog::info("webhook.skipped request_id={} items={}", req.request_id, batch.skipped);
    }
    StoreResult result;
    if (!batch.messages.empty() || !batch.statuses.empty()) {
        auto started = std::chrono::steady_clock::now();
        result = co_await app.inbox.store(std::move(batch));
        spdlog::info(
            "webhook.stored request_id={} messages={} duplicates={} statuses={} pending={} ms={}",
            req.request_id, result.stored, result.duplicates, result.statuses, result.pending,
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count());
    }
    // 200 only now, after COMMIT: a 200 tells Meta the delivery is safe.
    co_return Response::json(200, {{"status", "stored"},
                                   {"messages", result.stored},
                                   {"duplicates", result.duplicates},
                                   {"statuses", result.statuses + result.pending}});
}

}  // namespace

void register_routes(App& app) {
    using http::Access;
    using http::Method;
    auto& r = app.router;
    r.add(
        Method::get, "/api/webhook/whatsapp",
        [&app](Request& req) { return handle_verify(app, req); },
        http::RouteOptions{http::kDefaultBodyLimit, Access::public_});
    r.add(
        Method::post, "/api/webhook/whatsapp",
        [&app](Request& req) { return handle_delivery(app, req); },
        http::RouteOptions{kMaxWebhookBytes, Access::public_});
}

}  // namespace botflow::whatsapp
