// GET /api/ws: the dashboard's live feed. Signed-in users only (the session cookie from our
// own origin, or "bearer.<token>" in Sec-WebSocket-Protocol); JSON envelopes {"id", "type",
// "ts", "data"}; commands subscribe, unsubscribe, typing and ping; ?since= resumes from the
// replay buffer; a bounded send queue per client (1013 when it cannot keep up).
#pragma once

namespace botflow {
class App;
}

namespace botflow::ws {

void register_routes(App& app);

}  // namespace botflow::ws
