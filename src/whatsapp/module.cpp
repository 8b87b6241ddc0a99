#include "whatsapp/registration.hpp"

namespace botflow::whatsapp {

void register_module(Module& mod) {
    register_settings_routes(mod);
    register_jobs(mod);
}

}  // namespace botflow::whatsapp
