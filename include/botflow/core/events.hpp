// Events for the live feed: {"type", "ts", "data"} published on Redis, so that every replica
// can hand them to the browsers connected to it. Best effort: a lost event costs a refresh,
// never a message.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace botflow {
class App;
}

namespace botflow::events {

/// The Redis channel events go out on: "<REDIS_KEY_PREFIX>events".
std::string channel(const App& app);

/// Publishes without waiting; never throws. Any thread.
void publish(App& app, std::string type, nlohmann::json data);

}  // namespace botflow::events
