// The real job runner in the test process, on an io_context thread of its own, against a test
// database: for tests whose handlers (or turn responders) are the test's own.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "botflow/core/asio.hpp"
#include "botflow/jobs/runner.hpp"
#include "botflow/store/db.hpp"

namespace botflow::test {

class RunnerHarness {
public:
    explicit RunnerHarness(const std::string& database_url, int pool_size = 4);
    ~RunnerHarness() { stop(); }
    RunnerHarness(const RunnerHarness&) = delete;
    RunnerHarness& operator=(const RunnerHarness&) = delete;

    store::Db& pool() { return pool_; }
    /// Makes the runner (maintenance off), lets `add` register its kinds, starts it and the
    /// loop. Once only.
    jobs::JobRunner& start(jobs::RunnerOptions options,
                           const std::function<void(jobs::JobRunner&)>& add);
    jobs::JobRunner* runner() { return runner_.get(); }
    /// Stops the runner, lets running handlers finish (up to a second), then the loop.
    /// Idempotent; call it before whatever the handlers use goes away.
    void stop();

private:
    std::string url_;
    asio::io_context io_;
    store::Db pool_;
    std::unique_ptr<jobs::JobRunner> runner_;
    std::thread thread_;
};

}  // namespace botflow::test
