#include "ai/registration.hpp"

namespace botflow::ai {

void register_module(Module& mod) {
    register_settings_routes(mod);
    register_preview_routes(mod);
    register_responders(mod);
}

}  // namespace botflow::ai
