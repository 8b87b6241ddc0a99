// Route registration of the knowledge base.
#pragma once

namespace botflow {
class App;
}

namespace botflow::knowledge {

/// /api/documents, /api/documents/text, /api/documents/:id, POST /api/documents/search.
void register_routes(App& app);

}  // namespace botflow::knowledge
