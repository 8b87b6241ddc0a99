#include "botflow/conversations/dispatcher.hpp"
#include "botflow/jobs/runner.hpp"
#include "conversations/registration.hpp"

namespace botflow::conversations {

void register_module(Module& mod) {
    register_webhook_routes(mod);
    register_conversation_routes(mod);
    register_message_routes(mod);
    register_simulator_routes(mod);
    mod.turns.register_jobs(mod.jobs);
}

}  // namespace botflow::conversations
