// Settings > WhatsApp: the credentials (saved over the environment's, secrets sealed), and the
// "check connection" verdict from Meta's API and from what the webhook has seen.
#include <pqxx/pqxx>

#include "botflow/core/app.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/events/outbox.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/store/user_repo.hpp"
#include "botflow/whatsapp/connection.hpp"
#include "botflow/whatsapp/routes.hpp"
#include "botflow/ws/hub.hpp"

namespace botflow::whatsapp {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// Per credentials version: what was seen with older credentials says nothing of these.
std::string activity_key(const App& app, std::int64_t version) {
    return app.config.redis_prefix + "webhook:activity:" + std::to_string(version);
}

// Merges this replica's record into Redis (the newest time of each kind wins) and keeps it a
// month.
asio::awaitable<void> share_activity(App& app) {
    auto [version, a] = app.webhook_calls.snapshot();
    std::vector<std::string> args{"EVAL",
                                  "for i = 1, #ARGV, 2 do "
                                  " local old = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) "
                                  "  or '0') "
                                  " if tonumber(ARGV[i + 1]) > old then "
                                  "  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end "
                                  "end "
                                  "redis.call('PEXPIRE', KEYS[1], 2592000000) return 1",
                                  "1", activity_key(app, version)};
    for (auto kind : kActivities) {
        if (a[kind] == 0) continue;
        args.emplace_back(activity_name(kind));
        args.push_back(std::to_string(a[kind]));
    }
    if (args.size() == 4) co_return;
    try {
        co_await app.redis.command(std::move(args));
    } catch (const Error& e) {
        spdlog::debug("whatsapp.activity_not_shared cause=\"{}\"", e.cause());
    }
}

// This replica's record, with the other replicas' from Redis when it answers.
asio::awaitable<WebhookActivity> all_activity(App& app, std::int64_t version) {
    auto kept = app.webhook_calls.snapshot();
    auto a = kept.version == version ? kept.seen : WebhookActivity{};
    try {
        std::vector<std::string> args{"HMGET", activity_key(app, version)};
        for (auto kind : kActivities) args.emplace_back(activity_name(kind));
        auto reply = co_await app.redis.command(std::move(args));
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
void apply(App& app, Credentials c) {
    auto version = c.version;
    if (app.whatsapp.set(std::move(c))) app.webhook_calls.reset(version);
}

asio::awaitable<Response> handle_get(App& app, Request& req) {
    bool owner = req.principal->role == "owner";
    auto out = credentials_json(*app.whatsapp.get(), app.config, owner);
    co_return http::no_store(Response::json(200, out));
}

asio::awaitable<Response> handle_put(App& app, Request& req) {
    auto body = http::json_object_body(req);
    auto by = req.principal->user_id;
    auto ip = http::client_address(req, app.config.trust_proxy);
    auto write = [body, by, ip, &config = app.config](pqxx::dbtransaction& tx) {
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
    auto [credentials, changed] = co_await app.db.run(std::move(write));
    auto out = credentials_json(credentials, app.config, true);
    apply(app, std::move(credentials));
    if (!changed.empty()) {
        std::string fields;
        for (const auto& f : changed) fields += (fields.empty() ? "" : ",") + f;
        spdlog::info("whatsapp.settings_saved by={} fields={}", by, fields);
    }
    co_return http::no_store(Response::json(200, out));
}

asio::awaitable<Response> handle_check(App& app, Request&) {
    auto credentials = app.whatsapp.get();
    std::optional<NumberInfo> number;
    std::optional<GraphError> failure;
    if (credentials->can_send()) {
        try {
            number = co_await app.graph.phone_number(*credentials);
        } catch (const GraphFailure& f) {
            failure = f.error();
        }
    }
    auto activity = co_await all_activity(app, credentials->version);
    std::vector<CheckItem> items{check_credentials(*credentials),
                                 check_meta(*credentials, number, failure),
                                 check_webhook(*credentials, activity, ws::now_ms())};
    auto out = check_json(items, number, activity);
    spdlog::info("whatsapp.check ok={} meta={}", out["ok"].get<bool>(), items[1].status);
    co_return http::no_store(Response::json(200, out));
}

}  // namespace

void note_activity(App& app, const Credentials& checked_with, Activity a) {
    app.webhook_calls.record(checked_with.version, a, ws::now_ms());
}

void start_webhook_upkeep(App& app) {
    auto loop = [](App& app) -> asio::awaitable<void> {
        asio::steady_timer timer(app.io);
        std::uint64_t shared = 0;
        for (int tick = 1;; ++tick) {
            timer.expires_after(std::chrono::seconds(2));
            boost::system::error_code ec;
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;
            if (auto now = app.webhook_calls.changes(); now != shared) {
                shared = now;
                co_await share_activity(app);
            }
            // A save announced while this replica was not listening is picked up here.
            if (tick % 30 == 0) reload_credentials(app);
        }
    };
    asio::co_spawn(app.io, loop(app), asio::detached);
}

void load_credentials_now(App& app) {
    pqxx::connection c(app.config.database_url.reveal());
    pqxx::read_transaction tx(c);
    apply(app, load_credentials(tx, app.config));
    auto now = app.whatsapp.get();
    spdlog::info(
        "whatsapp.credentials phone_number_id={} access_token={} app_secret={} "
        "verify_token={}",
        source_name(now->phone_number_id_source), source_name(now->access_token_source),
        source_name(now->app_secret_source), source_name(now->verify_token_source));
}

void reload_credentials(App& app) {
    auto reload = [](App& app) -> asio::awaitable<void> {
        try {
            auto read = [&config = app.config](pqxx::dbtransaction& tx) {
                return load_credentials(tx, config);
            };
            auto c = co_await app.db.run(std::move(read));
            auto version = c.version;
            if (app.whatsapp.get()->version != version) {
                spdlog::info("whatsapp.credentials_reloaded version={}", version);
            }
            apply(app, std::move(c));
        } catch (const std::exception& e) {
            spdlog::warn("whatsapp.credentials_reload_failed what=\"{}\"", e.what());
        }
    };
    asio::co_spawn(app.io, reload(app), asio::detached);
}

void register_settings_routes(App& app) {
    using http::Access;
    using http::Method;
    auto& r = app.router;
    const http::RouteOptions owner{http::kDefaultBodyLimit, Access::owner};
    r.add(Method::get, "/api/settings/whatsapp",
          [&app](Request& req) { return handle_get(app, req); });
    r.add(
        Method::put, "/api/settings/whatsapp",
        [&app](Request& req) { return handle_put(app, req); }, owner);
    r.add(
        Method::post, "/api/settings/whatsapp/check",
        [&app](Request& req) { return handle_check(app, req); }, owner);
}

}  // namespace botflow::whatsapp
