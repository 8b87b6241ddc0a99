#include "support/knowledge.hpp"

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace botflow::test {

std::string corpus_file(const std::string& name) {
    std::ifstream in(std::string(BOTFLOW_SOURCE_DIR) + "/bench/retrieval/docs/" + name,
                     std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

HttpResponse upload(std::uint16_t port, const std::string& token, const std::string& filename,
                    const std::string& bytes, const std::string& title,
                    const std::string& replace_id) {
    std::vector<std::pair<std::string, std::string>> fields;
    if (!title.empty()) fields.emplace_back("title", title);
    return send_file(port, token, replace_id.empty() ? "POST" : "PUT",
                     replace_id.empty() ? "/api/documents" : "/api/documents/" + replace_id,
                     filename, bytes, fields);
}

nlohmann::json wait_processed(std::uint16_t port, const std::string& token, const std::string& id) {
    nlohmann::json doc;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < until) {
        auto r =
            request(port, "GET", "/api/documents/" + id, {{"Authorization", "Bearer " + token}});
        if (r.status == 200) {
            doc = nlohmann::json::parse(r.body);
            if (doc["status"] != "processing") return doc;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return doc;
}

}  // namespace botflow::test
