#include "support/fake_graph.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "botflow/core/encoding.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

namespace botflow::test {

FakeGraph::FakeGraph(const std::string& token) {
    pid_ = start_fake("graph_api.py", {"--token", token}, port_);
}

FakeGraph::~FakeGraph() { stop_fake(pid_); }

std::string FakeGraph::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeGraph::rules(const nlohmann::json& rules) {
    auto r = request(port_, "POST", "/_fake/rules", {{"Content-Type", "application/json"}},
                     nlohmann::json{{"rules", rules}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
}

void FakeGraph::add_phone_number(const std::string& id, const std::string& display_phone_number,
                                 const std::string& verified_name,
                                 const std::string& quality_rating) {
    nlohmann::json body = {{"id", id},
                           {"display_phone_number", display_phone_number},
                           {"verified_name", verified_name},
                           {"quality_rating", quality_rating}};
    auto r = request(port_, "POST", "/_fake/phone_numbers", {{"Content-Type", "application/json"}},
                     body.dump());
    EXPECT_EQ(r.status, 200) << r.body;
}

void FakeGraph::add_media(const std::string& id, const std::string& mime_type,
                          const std::string& bytes, const std::string& sha256_override) {
    auto b64 = base64url_encode(bytes);
    for (auto& c : b64) {
        if (c == '-') c = '+';
        if (c == '_') c = '/';
    }
    while (b64.size() % 4) b64 += '=';
    nlohmann::json body = {{"id", id}, {"mime_type", mime_type}, {"base64", b64}};
    if (!sha256_override.empty()) body["sha256"] = sha256_override;
    auto r =
        request(port_, "POST", "/_fake/media", {{"Content-Type", "application/json"}}, body.dump());
    EXPECT_EQ(r.status, 200) << r.body;
}

nlohmann::json FakeGraph::requests() const {
    return nlohmann::json::parse(request(port_, "GET", "/_fake/requests").body);
}

nlohmann::json FakeGraph::sent() const {
    return nlohmann::json::parse(request(port_, "GET", "/_fake/sent").body);
}

void FakeGraph::clear() { request(port_, "DELETE", "/_fake/requests"); }

}  // namespace botflow::test
