#include "http/problem.hpp"

#include <gtest/gtest.h>

namespace botflow::http {
namespace {

TEST(Problem, EveryCodeHasItsStatus) {
    EXPECT_EQ(status_of(Errc::bad_request), 400);
    EXPECT_EQ(status_of(Errc::unauthorized), 401);
    EXPECT_EQ(status_of(Errc::forbidden), 403);
    EXPECT_EQ(status_of(Errc::not_found), 404);
    EXPECT_EQ(status_of(Errc::method_not_allowed), 405);
    EXPECT_EQ(status_of(Errc::conflict), 409);
    EXPECT_EQ(status_of(Errc::payload_too_large), 413);
    EXPECT_EQ(status_of(Errc::unsupported_media_type), 415);
    EXPECT_EQ(status_of(Errc::unprocessable), 422);
    EXPECT_EQ(status_of(Errc::header_too_large), 431);
    EXPECT_EQ(status_of(Errc::rate_limited), 429);
    EXPECT_EQ(status_of(Errc::internal), 500);
    EXPECT_EQ(status_of(Errc::upstream_failed), 502);
    EXPECT_EQ(status_of(Errc::unavailable), 503);
}

TEST(Problem, BodyFollowsRfc9457) {
    Error e(Errc::unprocessable, "phone must be E.164", "internal cause",
            {{"phone", "must start with +"}});
    auto r = problem_response(e, "/api/customers", "req-1");
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["type"], "urn:botflow:problem:unprocessable");
    EXPECT_EQ(body["title"], "Unprocessable Content");
    EXPECT_EQ(body["status"], 422);
    EXPECT_EQ(body["detail"], "phone must be E.164");
    EXPECT_EQ(body["instance"], "/api/customers");
    EXPECT_EQ(body["request_id"], "req-1");
    EXPECT_EQ(body["errors"][0]["field"], "phone");
    EXPECT_EQ(body["errors"][0]["message"], "must start with +");
}

TEST(Problem, CauseNeverLeavesTheProcess) {
    Error e(Errc::unavailable, "try again", "password=hunter2 host=db");
    auto r = problem_response(e, "/x", "id");
    EXPECT_EQ(r.body.find("hunter2"), std::string::npos);
}

TEST(Problem, HeadersAndExtensionsAreCarried) {
    auto e = Error(Errc::method_not_allowed, "use GET")
                 .with_header("Allow", "GET, HEAD")
                 .with_extension("checks", {{"redis", "ok"}});
    auto r = problem_response(e, "/x", "id");
    EXPECT_EQ(r.header("allow"), "GET, HEAD");
    EXPECT_EQ(nlohmann::json::parse(r.body)["checks"]["redis"], "ok");
}

TEST(Problem, UnknownExceptionsAreOpaque500s) {
    auto r = problem_from_exception(
        std::make_exception_ptr(std::runtime_error("secret stack detail")), "/x", "id");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body.find("secret stack detail"), std::string::npos);
    EXPECT_EQ(nlohmann::json::parse(r.body)["type"], "urn:botflow:problem:internal");
}

TEST(Problem, InvalidUtf8InDetailDoesNotThrow) {
    Error e(Errc::bad_request, std::string("bad \xff\xfe bytes"));
    EXPECT_NO_THROW(problem_response(e, "/x", "id"));
}

}  // namespace
}  // namespace botflow::http

#include "botflow/store/conversation_repo.hpp"

namespace botflow::store {
namespace {

TEST(CsvField, QuotesOnlyWhatNeedsIt) {
    EXPECT_EQ(csv_field("plain"), "plain");
    EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
    EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
}

TEST(CsvField, DefusesSpreadsheetFormulas) {
    EXPECT_EQ(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    EXPECT_EQ(csv_field("+1 555"), "'+1 555");
    EXPECT_EQ(csv_field("-2"), "'-2");
    EXPECT_EQ(csv_field("@SUM(A1)"), "'@SUM(A1)");
}

}  // namespace
}  // namespace botflow::store
