// The flows' Prometheus counters, per process: runs started and ended (by status) and steps
// taken (by node type and outcome). Counted as the steps are written; a transaction that
// rolls back and is retried counts its steps again. Private to flows/.
#pragma once
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace botflow::flows {

class FlowMetrics {
public:
    void run_started();
    void run_ended(std::string_view status);
    void step(std::string_view node_type, std::string_view outcome);
    /// botflow_flow_runs_started_total, botflow_flow_runs_ended_total and
    /// botflow_flow_steps_total, in the text format.
    std::string render() const;

private:
    mutable std::mutex mutex_;
    unsigned long long started_ = 0;
    std::map<std::string, unsigned long long> ended_;
    std::map<std::pair<std::string, std::string>, unsigned long long> steps_;
};

/// This process's counters.
FlowMetrics& flow_metrics();

}  // namespace botflow::flows
