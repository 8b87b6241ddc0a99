#include "support/runner.hpp"

namespace botflow::test {

using namespace std::chrono_literals;

RunnerHarness::RunnerHarness(const std::string& database_url, int pool_size)
    : url_(database_url), pool_(Secret(database_url), pool_size) {}

void RunnerHarness::stop() {
    if (runner_) runner_->stop();
    if (thread_.joinable()) {
        for (int i = 0; i < 100 && runner_ && runner_->running() > 0; ++i) {
            std::this_thread::sleep_for(10ms);
        }
        io_.stop();
        thread_.join();
    }
    if (runner_) runner_->join();
    runner_.reset();
    pool_.shutdown();
}

jobs::JobRunner& RunnerHarness::start(jobs::RunnerOptions options,
                                      const std::function<void(jobs::JobRunner&)>& add) {
    options.schedule_maintenance = false;
    runner_ = std::make_unique<jobs::JobRunner>(io_, pool_, Secret(url_), options);
    add(*runner_);
    runner_->start();
    thread_ = std::thread([this] {
        auto guard = asio::make_work_guard(io_);
        io_.run();
    });
    return *runner_;
}

}  // namespace botflow::test
