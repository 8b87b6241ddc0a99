#include "botflow/prompts/prompts.hpp"

#include <pqxx/pqxx>
#include <regex>

#include "botflow/core/error.hpp"
#include "botflow/prompts/prompt_repo.hpp"
#include "botflow/store/setting_repo.hpp"

namespace botflow::prompts {
namespace {

using nlohmann::json;

constexpr std::array<const char*, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr std::array<const char*, 7> kDayNames = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                  "Friday", "Saturday", "Sunday"};

json variables_json(const std::string& body) { return json(used_variables(body)); }

// A template as the API shows it.
json template_json(const PromptTemplate& t) {
    return {{"id", t.id},
            {"slug", t.slug},
            {"name", t.name},
            {"category", t.category},
            {"description", t.description},
            {"body", t.body},
            {"variables", t.variables},
            {"builtin", t.builtin},
            {"active", t.active},
            {"created_at", t.created_at},
            {"updated_at", t.updated_at}};
}

std::optional<json> template_json(const std::optional<PromptTemplate>& t) {
    if (!t) return std::nullopt;
    return template_json(*t);
}

[[noreturn]] void invalid(const std::string& field, const std::string& message) {
    throw Error(Errc::unprocessable, field + " " + message + ".", {}, {{field, message}});
}

void check_length(const std::optional<std::string>& v, const char* field, std::size_t min,
                  std::size_t max) {
    if (v && (v->size() < min || v->size() > max)) {
        invalid(field, "must be " + std::to_string(min) + " to " + std::to_string(max) + " bytes");
    }
}

void check_input(const TemplateInput& in) {
    check_length(in.name, "name", 1, 100);
    check_length(in.category, "category", 0, 50);
    check_length(in.description, "description", 0, 500);
    if (in.body) check_body(*in.body);
}

// "09:00" -> minutes; -1 unless HH:MM from 00:00 to 24:00.
int minutes(const std::string& s) {
    static const std::regex re("^([01][0-9]|2[0-4]):([0-5][0-9])$");
    std::smatch m;
    if (!std::regex_match(s, m, re)) return -1;
    int v = std::stoi(m[1]) * 60 + std::stoi(m[2]);
    return v > 24 * 60 ? -1 : v;
}

}  // namespace

void check_body(const std::string& body) {
    check_length(body, "body", 1, 20000);
    validate_body(body);
}

SeedResult seed_builtin(pqxx::dbtransaction& tx, const std::vector<TemplateFile>& files) {
    SeedResult result;
    lock_seeding(tx);
    for (const auto& f : files) {
        auto inserted = upsert_builtin(
            tx, f.slug, {f.name, f.category, f.description, f.body, variables_json(f.body)});
        if (!inserted) continue;
        if (*inserted) {
            ++result.inserted;
        } else {
            ++result.updated;
        }
    }
    activate_default_if_none(tx);
    return result;
}

json list_templates(pqxx::dbtransaction& tx) {
    json items = json::array();
    for (const auto& t : list_templates_rows(tx)) items.push_back(template_json(t));
    return {{"items", items}};
}

std::optional<json> find_template(pqxx::dbtransaction& tx, const std::string& id) {
    return template_json(find_template_row(tx, id));
}

std::optional<json> active_template(pqxx::dbtransaction& tx) {
    return template_json(find_active_template_row(tx));
}

json create_template(pqxx::dbtransaction& tx, const TemplateInput& in) {
    if (!in.name) invalid("name", "is required");
    if (!in.body) invalid("body", "is required");
    check_input(in);
    auto id = insert_template(tx, {*in.name, in.category.value_or(""), in.description.value_or(""),
                                   *in.body, variables_json(*in.body)});
    return *find_template(tx, id);
}

std::optional<json> update_template(pqxx::dbtransaction& tx, const std::string& id,
                                    const TemplateInput& in) {
    auto current = lock_template(tx, id);
    if (!current) return std::nullopt;
    if (current->builtin) {
        throw Error(Errc::conflict,
                    "Built-in templates cannot be changed (they follow the server's version); "
                    "copy it with POST /api/prompts {\"copy_from\": id} and edit the copy.");
    }
    check_input(in);
    std::optional<std::string> vars;
    if (in.body) vars = variables_json(*in.body).dump();
    update_template_row(tx, id, {in.name, in.category, in.description, in.body, vars});
    return find_template(tx, id);
}

bool delete_template(pqxx::dbtransaction& tx, const std::string& id) {
    auto current = lock_template(tx, id);
    if (!current) return false;
    if (current->builtin) {
        throw Error(Errc::conflict, "Built-in templates cannot be deleted; they can be copied.");
    }
    if (current->active) {
        throw Error(Errc::conflict,
                    "This is the active template; activate another one before deleting it.");
    }
    delete_template_row(tx, id);
    return true;
}

std::optional<json> activate_template(pqxx::dbtransaction& tx, const std::string& id) {
    if (!set_active_template(tx, id)) return std::nullopt;
    return find_template(tx, id);
}

json business_profile(pqxx::dbtransaction& tx) {
    auto s = store::get_settings(tx, {"business_name", "business_language", "business_hours"});
    auto text = [&s](const char* key, const char* fallback) {
        auto it = s.find(key);
        return it != s.end() && it->second.is_string() ? it->second : json(fallback);
    };
    auto hours = s.find("business_hours");
    return {{"name", text("business_name", "")},
            {"language", text("business_language", "en")},
            {"hours", hours != s.end() ? hours->second : json(nullptr)}};
}

namespace {

// One day's opening hours: up to 4 {open, close} intervals as HH:MM, open before close.
// nullopt when it is not such a list at all.
std::optional<json> day_intervals(const json& intervals, const std::string& field,
                                  FieldErrors& errors) {
    if (!intervals.is_array() || intervals.size() > 4) {
        errors.add(field, "must be a list of up to 4 {open, close} intervals");
        return std::nullopt;
    }
    json list = json::array();
    for (const auto& iv : intervals) {
        if (!iv.is_object() || !iv.contains("open") || !iv.contains("close") ||
            !iv["open"].is_string() || !iv["close"].is_string()) {
            errors.add(field, "intervals need open and close as HH:MM");
            break;
        }
        int open = minutes(iv["open"]), close = minutes(iv["close"]);
        if (open < 0 || close < 0 || open >= close) {
            errors.add(field, "intervals need open before close, as HH:MM");
            break;
        }
        list.push_back({{"open", iv["open"]}, {"close", iv["close"]}});
    }
    return list;
}

// hours.days: mon..sun, each a list of intervals (a day not given is closed).
json opening_days(const json& given, FieldErrors& errors) {
    json days = json::object();
    if (!given.is_object()) {
        errors.add("hours.days", "must map mon..sun to lists of intervals");
        return days;
    }
    for (const auto& [key, _] : given.items()) {
        if (std::find_if(kDays.begin(), kDays.end(), [&key](const char* d) { return key == d; }) ==
            kDays.end()) {
            errors.add("hours.days", "has an unknown day " + key + " (use mon..sun)");
        }
    }
    for (const char* d : kDays) {
        std::string field = std::string("hours.days.") + d;
        const json intervals = given.contains(d) ? given[d] : json::array();
        if (auto list = day_intervals(intervals, field, errors)) days[d] = *list;
    }
    return days;
}

// The profile's hours, {time_zone, days}; null when not given.
json opening_hours(pqxx::dbtransaction& tx, const json& body, FieldErrors& errors) {
    if (!body.contains("hours") || body["hours"].is_null()) return nullptr;
    const auto& h = body["hours"];
    if (!h.is_object()) {
        errors.add("hours", "must be an object {time_zone, days}");
        return nullptr;
    }
    std::string tz;
    if (!h.contains("time_zone") || !h["time_zone"].is_string()) {
        errors.add("hours.time_zone", "is required, e.g. Europe/Madrid");
    } else {
        tz = h["time_zone"].get<std::string>();
        if (!time_zone_exists(tx, tz)) {
            errors.add("hours.time_zone",
                       "is not a time zone PostgreSQL knows (e.g. Europe/Madrid)");
        }
    }
    const json given = h.contains("days") ? h["days"] : json::object();
    json days = opening_days(given, errors);
    return {{"time_zone", tz}, {"days", days}};
}

}  // namespace

json put_business_profile(pqxx::dbtransaction& tx, const json& body, const std::string& user_id) {
    // Every bad field is named in one answer, so a form shows all its errors at once.
    FieldErrors errors;
    if (!body.contains("name") || !body["name"].is_string() ||
        body["name"].get<std::string>().empty() || body["name"].get<std::string>().size() > 200) {
        errors.add("name", "must be the business's name, 1 to 200 bytes");
    }
    std::string language = "en";
    if (body.contains("language") && !body["language"].is_null()) {
        static const std::regex re("^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$");
        if (!body["language"].is_string() ||
            !std::regex_match(body["language"].get<std::string>(), re)) {
            errors.add("language", "must be a language code such as en, es or pt-BR");
        } else {
            language = body["language"].get<std::string>();
        }
    }
    json hours = opening_hours(tx, body, errors);
    // The detail names them too: the profile's form has fields (hours) that one message covers.
    errors.throw_if_any(errors.list() + ".");
    store::put_setting(tx, "business_name", body["name"], user_id);
    store::put_setting(tx, "business_language", language, user_id);
    store::put_setting(tx, "business_hours", hours, user_id);
    return business_profile(tx);
}

std::string format_hours(const json& hours) {
    if (!hours.is_object() || !hours.contains("days")) return "Not provided.";
    std::string out = "Time zone: " + hours.value("time_zone", std::string("UTC")) + "\n";
    for (std::size_t i = 0; i < kDays.size(); ++i) {
        out += std::string(kDayNames[i]) + ": ";
        const auto& list = hours["days"].contains(kDays[i]) ? hours["days"][kDays[i]] : json();
        if (!list.is_array() || list.empty()) {
            out += "closed";
        } else {
            for (std::size_t k = 0; k < list.size(); ++k) {
                if (k) out += ", ";
                out +=
                    list[k]["open"].get<std::string>() + "-" + list[k]["close"].get<std::string>();
            }
        }
        if (i + 1 < kDays.size()) out += "\n";
    }
    return out;
}

}  // namespace botflow::prompts
