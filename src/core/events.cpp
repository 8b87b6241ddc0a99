#include "botflow/core/events.hpp"

#include <chrono>

#include "botflow/core/app.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"

namespace botflow::events {
namespace {

asio::awaitable<void> send(App& app, std::string channel, std::string text) {
    try {
        std::vector<std::string> args{"PUBLISH", std::move(channel), std::move(text)};
        co_await app.redis.command(std::move(args));
    } catch (const Error& e) {
        spdlog::debug("events.publish_failed cause=\"{}\"", e.cause());
    }
}

}  // namespace

std::string channel(const App& app) { return app.config.redis_prefix + "events"; }

void publish(App& app, std::string type, nlohmann::json data) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    nlohmann::json event{{"type", std::move(type)}, {"ts", ms}, {"data", std::move(data)}};
    auto text = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    asio::co_spawn(app.io, send(app, channel(app), std::move(text)), asio::detached);
}

}  // namespace botflow::events
