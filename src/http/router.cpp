#include "botflow/http/router.hpp"

#include <stdexcept>

#include "botflow/core/encoding.hpp"

namespace botflow::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    while (true) {
        auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

// Matches `parts` against a route's segments; fills params and returns a score where each
// literal segment counts more than a parameter, or -1.
int score(const Route& route, const std::vector<std::string_view>& parts,
          std::vector<std::pair<std::string, std::string>>* params) {
    if (route.segments.size() != parts.size()) return -1;
    int s = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string& seg = route.segments[i];
        if (!seg.empty() && seg.front() == ':') {
            if (parts[i].empty()) return -1;
            if (params) {
                auto decoded = percent_decode(parts[i]);
                if (!decoded) return -1;
                params->emplace_back(seg.substr(1), std::move(*decoded));
            }
            s = s * 2;
        } else {
            if (seg != parts[i]) return -1;
            s = s * 2 + 1;
        }
    }
    return s;
}

}  // namespace

void Router::add(Method method, std::string pattern, Handler handler, RouteOptions options) {
    if (pattern.empty() || pattern.front() != '/') {
        throw std::invalid_argument("route pattern must start with '/': " + pattern);
    }
    Route route{method, pattern, std::move(handler), options, {}};
    for (auto seg : split_path(pattern)) {
        if (seg == ":") throw std::invalid_argument("unnamed parameter in " + pattern);
        route.segments.emplace_back(seg);
    }
    for (const auto& r : routes_) {
        if (r.method == method && r.segments.size() == route.segments.size()) {
            bool same = true;
            for (std::size_t i = 0; i < r.segments.size() && same; ++i) {
                bool a_param = !r.segments[i].empty() && r.segments[i][0] == ':';
                bool b_param = !route.segments[i].empty() && route.segments[i][0] == ':';
                same = (a_param && b_param) || r.segments[i] == route.segments[i];
            }
            if (same) throw std::invalid_argument("duplicate route " + pattern);
        }
    }
    routes_.push_back(std::move(route));
}

Match Router::match(Method method, std::string_view path) const {
    Match m;
    auto parts = split_path(path);
    Method wanted = method == Method::head ? Method::get : method;
    int best = -1;
    for (const auto& route : routes_) {
        int s = score(route, parts, nullptr);
        if (s < 0) continue;
        if (std::find(m.allowed.begin(), m.allowed.end(), route.method) == m.allowed.end()) {
            m.allowed.push_back(route.method);
        }
        if (route.method == wanted && s > best) {
            best = s;
            m.route = &route;
        }
    }
    if (m.route) {
        if (score(*m.route, parts, &m.params) < 0) {  // a malformed %-escape in a parameter
            m.route = nullptr;
            m.params.clear();
        }
        m.allowed.clear();
    } else if (std::find(m.allowed.begin(), m.allowed.end(), Method::get) != m.allowed.end()) {
        m.allowed.push_back(Method::head);
    }
    return m;
}

}  // namespace botflow::http
