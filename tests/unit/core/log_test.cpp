#include "botflow/core/log.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "botflow/core/secret.hpp"

namespace botflow::log {
namespace {

TEST(JsonLog, StructuredMessagesBecomeFields) {
    auto line = render_json_line("2026-01-01T00:00:00.000Z", "info",
                                 "http.request request_id=abc status=200 ms=1.5");
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["event"], "http.request");
    EXPECT_EQ(j["request_id"], "abc");
    EXPECT_EQ(j["status"], "200");
    EXPECT_EQ(j["level"], "info");
    EXPECT_EQ(j["msg"], "http.request request_id=abc status=200 ms=1.5");
}

TEST(JsonLog, FreeTextAndHostileBytesStayValidJson) {
    auto line = render_json_line("t", "warn", "some \"quoted\" text \xff with\nnewline");
    auto j = nlohmann::json::parse(line);
    EXPECT_FALSE(j.contains("event"));
    EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(JsonLog, ReservedKeysCannotBeOverwritten) {
    auto j = nlohmann::json::parse(render_json_line("t", "info", "a.b level=fake ts=x"));
    EXPECT_EQ(j["level"], "info");
    EXPECT_EQ(j["level_"], "fake");
}

TEST(SecretFormat, NeverPrintsTheValue) {
    EXPECT_EQ(fmt::format("token={}", Secret("hunter2")), "token=[redacted]");
}

}  // namespace
}  // namespace botflow::log
