#include "support/fake_llm.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "support/http_client.hpp"
#include "support/process.hpp"

namespace botflow::test {

FakeLlm::FakeLlm(const std::string& token) {
    std::vector<std::string> args;
    if (!token.empty()) args = {"--token", token};
    pid_ = start_fake("llm_api.py", args, port_);
}

FakeLlm::~FakeLlm() { stop_fake(pid_); }

std::string FakeLlm::base_url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

void FakeLlm::rules(const nlohmann::json& rules) {
    auto r = request(port_, "POST", "/_fake/rules", {{"Content-Type", "application/json"}},
                     nlohmann::json{{"rules", rules}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
}

nlohmann::json FakeLlm::requests() const {
    return nlohmann::json::parse(request(port_, "GET", "/_fake/requests").body);
}

nlohmann::json FakeLlm::stats() const {
    return nlohmann::json::parse(request(port_, "GET", "/_fake/stats").body);
}

void FakeLlm::clear() { request(port_, "DELETE", "/_fake/requests"); }

}  // namespace botflow::test
