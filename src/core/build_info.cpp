// Version and commit, defined for this file only so that a new commit rebuilds one object.
#include "botflow/core/embedded.hpp"

namespace botflow {

const char* build_version() noexcept { return BOTFLOW_VERSION; }
const char* build_commit() noexcept { return BOTFLOW_GIT_COMMIT; }

}  // namespace botflow
