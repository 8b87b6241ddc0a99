// Logging set-up: text or JSON lines on stdout, level from config.
#pragma once
#include <exception>
#include <string>
#include <string_view>

namespace botflow::log {

enum class Format { text, json };

/// Installs the process-wide spdlog logger. Call once, before any thread starts.
void init(Format format, std::string_view level);

/// Logs an exception that escaped a spawned coroutine (`event` what="..."), if there is one.
void log_escaped(std::string_view event, std::exception_ptr error);

/// A co_spawn completion handler that logs an escaped exception under `event`.
inline auto log_on_error(std::string_view event) {
    return [event](std::exception_ptr error) { log_escaped(event, error); };
}

/// Renders "event key=value key2=value2" as a JSON object line; exposed for tests.
std::string render_json_line(std::string_view timestamp, std::string_view level,
                             std::string_view message);

}  // namespace botflow::log
