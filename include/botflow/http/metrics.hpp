// Request counters and latency histograms, rendered in the Prometheus text format.
#pragma once
#include <array>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace botflow::http {

class Metrics {
public:
    /// Records one answered request. `route` is the route template ("static" for files,
    /// "unmatched" for 404s), so label cardinality stays bounded.
    void observe(std::string_view method, std::string_view route, int status, double seconds);

    /// botflow_http_requests_total and botflow_http_request_duration_seconds, then what each
    /// source renders, in text format.
    std::string render() const;

    /// Adds a module's own metrics, rendered (in text format) at every scrape. Before the
    /// server starts only.
    void add_source(std::function<std::string()> render);

    static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                        0.1,   0.25,   0.5,   1,    2.5,   10};

private:
    struct Histogram {
        std::array<unsigned long long, kBuckets.size()> buckets{};
        unsigned long long count = 0;
        double sum = 0;
    };
    mutable std::mutex mutex_;
    std::map<std::tuple<std::string, std::string, int>, unsigned long long> requests_;
    std::map<std::string, Histogram> latency_;
    std::vector<std::function<std::string()>> sources_;
};

/// Escapes a Prometheus label value (backslash, quote, newline).
std::string prometheus_label(std::string_view value);

}  // namespace botflow::http
