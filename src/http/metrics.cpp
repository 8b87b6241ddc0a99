#include "botflow/http/metrics.hpp"

#include <fmt/format.h>

namespace botflow::http {

std::string prometheus_label(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\' || c == '"') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

void Metrics::observe(std::string_view method, std::string_view route, int status, double seconds) {
    std::lock_guard lock(mutex_);
    auto key = std::make_tuple(std::string(method), std::string(route), status);
    ++requests_[key];
    auto it = latency_.find(std::get<1>(key));
    if (it == latency_.end()) it = latency_.emplace(std::get<1>(key), Histogram{}).first;
    Histogram& h = it->second;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        if (seconds <= kBuckets[i]) ++h.buckets[i];
    }
    ++h.count;
    h.sum += seconds;
}

std::string Metrics::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    out += "# HELP botflow_http_requests_total HTTP requests answered, by route and status.\n";
    out += "# TYPE botflow_http_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
        out += fmt::format(
            "botflow_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
            prometheus_label(std::get<0>(key)), prometheus_label(std::get<1>(key)),
            std::get<2>(key), n);
    }
    out +=
        "# HELP botflow_http_request_duration_seconds Time from request read to response "
        "written.\n";
    out += "# TYPE botflow_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
        auto label = prometheus_label(route);
        for (std::size_t i = 0; i < kBuckets.size(); ++i) {
            out += fmt::format(
                "botflow_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                label, kBuckets[i], h.buckets[i]);
        }
        out += fmt::format(
            "botflow_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", label,
            h.count);
        out += fmt::format("botflow_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", label,
                           h.sum);
        out += fmt::format("botflow_http_request_duration_seconds_count{{route=\"{}\"}} {}\n",
                           label, h.count);
    }
    for (const auto& source : sources_) out += source();
    return out;
}

void Metrics::add_source(std::function<std::string()> render) {
    std::lock_guard lock(mutex_);
    sources_.push_back(std::move(render));
}

}  // namespace botflow::http
