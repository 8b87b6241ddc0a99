#include "flows/metrics.hpp"

#include <fmt/format.h>

#include "botflow/http/metrics.hpp"

namespace botflow::flows {

void FlowMetrics::run_started() {
    std::lock_guard lock(mutex_);
    ++started_;
}

void FlowMetrics::run_ended(std::string_view status) {
    std::lock_guard lock(mutex_);
    ++ended_[std::string(status)];
}

void FlowMetrics::step(std::string_view node_type, std::string_view outcome) {
    std::lock_guard lock(mutex_);
    ++steps_[{std::string(node_type), std::string(outcome)}];
}

std::string FlowMetrics::render() const {
    std::lock_guard lock(mutex_);
    std::string out =
        "# HELP botflow_flow_runs_started_total Flow runs started (tests of drafts included).\n"
        "# TYPE botflow_flow_runs_started_total counter\n";
    out += fmt::format("botflow_flow_runs_started_total {}\n", started_);
    out +=
        "# HELP botflow_flow_runs_ended_total Flow runs ended, by how they ended.\n"
        "# TYPE botflow_flow_runs_ended_total counter\n";
    for (const auto& [status, n] : ended_) {
        out += fmt::format("botflow_flow_runs_ended_total{{status=\"{}\"}} {}\n",
                           http::prometheus_label(status), n);
    }
    out +=
        "# HELP botflow_flow_steps_total Flow steps taken, by node type and outcome.\n"
        "# TYPE botflow_flow_steps_total counter\n";
    for (const auto& [key, n] : steps_) {
        out +=
            fmt::format("botflow_flow_steps_total{{type=\"{}\",outcome=\"{}\"}} {}\n",
                        http::prometheus_label(key.first), http::prometheus_label(key.second), n);
    }
    return out;
}

FlowMetrics& flow_metrics() {
    static FlowMetrics metrics;
    return metrics;
}

}  // namespace botflow::flows
