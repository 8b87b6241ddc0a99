// Registration of the job queue's routes and of the job kinds it owns itself.
#pragma once

namespace botflow {
class App;
}

namespace botflow::jobs {

/// GET /api/jobs, POST /api/jobs/:id/retry (owner).
void register_routes(App& app);
/// jobs.prune: deletes old finished jobs and stale pending statuses (scheduled hourly).
void register_handlers(App& app);

}  // namespace botflow::jobs
