#include "botflow/http/router.hpp"

#include <gtest/gtest.h>

namespace botflow::http {
namespace {

Handler noop() {
    return [](Request&) -> asio::awaitable<Response> { co_return Response::no_content(); };
}

TEST(Router, MatchesLiteralPath) {
    Router r;
    r.add(Method::get, "/api/health", noop());
    auto m = r.match(Method::get, "/api/health");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->pattern, "/api/health");
}

TEST(Router, ExtractsDecodedParameters) {
    Router r;
    r.add(Method::get, "/api/conversations/:id/messages/:mid", noop());
    auto m = r.match(Method::get, "/api/conversations/abc%20def/messages/42");
    ASSERT_NE(m.route, nullptr);
    ASSERT_EQ(m.params.size(), 2u);
    EXPECT_EQ(m.params[0], (std::pair<std::string, std::string>{"id", "abc def"}));
    EXPECT_EQ(m.params[1], (std::pair<std::string, std::string>{"mid", "42"}));
}

TEST(Router, LiteralSegmentBeatsParameter) {
    Router r;
    r.add(Method::get, "/api/users/:id", noop());
    r.add(Method::get, "/api/users/me", noop());
    EXPECT_EQ(r.match(Method::get, "/api/users/me").route->pattern, "/api/users/me");
    EXPECT_EQ(r.match(Method::get, "/api/users/7").route->pattern, "/api/users/:id");
}

TEST(Router, EmptyParameterDoesNotMatch) {
    Router r;
    r.add(Method::get, "/api/users/:id", noop());
    EXPECT_EQ(r.match(Method::get, "/api/users/").route, nullptr);
}

TEST(Router, MalformedEscapeInParameterDoesNotMatch) {
    Router r;
    r.add(Method::get, "/api/users/:id", noop());
    auto m = r.match(Method::get, "/api/users/%zz");
    EXPECT_EQ(m.route, nullptr);
    EXPECT_TRUE(m.allowed.empty());
}

TEST(Router, UnknownPathHasNoAllowedMethods) {
    Router r;
    r.add(Method::get, "/api/health", noop());
    auto m = r.match(Method::get, "/api/nope");
    EXPECT_EQ(m.route, nullptr);
    EXPECT_TRUE(m.allowed.empty());
}

TEST(Router, WrongMethodListsAllowedMethods) {
    Router r;
    r.add(Method::get, "/api/items/:id", noop());
    r.add(Method::patch, "/api/items/:id", noop());
    auto m = r.match(Method::post, "/api/items/1");
    EXPECT_EQ(m.route, nullptr);
    EXPECT_EQ(m.allowed, (std::vector<Method>{Method::get, Method::patch, Method::head}));
}

TEST(Router, HeadUsesTheGetRoute) {
    Router r;
    r.add(Method::get, "/api/health", noop());
    EXPECT_NE(r.match(Method::head, "/api/health").route, nullptr);
}

TEST(Router, RejectsDuplicatesAndBadPatterns) {
    Router r;
    r.add(Method::get, "/api/items/:id", noop());
    EXPECT_THROW(r.add(Method::get, "/api/items/:other", noop()), std::invalid_argument);
    EXPECT_THROW(r.add(Method::get, "api/items", noop()), std::invalid_argument);
    EXPECT_THROW(r.add(Method::get, "/api/:", noop()), std::invalid_argument);
    EXPECT_NO_THROW(r.add(Method::post, "/api/items/:id", noop()));
}

TEST(Router, KeepsPerRouteBodyLimit) {
    Router r;
    r.add(Method::post, "/api/webhook", noop(), RouteOptions{4 * 1024 * 1024});
    EXPECT_EQ(r.match(Method::post, "/api/webhook").route->options.max_body, 4u * 1024 * 1024);
}

TEST(Request, QueryParametersAreDecoded) {
    Request req;
    req.query = "q=hello+world&limit=10&empty&x=%41%42";
    EXPECT_EQ(req.query_param("q"), "hello world");
    EXPECT_EQ(req.query_param("limit"), "10");
    EXPECT_EQ(req.query_param("empty"), "");
    EXPECT_EQ(req.query_param("x"), "AB");
    EXPECT_EQ(req.query_param("missing"), std::nullopt);
}

}  // namespace
}  // namespace botflow::http
