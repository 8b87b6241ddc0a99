// The OpenAPI document must describe every route the server registers.
#include <gtest/gtest.h>

#include <set>

#include "botflow/app/app.hpp"

namespace botflow {
namespace {

std::string openapi_path(const std::string& pattern) {
    std::string out;
    std::size_t i = 0;
    while (i < pattern.size()) {
        if (pattern[i] == ':') {
            auto end = pattern.find('/', i);
            if (end == std::string::npos) end = pattern.size();
            out += "{" + pattern.substr(i + 1, end - i - 1) + "}";
            i = end;
        } else {
            out += pattern[i++];
        }
    }
    return out;
}

std::string lower_method(http::Method m) {
    std::string s(http::method_name(m));
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Builds no connection: App connects only in serve().
config::Config test_config() {
    auto result = config::load({{"DATABASE_URL", "postgresql://u@127.0.0.1:1/x"},
                                {"REDIS_URL", "redis://127.0.0.1:1"},
                                {"JWT_SECRET", "0123456789abcdef0123456789abcdef"}},
                               config::Purpose::serve);
    return std::get<config::Config>(std::move(result));
}

TEST(OpenApi, DocumentsEveryRegisteredRoute) {
    App app(test_config());
    const auto& doc = openapi_document();
    ASSERT_FALSE(app.router.routes().empty());
    for (const auto& route : app.router.routes()) {
        auto path = openapi_path(route.pattern);
        ASSERT_TRUE(doc["paths"].contains(path)) << "missing path " << path;
        EXPECT_TRUE(doc["paths"][path].contains(lower_method(route.method)))
            << "missing " << lower_method(route.method) << " " << path;
    }
}

TEST(OpenApi, DocumentsNoRouteThatDoesNotExist) {
    App app(test_config());
    for (const auto& [path, ops] : openapi_document()["paths"].items()) {
        for (const auto& [method, op] : ops.items()) {
            // Path-level keys (parameters, summary) are not operations.
            static const std::set<std::string> kMethods = {"get",   "put",  "post",   "delete",
                                                           "patch", "head", "options"};
            if (!kMethods.count(method)) continue;
            bool found = false;
            for (const auto& route : app.router.routes()) {
                found = found || (openapi_path(route.pattern) == path &&
                                  lower_method(route.method) == method);
            }
            EXPECT_TRUE(found) << method << " " << path << " is documented but not served";
        }
    }
}

TEST(OpenApi, PathParametersAreTranslated) {
    EXPECT_EQ(openapi_path("/api/conversations/:id/messages"), "/api/conversations/{id}/messages");
}

}  // namespace
}  // namespace botflow
