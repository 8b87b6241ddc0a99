// Settings > WhatsApp: the credentials (saved over the environment's, secrets sealed), and the
// "check connection" verdict from Meta's API and from what the webhook has seen.
#include <pqxx/pqxx>

#include "botflow/config/config.hpp"
#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/events/outbox_repo.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/http/router.hpp"
#include "botflow/store/audit_repo.hpp"
#include "botflow/store/db.hpp"
#include "botflow/util/redis_client.hpp"
#include "botflow/whatsapp/connection.hpp"
#include "botflow/whatsapp/graph.hpp"
#include "botflow/whatsapp/module.hpp"
#include "whatsapp/registration.hpp"

namespace botflow::whatsapp {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// Per credentials version: what was seen with older credentials says nothing of these.
std::string activity_key(const Module& mod, std::int64_t version) {
    return mod.config.redis_prefix + "webhook:activity:" + std::to_string(version);
}

// Merges this replica's record into Redis (the newest time of each kind wins) and keeps it a
// month.
asio::awaitable<void> share_activity(Module& mod) {
    auto [version, a] = mod.webhook_calls.snapshot();
    std::vector<std::string> args{"EVAL",
                                  "for i = 1, #ARGV, 2 do "
                                  " local old = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) "
                                  "  or '0') "
                                  " if tonumber(ARGV[i + 1]) > old then "
                                  "  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end "
                                  "end "
                                  "redis.call('PEXPIRE', KEYS[1], 2592000000) return 1",
                                  "1", activity_key(mod, version)};
    for (auto kind : kActivities) {
        if (a[kind] == 0) continue;
        args.emplace_back(activity_name(kind));
        args.push_back(std::to_string(a[kind]));
    }
    if (args.size() == 4) co_return;
    try {
        co_await mod.redis.command(std::move(args));
    } catch (const Error& e) {
        spdlog::debug("whatsapp.activity_not_shared cause=\"{}\"", e.cause());
    }
}

// This replica's record, with the other replicas' from Redis when it answers.
asio::awaitable<WebhookActivity> all_activity(Module& mod, std::int64_t version) {
    auto kept = mod.webhook_calls.snapshot();
    auto a = kept.version == version ? kept.seen : WebhookActivity{};
    try {
        std::vector<std::string> args{"HMGET", activity_key(mod, version)};
        for (auto kind : kActivities) args.emplace_back(activity_name(kind));
        auto reply = co_await mod.redis.command(std::move(args));
        if (reply.type == util::RedisReply::Type::array) {
            for (std::size_t i = 0; i < reply.elements.size() && i < std::size(kActivities); ++i) {
                if (reply.elements[i].type != util::RedisReply::Type::string) continue;
                auto& at = a[kActivities[i]];
                try {
                    at = std::max<std::int64_t>(at, std::stoll(reply.elements[i].str));
                } catch (const std::exception&) {
                    // Not a number: another program's value under our key; ours stands.
                }
            }
        }
    } catch (const Error& e) {
        spdlog::debug("whatsapp.activity_unshared cause=\"{}\"", e.cause());
    }
    co_return a;
}

// Applies credentials read from the database; a newer version makes what the webhook saw
// stale.
void apply(Module& mod, Credentials c) {
    auto version = c.version;
    if (mod.whatsapp.set(std::move(c))) mod.webhook_calls.reset(version);
}

asio::awaitable<Response> handle_get(Module& mod, Request& req) {
    bool owner = req.principal->role == "owner";
    auto out = credentials_json(*mod.whatsapp.get(), mod.config, owner);
    co_return http::no_store(Response::json(200, out));
}

asio::awaitable<Response> handle_put(Module& mod, Request& req) {
    auto body = http::json_object_body(req);
    auto by = req.principal->user_id;
    auto ip = http::client_address(req, mod.config.trust_proxy);
    auto write = [body, by, ip, &config = mod.config](pqxx::dbtransaction& tx) {
        auto changed = put_credentials(tx, body, by, config);
        json details = json::object();
        for (const auto& field : changed) {
            details[field] = body[field].is_null()        ? json("removed")
                             : field == "phone_number_id" ? body[field]
                                                          : json("replaced");
        }
        if (!changed.empty()) {
            store::insert_audit(tx, {.user_id = by,
                                     .action = "settings.whatsapp",
                                     .target_type = "settings",
                                     .target_id = "whatsapp",
                                     .ip = ip,
                                     .details = details});
            // The other replicas read them again.
            events::stage(tx, events::settings_updated("whatsapp"));
        }
        return std::make_pair(load_credentials(tx, config), std::move(changed));
    };
    auto [credentials, changed] = co_await mod.db.run(std::move(write));
    auto out = credentials_json(credentials, mod.config, true);
    apply(mod, std::move(credentials));
    if (!changed.empty()) {
        std::string fields;
        for (const auto& f : changed) fields += (fields.empty() ? "" : ",") + f;
        spdlog::info("whatsapp.settings_saved by={} fields={}", by, fields);
    }
    co_return http::no_store(Response::json(200, out));
}

asio::awaitable<Response> handle_check(Module& mod, Request&) {
    auto credentials = mod.whatsapp.get();
    std::optional<NumberInfo> number;
    std::optional<GraphError> failure;
    if (credentials->can_send()) {
        try {
            number = co_await mod.graph.phone_number(*credentials);
        } catch (const GraphFailure& f) {
            failure = f.error();
        }
    }
    auto activity = co_await all_activity(mod, credentials->version);
    std::vector<CheckItem> items{check_credentials(*credentials),
                                 check_meta(*credentials, number, failure),
                                 check_webhook(*credentials, activity, now_ms())};
    auto out = check_json(items, number, activity);
    spdlog::info("whatsapp.check ok={} meta={}", out["ok"].get<bool>(), items[1].status);
    co_return http::no_store(Response::json(200, out));
}

}  // namespace

void start_webhook_upkeep(Module& mod) {
    auto loop = [](Module& mod) -> asio::awaitable<void> {
        asio::steady_timer timer(mod.io);
        std::uint64_t shared = 0;
        for (int tick = 1;; ++tick) {
            timer.expires_after(std::chrono::seconds(2));
            boost::system::error_code ec;
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;
            if (auto now = mod.webhook_calls.changes(); now != shared) {
                shared = now;
                co_await share_activity(mod);
            }
            // A save announced while this replica was not listening is picked up here.
            if (tick % 30 == 0) reload_credentials(mod);
        }
    };
    asio::co_spawn(mod.io, loop(mod), asio::detached);
}

void load_credentials_now(Module& mod) {
    pqxx::connection c(mod.config.database_url.reveal());
    pqxx::read_transaction tx(c);
    apply(mod, load_credentials(tx, mod.config));
    auto now = mod.whatsapp.get();
    spdlog::info(
        "whatsapp.credentials phone_number_id={} access_token={} app_secret={} "
        "verify_token={}",
        source_name(now->phone_number_id_source), source_name(now->access_token_source),
        source_name(now->app_secret_source), source_name(now->verify_token_source));
}

void reload_credentials(Module& mod) {
    auto reload = [](Module& mod) -> asio::awaitable<void> {
        try {
            auto read = [&config = mod.config](pqxx::dbtransaction& tx) {
                return load_credentials(tx, config);
            };
            auto c = co_await mod.db.run(std::move(read));
            auto version = c.version;
            if (mod.whatsapp.get()->version != version) {
                spdlog::info("whatsapp.credentials_reloaded version={}", version);
            }
            apply(mod, std::move(c));
        } catch (const std::exception& e) {
            spdlog::warn("whatsapp.credentials_reload_failed what=\"{}\"", e.what());
        }
    };
    asio::co_spawn(mod.io, reload(mod), asio::detached);
}

void register_settings_routes(Module& mod) {
    using http::Access;
    using http::Method;
    auto& r = mod.router;
    const http::RouteOptions owner{http::kDefaultBodyLimit, Access::owner};
    r.add(Method::get, "/api/settings/whatsapp",
          [&mod](Request& req) { return handle_get(mod, req); });
    r.add(
        Method::put, "/api/settings/whatsapp",
        [&mod](Request& req) { return handle_put(mod, req); }, owner);
    r.add(
        Method::post, "/api/settings/whatsapp/check",
        [&mod](Request& req) { return handle_check(mod, req); }, owner);
}

}  // namespace botflow::whatsapp
