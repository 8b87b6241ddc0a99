#include "botflow/core/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace botflow::log {
namespace {

// One JSON object per line: {"ts","level","event", key=value fields..., "msg"}. Messages follow
// "module.event key=value ..."; values run to the next space. Anything else stays in "msg".
class JsonFormatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        auto time = std::chrono::system_clock::to_time_t(msg.time);
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch())
                      .count() %
                  1000;
        std::tm tm{};
        gmtime_r(&time, &tm);
        char ts[64];
        std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                      static_cast<int>(ms));
        auto level = spdlog::level::to_string_view(msg.level);
        std::string line =
            render_json_line(ts, std::string_view(level.data(), level.size()),
                             std::string_view(msg.payload.data(), msg.payload.size()));
        line.push_back('\n');
        dest.append(line.data(), line.data() + line.size());
    }
    std::unique_ptr<spdlog::formatter> clone() const override {
        return std::make_unique<JsonFormatter>();
    }
};

bool is_event_name(std::string_view s) {
    if (s.empty() || s.find('.') == std::string_view::npos) return false;
    for (char c : s) {
        if (!(std::islower(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
              std::isdigit(static_cast<unsigned char>(c))))
            return false;
    }
    return true;
}

}  // namespace

std::string render_json_line(std::string_view timestamp, std::string_view level,
                             std::string_view message) {
    nlohmann::ordered_json j;
    j["ts"] = timestamp;
    j["level"] = level;
    auto first_space = message.find(' ');
    auto head = message.substr(0, first_space);
    bool structured = is_event_name(head);
    if (structured) {
        j["event"] = head;
        std::string_view rest = first_space == std::string_view::npos
                                    ? std::string_view{}
                                    : message.substr(first_space + 1);
        while (!rest.empty()) {
            auto end = rest.find(' ');
            auto token = rest.substr(0, end);
            auto eq = token.find('=');
            if (eq == std::string_view::npos || eq == 0) {
                structured = false;
                break;
            }
            std::string key(token.substr(0, eq));
            if (key == "ts" || key == "level" || key == "event" || key == "msg") key += "_";
            j[key] = token.substr(eq + 1);
            rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
        }
    }
    if (!structured) {
        j.erase("event");
        for (auto it = j.begin(); it != j.end();) {
            if (it.key() != "ts" && it.key() != "level") {
                it = j.erase(it);
            } else {
                ++it;
            }
        }
    }
    j["msg"] = message;
    // Invalid UTF-8 in a message (a customer's bytes) must not throw: replace it.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void log_escaped(std::string_view event, std::exception_ptr error) {
    if (!error) return;
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        spdlog::error("{} what=\"{}\"", event, e.what());
    } catch (...) {
        spdlog::error("{} what=unknown", event);
    }
}

void init(Format format, std::string_view level) {
    auto sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    auto logger = std::make_shared<spdlog::logger>("botflow", sink);
    if (format == Format::json) {
        logger->set_formatter(std::make_unique<JsonFormatter>());
    } else {
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
    }
    logger->set_level(spdlog::level::from_str(std::string(level)));
    // A line per request: flushing each would cost a write(2) per request under load.
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(logger);
    spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace botflow::log
