// The live feed module: GET /api/ws, its sockets and their hub.
#pragma once
#include <memory>

#include "botflow/auth/sessions.hpp"
#include "botflow/config/config.hpp"
#include "botflow/core/asio.hpp"
#include "botflow/events/bus.hpp"
#include "botflow/http/router.hpp"

namespace botflow::auth {
struct Module;
}  // namespace botflow::auth

namespace botflow::ws {

class Hub;
struct Feed;

/// What the module works with; owned by the application, outlives the server.
struct Module {
    const config::Config& config;
    asio::io_context& io;
    http::Router& router;
    auth::Sessions& sessions;
    auth::Module& auth;  // signs the socket in as any route
    Hub& hub;
    events::Bus& bus;
    /// The sockets' shards and the sessions checked lately (src/ws); made by register_module,
    /// destroyed before the io_context.
    std::shared_ptr<Feed> feed;
};

/// GET /api/ws.
void register_module(Module& mod);

}  // namespace botflow::ws
