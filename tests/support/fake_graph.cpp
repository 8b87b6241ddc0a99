#include "support/fake_graph.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "botflow/auth/jwt.hpp"
#include "support/http_client.hpp"

namespace botflow::test {

FakeGraph::FakeGraph(const std::string& token) {
    int out[2];
    if (pipe(out) != 0) {
        ADD_FAILURE() << "pipe: " << std::strerror(errno);
        return;
    }
    std::string script = std::string(BOTFLOW_SOURCE_DIR) + "/tests/fakes/graph_api.py";
    pid_ = fork();
    if (pid_ == 0) {
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        execlp("python3", "python3", script.c_str(), "--token", token.c_str(),
               static_cast<char*>(nullptr));
        _exit(127);
    }
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    char line[128] = {};
    if (f && std::fgets(line, sizeof line, f) && std::sscanf(line, "listening %hu", &port_) == 1) {
        // Keep reading nothing more; the fake prints only that line.
    } else {
        ADD_FAILURE() << "the fake Graph API did not start (python3 " << script << ")";
    }
    if (f) std::fclose(f);
}

FakeGraph::~FakeGraph() {
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
}

std::string FakeGraph::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeGraph::rules(const nlohmann::json& rules) {
    auto r = request(port_, "POST", "/_fake/rules", {{"Content-Type", "application/json"}},
                     nlohmann::json{{"rules", rules}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
}

void FakeGraph::add_media(const std::string& id, const std::string& mime_type,
                          const std::string& bytes, const std::string& sha256_override) {
    auto b64 = auth::base64url_encode(bytes);
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
