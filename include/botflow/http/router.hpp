// Method + path template -> handler, with `:name` parameters; 404 and 405 decisions.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "botflow/core/asio.hpp"
#include "botflow/http/request.hpp"
#include "botflow/http/response.hpp"

namespace botflow::http {

using Handler = std::function<asio::awaitable<Response>(Request&)>;

inline constexpr std::size_t kDefaultBodyLimit = 1024 * 1024;

/// Who may call a route. Routes need a signed-in user unless they say otherwise, so a route
/// added later is closed by default.
enum class Access { public_, user, owner };

struct RouteOptions {
    std::size_t max_body = kDefaultBodyLimit;
    Access access = Access::user;
    std::string too_large;  // what a 413 adds, e.g. "Files may be 10 MiB (KB_MAX_FILE_MB)."
};

struct Route {
    Method method;
    std::string pattern;  // "/api/conversations/:id"
    Handler handler;
    RouteOptions options;
    std::vector<std::string> segments;  // pattern split on '/'
};

struct Match {
    const Route* route = nullptr;  // null: no route for this method
    std::vector<std::pair<std::string, std::string>> params;
    std::vector<Method> allowed;  // methods the path has, when `route` is null
};

class Router {
public:
    /// Adds a route. Throws std::invalid_argument for a malformed pattern or a duplicate.
    void add(Method method, std::string pattern, Handler handler, RouteOptions options = {});

    /// Literal segments win over parameters, so "/api/users/me" beats "/api/users/:id".
    /// HEAD matches a GET route. Parameters are returned percent-decoded.
    Match match(Method method, std::string_view path) const;

    const std::vector<Route>& routes() const noexcept { return routes_; }

private:
    std::vector<Route> routes_;
};

}  // namespace botflow::http
