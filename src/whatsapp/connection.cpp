#include "botflow/whatsapp/connection.hpp"

#include <algorithm>
#include <atomic>
#include <stdexcept>

#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/store/setting_repo.hpp"
#include "botflow/util/crypto.hpp"
#include "botflow/whatsapp/graph.hpp"
#include "whatsapp/connection_repo.hpp"

namespace botflow::whatsapp {
namespace {

using nlohmann::json;

constexpr const char* kPhoneKey = "whatsapp.phone_number_id";
constexpr const char* kTokenKey = "whatsapp.access_token";
constexpr const char* kSecretKey = "whatsapp.app_secret";
constexpr const char* kVerifyKey = "whatsapp.verify_token";
constexpr const char* kVersionKey = "whatsapp.version";

bool all_digits(const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

bool one_word(const std::string& s) {
    return std::none_of(s.begin(), s.end(), [](char ch) {
        auto c = static_cast<unsigned char>(ch);
        return c <= 0x20 || c == 0x7f;
    });
}

std::string last4(const Secret& s) {
    const auto& v = s.reveal();
    return v.size() <= 8 ? std::string() : v.substr(v.size() - 4);
}

// "3 minutes ago", for the check's sentences.
std::string ago(std::int64_t then_ms, std::int64_t now_ms) {
    auto s = std::max<std::int64_t>(0, (now_ms - then_ms) / 1000);
    auto unit = [](std::int64_t n, const char* one) {
        return std::to_string(n) + " " + one + (n == 1 ? "" : "s") + " ago";
    };
    if (s < 60) return "just now";
    if (s < 3600) return unit(s / 60, "minute");
    if (s < 86400) return unit(s / 3600, "hour");
    return unit(s / 86400, "day");
}

json timestamp(std::int64_t ms) {
    if (ms == 0) return nullptr;
    return ms;
}

}  // namespace

const char* source_name(Source s) noexcept {
    switch (s) {
        case Source::environment:
            return "environment";
        case Source::settings:
            return "settings";
        case Source::none:
            break;
    }
    return "none";
}

bool Credentials::complete() const {
    return !phone_number_id.empty() && !access_token.empty() && !app_secret.empty() &&
           !verify_token.empty();
}

bool Credentials::can_send() const { return !phone_number_id.empty() && !access_token.empty(); }

Credentials environment_credentials(const config::Config& config) {
    Credentials c;
    auto take = [](auto& out, Source& source, const auto& value) {
        out = value;
        source = value.empty() ? Source::none : Source::environment;
    };
    take(c.phone_number_id, c.phone_number_id_source, config.whatsapp_phone_number_id);
    take(c.access_token, c.access_token_source, config.whatsapp_access_token);
    take(c.app_secret, c.app_secret_source, config.whatsapp_app_secret);
    take(c.verify_token, c.verify_token_source, config.whatsapp_verify_token);
    return c;
}

Credentials load_credentials(pqxx::dbtransaction& tx, const config::Config& config) {
    Credentials c = environment_credentials(config);
    auto saved =
        find_saved_settings(tx, {kPhoneKey, kTokenKey, kSecretKey, kVerifyKey, kVersionKey});
    for (const auto& setting : saved) {
        const auto& key = setting.key;
        if (key == kVersionKey) {
            if (setting.text) c.version = std::stoll(*setting.text);
            continue;
        }
        if (key == kPhoneKey) {
            if (setting.text && !setting.text->empty()) {
                c.phone_number_id = *setting.text;
                c.phone_number_id_source = Source::settings;
            }
            continue;
        }
        Secret* target = key == kTokenKey    ? &c.access_token
                         : key == kSecretKey ? &c.app_secret
                                             : &c.verify_token;
        Source* source = key == kTokenKey    ? &c.access_token_source
                         : key == kSecretKey ? &c.app_secret_source
                                             : &c.verify_token_source;
        if (!setting.sealed) continue;
        try {
            *target = Secret(util::unseal(config::sealing_key(config), *setting.sealed));
            *source = Source::settings;
        } catch (const std::runtime_error&) {
            c.unreadable.push_back(key.substr(std::string("whatsapp.").size()));
        }
    }
    return c;
}

std::vector<std::string> put_credentials(pqxx::dbtransaction& tx, const json& body,
                                         const std::string& user_id, const config::Config& config) {
    FieldErrors errors;
    auto bad = [&errors](std::string field, std::string message) {
        errors.add(std::move(field), std::move(message));
    };
    static const std::vector<std::string> known = {"phone_number_id", "access_token", "app_secret",
                                                   "verify_token"};
    for (const auto& [k, v] : body.items()) {
        if (std::find(known.begin(), known.end(), k) == known.end()) {
            bad(k, "is not a WhatsApp setting");
        } else if (!v.is_null() && !v.is_string()) {
            bad(k, "must be a string, or null to remove the saved value");
        }
    }
    auto text = [&](const char* k) -> std::optional<std::string> {
        if (!body.contains(k) || !body[k].is_string()) return std::nullopt;
        return body[k].get<std::string>();
    };
    if (auto v = text("phone_number_id"); v && (!all_digits(*v) || v->size() > 32)) {
        bad("phone_number_id",
            "must be the numeric Phone number ID from WhatsApp > API Setup in Meta's App "
            "Dashboard (not the phone number itself)");
    }
    if (auto v = text("access_token"); v && (v->size() < 20 || v->size() > 2048 || !one_word(*v))) {
        bad("access_token",
            "must be the access token as one piece of text, 20 to 2048 characters, without "
            "\"Bearer \" or spaces");
    }
    if (auto v = text("app_secret")) {
        if (all_digits(*v)) {
            bad("app_secret",
                "looks like the App ID: the app secret is in App settings > Basic, behind Show");
        } else if (v->size() < 16 || v->size() > 128 || !one_word(*v)) {
            bad("app_secret",
                "must be the App secret from App settings > Basic: 16 to 128 characters "
                "without spaces");
        }
    }
    if (auto v = text("verify_token"); v && (v->size() < 8 || v->size() > 200 || !one_word(*v))) {
        bad("verify_token", "must be 8 to 200 characters without spaces");
    }
    errors.throw_if_any("Some WhatsApp settings are not valid.");
    std::vector<std::string> changed;
    for (const auto& field : known) {
        if (!body.contains(field)) continue;
        std::string key = "whatsapp." + field;
        if (body[field].is_null()) {
            store::delete_setting(tx, key);
        } else if (field == "phone_number_id") {
            store::put_setting(tx, key, body[field], user_id);
        } else {
            store::put_sealed_setting(tx, key, body[field].get<std::string>(),
                                      config::sealing_key(config), user_id);
        }
        changed.push_back(field);
    }
    if (!changed.empty()) {
        increment_setting(tx, kVersionKey, user_id);
    }
    return changed;
}

json credentials_json(const Credentials& c, const config::Config& config, bool owner) {
    auto unreadable = [&](const char* field) {
        return std::find(c.unreadable.begin(), c.unreadable.end(), field) != c.unreadable.end();
    };
    auto entry = [&](const char* field, bool set, Source source) {
        json e = {{"set", set}, {"source", source_name(source)}};
        if (unreadable(field)) e["unreadable"] = true;
        return e;
    };
    json out = {{"done", c.complete()},
                {"webhook_url", config.public_url + "/api/webhook/whatsapp"},
                {"graph_api_version", config.graph_api_version},
                {"version", c.version}};
    out["phone_number_id"] =
        entry("phone_number_id", !c.phone_number_id.empty(), c.phone_number_id_source);
    out["access_token"] = entry("access_token", !c.access_token.empty(), c.access_token_source);
    out["app_secret"] = entry("app_secret", !c.app_secret.empty(), c.app_secret_source);
    out["verify_token"] = entry("verify_token", !c.verify_token.empty(), c.verify_token_source);
    if (owner) {
        if (!c.phone_number_id.empty()) out["phone_number_id"]["value"] = c.phone_number_id;
        if (auto l = last4(c.access_token); !l.empty()) out["access_token"]["last4"] = l;
        if (auto l = last4(c.app_secret); !l.empty()) out["app_secret"]["last4"] = l;
        if (!c.verify_token.empty()) out["verify_token"]["value"] = c.verify_token.reveal();
    }
    return out;
}

Connection::Connection(const config::Config& config)
    : current_(std::make_shared<const Credentials>(environment_credentials(config))) {}

std::shared_ptr<const Credentials> Connection::get() const {
    std::lock_guard lock(mutex_);
    return current_;
}

bool Connection::set(Credentials c) {
    auto next = std::make_shared<const Credentials>(std::move(c));
    std::lock_guard lock(mutex_);
    if (next->version < current_->version) return false;
    bool changed = next->version != current_->version;
    current_ = std::move(next);
    // Said once per saved version (credentials are read again every minute and on every
    // save); Settings and the connection check keep showing it.
    if (!current_->unreadable.empty() && reported_ != current_->version) {
        reported_ = current_->version;
        for (const auto& field : current_->unreadable) {
            spdlog::error(
                "whatsapp.credential_unreadable field={} hint=\"SECRET_KEY changed since it was "
                "saved: save it again in Settings > WhatsApp\"",
                field);
        }
    }
    return changed;
}

const char* activity_name(Activity a) noexcept {
    switch (a) {
        case Activity::verified:
            return "verified";
        case Activity::verify_refused:
            return "verify_refused";
        case Activity::delivered:
            return "delivered";
        case Activity::bad_signature:
            return "bad_signature";
        case Activity::secret_missing:
            return "secret_missing";
    }
    return "unknown";
}

void ActivityLog::record(std::int64_t version, Activity a, std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    if (version != kept_.version) return;
    kept_.seen[a] = now_ms;
    changes_.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t ActivityLog::changes() const { return changes_.load(std::memory_order_relaxed); }

void ActivityLog::reset(std::int64_t version) {
    std::lock_guard lock(mutex_);
    if (version <= kept_.version) return;
    kept_ = {.version = version, .seen = {}};
    changes_.fetch_add(1, std::memory_order_relaxed);
}

std::int64_t& WebhookActivity::operator[](Activity a) {
    switch (a) {
        case Activity::verified:
            return verified;
        case Activity::verify_refused:
            return verify_refused;
        case Activity::delivered:
            return delivered;
        case Activity::bad_signature:
            return bad_signature;
        case Activity::secret_missing:
            break;
    }
    return secret_missing;
}

VersionedActivity ActivityLog::snapshot() const {
    std::lock_guard lock(mutex_);
    return kept_;
}

CheckItem check_credentials(const Credentials& c) {
    CheckItem item{.id = "credentials", .status = "ok", .message = {}};
    if (!c.unreadable.empty()) {
        std::string names;
        for (const auto& f : c.unreadable) names += (names.empty() ? "" : ", ") + f;
        item.status = "error";
        item.message = "Saved values cannot be read since SECRET_KEY changed (" + names +
                       "): save them again.";
        return item;
    }
    std::vector<std::string> missing;
    if (c.phone_number_id.empty()) missing.emplace_back("the phone number ID");
    if (c.access_token.empty()) missing.emplace_back("the access token");
    if (c.app_secret.empty()) missing.emplace_back("the app secret");
    if (c.verify_token.empty()) missing.emplace_back("the verify token");
    if (missing.empty()) {
        item.message = "All four credentials are set.";
        return item;
    }
    std::string list;
    for (std::size_t i = 0; i < missing.size(); ++i) {
        if (i > 0) list += i + 1 == missing.size() ? " and " : ", ";
        list += missing[i];
    }
    item.status = "error";
    item.message = "Missing: " + list + ".";
    return item;
}

CheckItem check_meta(const Credentials& c, const std::optional<NumberInfo>& number,
                     const std::optional<GraphError>& error) {
    CheckItem item{.id = "meta", .status = "error", .message = {}};
    if (!c.can_send()) {
        item.message =
            "Meta's API cannot be asked without the phone number ID and the access token.";
        return item;
    }
    if (number) {
        std::string who =
            number->display_phone_number.empty() ? c.phone_number_id : number->display_phone_number;
        if (!number->verified_name.empty()) who += " (" + number->verified_name + ")";
        item.status = "ok";
        item.message = "Meta knows this number: " + who + ".";
        if (!number->quality_rating.empty()) {
            item.message += " Quality rating: " + number->quality_rating + ".";
            if (number->quality_rating == "RED" || number->quality_rating == "YELLOW") {
                item.status = "warning";
                item.message +=
                    " Customers have been blocking or reporting this number; Meta may limit "
                    "how many people it can message (WhatsApp Manager > Insights).";
            }
        }
        return item;
    }
    const GraphError e = error.value_or(GraphError{});
    if (e.http_status == 0) {
        item.message = "Meta's API could not be reached (" + e.title +
                       "). Check that this server can reach graph.facebook.com (GRAPH_API_BASE).";
    } else if (e.code == 190 || e.code == 102 || e.code == 2500 ||
               (e.code == 0 && (e.http_status == 401 || e.http_status == 403))) {
        item.message =
            "Meta refused the access token: it has expired, was revoked, or was not copied "
            "whole. Generate a permanent token for a system user (Business settings > Users > "
            "System users > Generate token) and save it here.";
    } else if (e.code == 100 || e.code == 803) {
        item.message = "Meta has no phone number with the ID " + c.phone_number_id +
                       " that this token can see. Copy the Phone number ID from WhatsApp > API "
                       "Setup: it is neither the phone number itself nor the WhatsApp Business "
                       "Account ID.";
    } else if (e.code == 3 || e.code == 10 || (e.code >= 200 && e.code <= 299)) {
        item.message =
            "The token may not use this number. Give its system user the "
            "whatsapp_business_messaging and whatsapp_business_management permissions, and "
            "assign it the WhatsApp Business Account (Business settings > System users > "
            "Assign assets).";
    } else if (e.code == 4 || e.code == 80007 || e.code == 130429) {
        item.status = "warning";
        item.message =
            "Meta is limiting this app's API calls right now; check again in a few "
            "minutes.";
    } else if (e.transient) {
        item.status = "warning";
        item.message = "Meta's API is having trouble right now (" +
                       (e.code != 0 ? "error " + std::to_string(e.code)
                                    : "HTTP " + std::to_string(e.http_status)) +
                       "); check again in a few minutes.";
    } else {
        item.message = "Meta answered with an error: " + e.reason;
    }
    return item;
}

CheckItem check_webhook(const Credentials& c, const WebhookActivity& a, std::int64_t now_ms) {
    CheckItem item{.id = "webhook", .status = "error", .message = {}};
    auto latest =
        std::max({a.verified, a.verify_refused, a.delivered, a.bad_signature, a.secret_missing});
    if (latest == 0) {
        item.status = "warning";
        item.message =
            "Meta has not called the webhook since these credentials were saved. In Meta's App "
            "Dashboard, WhatsApp > Configuration: paste the webhook URL and the verify token "
            "below, then subscribe to the messages field.";
        return item;
    }
    if (a.bad_signature > a.delivered) {
        item.message = "A delivery " + ago(a.bad_signature, now_ms) +
                       " carried a signature that does not match the app secret, so it was "
                       "refused. If it came from Meta, copy the App secret again from App "
                       "settings > Basic.";
        return item;
    }
    if (a.secret_missing > a.delivered) {
        auto when = ago(a.secret_missing, now_ms);
        if (c.app_secret.empty()) {
            item.message = "Meta tried to deliver messages " + when +
                           ", but no app secret is set, so they were turned away (Meta retries "
                           "them for a while). Save the app secret.";
        } else {
            item.status = "warning";
            item.message = "Meta tried to deliver messages " + when +
                           ", before the app secret was set; its retries will now be accepted.";
        }
        return item;
    }
    if (a.verify_refused > a.verified && a.verify_refused > a.delivered) {
        item.message = "A verification request " + ago(a.verify_refused, now_ms) +
                       " carried another verify token. If it came from Meta, paste exactly the "
                       "verify token shown here into Meta's webhook settings.";
        return item;
    }
    if (a.delivered > 0) {
        item.status = "ok";
        item.message =
            "Meta's last delivery arrived " + ago(a.delivered, now_ms) + ", correctly signed.";
        return item;
    }
    item.status = "warning";
    item.message = "Meta verified the webhook " + ago(a.verified, now_ms) +
                   ", but no message has arrived since. Subscribe the app to the messages "
                   "field, then write to the number from a phone.";
    return item;
}

json check_json(const std::vector<CheckItem>& items, const std::optional<NumberInfo>& number,
                const WebhookActivity& a) {
    json out = {{"ok", std::none_of(items.begin(), items.end(),
                                    [](const CheckItem& i) { return i.status == "error"; })},
                {"checks", json::array()}};
    for (const auto& i : items) {
        out["checks"].push_back({{"id", i.id}, {"status", i.status}, {"message", i.message}});
    }
    out["number"] = number ? json{{"display_phone_number", number->display_phone_number},
                                  {"verified_name", number->verified_name},
                                  {"quality_rating", number->quality_rating}}
                           : json(nullptr);
    out["webhook"] = {{"last_verified_ms", timestamp(a.verified)},
                      {"last_verify_refused_ms", timestamp(a.verify_refused)},
                      {"last_delivery_ms", timestamp(a.delivered)},
                      {"last_bad_signature_ms", timestamp(a.bad_signature)},
                      {"last_secret_missing_ms", timestamp(a.secret_missing)}};
    return out;
}

}  // namespace botflow::whatsapp
