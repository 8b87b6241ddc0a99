// /api/webhook/whatsapp: Meta's verification handshake and message/status deliveries.

#include "botflow/conversations/inbox.hpp"
#include "botflow/conversations/module.hpp"
#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/http/router.hpp"
#include "botflow/whatsapp/connection.hpp"
#include "botflow/whatsapp/webhook.hpp"
#include "conversations/registration.hpp"

namespace botflow::conversations {

using whatsapp::Activity;
using whatsapp::check_signature;
using whatsapp::parse_webhook;
using whatsapp::well_formed_signature;

namespace {

using http::Request;
using http::Response;

// Notes a call of Meta's (for the connection check), under the credentials it was checked
// against.
void note_activity(Module& mod, const whatsapp::Credentials& checked_with, Activity a) {
    mod.webhook_calls.record(checked_with.version, a, now_ms());
}

// Meta sends up to 3 MB per delivery.
constexpr std::size_t kMaxWebhookBytes = 4 * 1024 * 1024;

asio::awaitable<Response> handle_verify(Module& mod, Request& req) {
    auto mode = req.query_param("hub.mode").value_or("");
    auto token = req.query_param("hub.verify_token").value_or("");
    auto challenge = req.query_param("hub.challenge").value_or("");
    auto credentials = mod.whatsapp.get();
    const auto& expected = credentials->verify_token.reveal();
    bool token_ok = !expected.empty() && constant_time_equal(token, expected);
    if (mode != "subscribe" || !token_ok || challenge.empty()) {
        if (mode == "subscribe" && !token_ok && !challenge.empty()) {
            note_activity(mod, *credentials, Activity::verify_refused);
        }
        throw Error(Errc::forbidden,
                    expected.empty()
                        ? "No verify token is set on this server (Settings > WhatsApp), so "
                          "Meta's verification cannot succeed yet."
                        : "Verification refused: hub.mode must be subscribe and hub.verify_token "
                          "must equal the verify token in Settings > WhatsApp.");
    }
    note_activity(mod, *credentials, Activity::verified);
    spdlog::info("webhook.verified request_id={}", req.request_id);
    co_return Response::text(200, challenge);
}

asio::awaitable<Response> handle_delivery(Module& mod, Request& req) {
    auto credentials = mod.whatsapp.get();
    if (credentials->app_secret.empty()) {
        note_activity(mod, *credentials, Activity::secret_missing);
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
            note_activity(mod, *credentials, Activity::bad_signature);
        }
        throw;
    }
    note_activity(mod, *credentials, Activity::delivered);
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
        result = co_await mod.inbox.store(std::move(batch));
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

void register_webhook_routes(Module& mod) {
    using http::Access;
    using http::Method;
    auto& r = mod.router;
    r.add(
        Method::get, "/api/webhook/whatsapp",
        [&mod](Request& req) { return handle_verify(mod, req); },
        http::RouteOptions{http::kDefaultBodyLimit, Access::public_});
    r.add(
        Method::post, "/api/webhook/whatsapp",
        [&mod](Request& req) { return handle_delivery(mod, req); },
        http::RouteOptions{kMaxWebhookBytes, Access::public_});
}

}  // namespace botflow::conversations
