// GET /api/analytics/*: the owner's reports over today, 7, 30 or 90 days, in the business's
// time zone. Each day is summed once from `messages` (analytics_days, computed when first
// asked for), so a 90-day report reads 90 rows; today and yesterday, which can still change,
// are summed live and kept in memory for a few seconds.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>

#include "analytics/report_repo.hpp"
#include "botflow/ai/reply.hpp"
#include "botflow/analytics/module.hpp"
#include "botflow/analytics/report.hpp"
#include "botflow/core/error.hpp"
#include "botflow/http/router.hpp"
#include "botflow/prompts/prompts.hpp"
#include "botflow/store/conversation_repo.hpp"
#include "botflow/store/db.hpp"

namespace botflow::analytics {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

constexpr long kMaxExportRows = 200000;
// How long the live sums of today and of yesterday (which changes only with late arrivals)
// are reused.
constexpr auto kTodayFor = std::chrono::seconds(10);
constexpr auto kYesterdayFor = std::chrono::minutes(5);

struct Period {
    std::string name;
    int days = 7;
    std::string time_zone;
    std::string today;               // the business's date now
    std::vector<std::string> dates;  // oldest first
};

}  // namespace

// Today and yesterday are summed live, but not on every request of a dashboard that loads
// three reports at once.
struct LiveDays {
    std::mutex mutex;
    std::map<std::string, std::pair<std::chrono::steady_clock::time_point, Day>> days;

    Day get(pqxx::dbtransaction& tx, const std::string& date, const std::string& tz,
            std::chrono::steady_clock::duration keep) {
        auto key = date + "|" + tz;
        auto now = std::chrono::steady_clock::now();
        {
            std::lock_guard lock(mutex);
            auto it = days.find(key);
            if (it != days.end() && now - it->second.first < keep) return it->second.second;
        }
        auto d = compute_day(tx, date, tz, ai::kCustomerAskedReason);
        std::lock_guard lock(mutex);
        if (days.size() > 64) days.clear();
        days[key] = {now, d};
        return d;
    }
};

namespace {

Period period_of(pqxx::dbtransaction& tx, const Request& req) {
    Period p;
    p.name = req.query_param("period").value_or("7d");
    if (p.name == "today") {
        p.days = 1;
    } else if (p.name == "7d") {
        p.days = 7;
    } else if (p.name == "30d") {
        p.days = 30;
    } else if (p.name == "90d") {
        p.days = 90;
    } else {
        throw Error(Errc::unprocessable, "period must be today, 7d, 30d or 90d.", {},
                    {{"period", "must be today, 7d, 30d or 90d"}});
    }
    auto profile = prompts::business_profile(tx);
    p.time_zone = "UTC";
    if (profile.contains("hours") && profile["hours"].is_object() &&
        profile["hours"].contains("time_zone") && profile["hours"]["time_zone"].is_string()) {
        p.time_zone = profile["hours"]["time_zone"].get<std::string>();
    }
    p.dates = last_dates(tx, p.time_zone, p.days);
    p.today = p.dates.back();
    return p;
}

// Every day of the period: stored summaries, missing closed days computed and stored, the
// last two days live. `details`: the stored days' cited documents and knowledge gaps too (only
// the performance report shows them).
std::vector<Day> load_days(pqxx::dbtransaction& tx, LiveDays& live, const Period& p, bool details) {
    auto stored = stored_days(tx, p.time_zone, p.dates.front(), p.dates.back(), details);
    std::vector<Day> out;
    auto n = p.dates.size();
    for (std::size_t i = 0; i < n; ++i) {
        const auto& date = p.dates[i];
        // The period's last day is today; the one before is yesterday, unless the period is
        // only today (then yesterday is not in it).
        bool recent = i + 2 >= n && (p.days > 1 || i + 1 == n);
        if (recent) {
            out.push_back(live.get(tx, date, p.time_zone, i + 1 == n ? kTodayFor : kYesterdayFor));
        } else if (auto it = stored.find(date); it != stored.end()) {
            out.push_back(std::move(it->second));
        } else {
            auto d = compute_day(tx, date, p.time_zone, ai::kCustomerAskedReason);
            store_day(tx, d, p.time_zone);
            out.push_back(std::move(d));
        }
    }
    return out;
}

// 0 for Monday .. 6 for Sunday, of a "YYYY-MM-DD" date.
int monday_based_weekday(const std::string& date) {
    using namespace std::chrono;
    year_month_day ymd{year{std::stoi(date.substr(0, 4))},
                       month{static_cast<unsigned>(std::stoi(date.substr(5, 2)))},
                       day{static_cast<unsigned>(std::stoi(date.substr(8, 2)))}};
    return static_cast<int>(weekday{sys_days{ymd}}.iso_encoding()) - 1;
}

json period_json(const Period& p) {
    return {{"name", p.name},
            {"from", p.dates.front()},
            {"to", p.dates.back()},
            {"time_zone", p.time_zone}};
}

json optional_ms(long long ms) { return ms < 0 ? json(nullptr) : json(ms); }

json first_response(const std::vector<long long>& hist) {
    long long samples = 0;
    for (auto n : hist) samples += n;
    return {{"median_ms", optional_ms(histogram_percentile_ms(hist, 0.5))},
            {"p90_ms", optional_ms(histogram_percentile_ms(hist, 0.9))},
            {"samples", samples}};
}

json rate(long long part, long long whole) {
    if (whole == 0) return nullptr;
    return std::round(static_cast<double>(part) / static_cast<double>(whole) * 10000.0) / 10000.0;
}

double money(double usd) { return std::round(usd * 1e6) / 1e6; }

using Report = json (*)(const std::vector<Day>&);

asio::awaitable<Response> report(Module& mod, Request& req, Report work, bool details) {
    auto read = [&req, work, details, live = mod.live_days](pqxx::dbtransaction& tx) {
        auto p = period_of(tx, req);
        json out = work(load_days(tx, *live, p, details));
        out["period"] = period_json(p);
        return out;
    };
    auto out = co_await mod.db.run(std::move(read));
    co_return http::no_store(Response::json(200, out));
}

json overview(const std::vector<Day>& days) {
    Day sum;
    for (const auto& d : days) {
        sum.inbound += d.inbound;
        sum.ai += d.ai;
        sum.agent += d.agent;
        sum.system += d.system;
        sum.prompt_tokens += d.prompt_tokens;
        sum.completion_tokens += d.completion_tokens;
        sum.cost_usd += d.cost_usd;
        sum.conversations += d.conversations;
        sum.ai_resolved += d.ai_resolved;
        sum.handed_off += d.handed_off;
        for (int i = 0; i < kBuckets; ++i) sum.frt[i] += d.frt[i];
    }
    return {{"messages",
             {{"inbound", sum.inbound},
              {"outbound", sum.ai + sum.agent + sum.system},
              {"ai", sum.ai},
              {"agent", sum.agent},
              {"system", sum.system}}},
            {"conversations",
             {{"total", sum.conversations},
              {"ai_resolved", sum.ai_resolved},
              {"handed_off", sum.handed_off}}},
            {"rates",
             {{"ai_resolution", rate(sum.ai_resolved, sum.conversations)},
              {"handoff", rate(sum.handed_off, sum.conversations)}}},
            {"first_response", first_response(sum.frt)},
            {"llm",
             {{"prompt_tokens", sum.prompt_tokens},
              {"completion_tokens", sum.completion_tokens},
              {"cost_usd", money(sum.cost_usd)}}}};
}

json messages(const std::vector<Day>& days) {
    json list = json::array();
    // hours[weekday][hour], Monday first.
    std::vector<std::vector<long long>> heat(7, std::vector<long long>(24, 0));
    for (const auto& d : days) {
        list.push_back({{"day", d.date},
                        {"inbound", d.inbound},
                        {"ai", d.ai},
                        {"agent", d.agent},
                        {"system", d.system},
                        {"prompt_tokens", d.prompt_tokens},
                        {"completion_tokens", d.completion_tokens},
                        {"cost_usd", money(d.cost_usd)}});
        auto row = static_cast<std::size_t>(monday_based_weekday(d.date));
        for (int h = 0; h < 24; ++h) heat[row][h] += d.hours[h];
    }
    return {{"days", list}, {"hours", heat}};
}

// Up to 20 questions, most asked first (then the most recent).
json knowledge_gaps(const std::vector<Day>& days) {
    std::map<std::string, Gap> all;
    for (const auto& d : days) {
        for (const auto& [question, gap] : d.gaps) {
            auto& g = all[question];
            g.asked += gap.asked;
            if (gap.last_asked_at > g.last_asked_at) {
                g.last_asked_at = gap.last_asked_at;
                g.conversation_id = gap.conversation_id;
                g.reason = gap.reason;
            }
        }
    }
    std::vector<std::pair<std::string, Gap>> list(all.begin(), all.end());
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
        return a.second.asked != b.second.asked ? a.second.asked > b.second.asked
                                                : a.second.last_asked_at > b.second.last_asked_at;
    });
    if (list.size() > 20) list.resize(20);
    json out = json::array();
    for (const auto& [question, g] : list) {
        out.push_back({{"question", question},
                       {"count", g.asked},
                       {"last_asked_at", g.last_asked_at},
                       {"conversation_id", g.conversation_id},
                       {"reason", g.reason}});
    }
    return out;
}

json performance(const std::vector<Day>& days) {
    json list = json::array();
    std::vector<long long> all(kBuckets, 0);
    std::map<std::string, std::pair<std::string, long long>> documents;
    for (const auto& d : days) {
        list.push_back(
            {{"day", d.date},
             {"conversations", d.conversations},
             {"ai_resolved", d.ai_resolved},
             {"handed_off", d.handed_off},
             {"first_response_median_ms", optional_ms(histogram_percentile_ms(d.frt, 0.5))},
             {"first_response_p90_ms", optional_ms(histogram_percentile_ms(d.frt, 0.9))}});
        for (int i = 0; i < kBuckets; ++i) all[i] += d.frt[i];
        for (const auto& [id, doc] : d.documents) {
            auto& slot = documents[id];
            slot.first = doc.first;
            slot.second += doc.second;
        }
    }
    std::vector<std::pair<std::string, std::pair<std::string, long long>>> top(documents.begin(),
                                                                               documents.end());
    std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
        return a.second.second != b.second.second ? a.second.second > b.second.second
                                                  : a.second.first < b.second.first;
    });
    if (top.size() > 10) top.resize(10);
    json docs = json::array();
    for (const auto& [id, doc] : top) {
        docs.push_back({{"document_id", id}, {"title", doc.first}, {"citations", doc.second}});
    }
    return {{"days", list},
            {"first_response", first_response(all)},
            {"top_documents", docs},
            {"knowledge_gaps", knowledge_gaps(days)}};
}

asio::awaitable<Response> handle_export(Module& mod, Request& req) {
    auto read = [&req](pqxx::dbtransaction& tx) {
        auto p = period_of(tx, req);
        auto from = p.dates.front();
        auto to = p.dates.back();
        auto n = count_messages(tx, from, to, p.time_zone);
        if (n > kMaxExportRows) {
            throw Error(Errc::unprocessable,
                        "This period holds " + std::to_string(n) +
                            " messages, more than one export carries (" +
                            std::to_string(kMaxExportRows) + "): choose a shorter period.",
                        {}, {{"period", "holds too many messages for one export"}});
        }
        std::string csv =
            "time,conversation_id,customer,phone,direction,sender,type,status,content,ai_mode,"
            "model,prompt_tokens,completion_tokens,cost_usd\r\n";
        for (const auto& r : export_messages(tx, from, to, p.time_zone)) {
            for (std::size_t i = 0; i < r.size(); ++i) {
                if (i) csv += ',';
                csv += store::csv_field(r[i]);
            }
            csv += "\r\n";
        }
        return std::make_pair(csv, "botflow-messages-" + from + "-to-" + to + ".csv");
    };
    auto [csv, name] = co_await mod.db.run(std::move(read));
    auto r = http::no_store(Response::text(200, std::move(csv), "text/csv; charset=utf-8"));
    r.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
    co_return r;
}

}  // namespace

long long histogram_percentile_ms(const std::vector<long long>& buckets, double p) {
    long long total = 0;
    for (auto n : buckets) total += n;
    if (total == 0) return -1;
    auto rank = static_cast<long long>(std::ceil(p * static_cast<double>(total)));
    rank = std::clamp<long long>(rank, 1, total);
    long long seen = 0;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        seen += buckets[i];
        if (seen >= rank) {
            // Bucket 0 also holds everything under 100 ms.
            double low = i == 0 ? 0.0 : 100.0 * std::pow(1.25, static_cast<double>(i));
            double high = 100.0 * std::pow(1.25, static_cast<double>(i + 1));
            return std::llround(i == 0 ? high / 2 : std::sqrt(low * high));
        }
    }
    return -1;
}

void register_module(Module& mod) {
    mod.live_days = std::make_shared<LiveDays>();
    auto& r = mod.router;
    r.add(http::Method::get, "/api/analytics/overview",
          [&mod](Request& req) { return report(mod, req, overview, false); });
    r.add(http::Method::get, "/api/analytics/messages",
          [&mod](Request& req) { return report(mod, req, messages, false); });
    r.add(http::Method::get, "/api/analytics/performance",
          [&mod](Request& req) { return report(mod, req, performance, true); });
    r.add(http::Method::get, "/api/analytics/export",
          [&mod](Request& req) { return handle_export(mod, req); });
}

}  // namespace botflow::analytics
