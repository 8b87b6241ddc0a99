// The whatsapp module's parts, registered by register_module (src/whatsapp/module.cpp).
#pragma once
#include "botflow/whatsapp/module.hpp"

namespace botflow::whatsapp {

/// GET and PUT /api/settings/whatsapp, POST /api/settings/whatsapp/check.
void register_settings_routes(Module& mod);
/// The whatsapp_send and media_fetch job kinds.
void register_jobs(Module& mod);

}  // namespace botflow::whatsapp
