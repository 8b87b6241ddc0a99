// Uploading documents in tests: multipart bodies, and waiting for extraction to finish.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "support/http_client.hpp"

namespace botflow::test {

/// A file from bench/retrieval/docs/.
std::string corpus_file(const std::string& name);

/// POSTs (or PUTs, to replace `id`) `bytes` as the form's file part.
HttpResponse upload(std::uint16_t port, const std::string& token, const std::string& filename,
                    const std::string& bytes, const std::string& title = "",
                    const std::string& replace_id = "");

/// Polls GET /api/documents/:id until its status is not "processing" (up to 30 s); returns it.
nlohmann::json wait_processed(std::uint16_t port, const std::string& token, const std::string& id);

}  // namespace botflow::test
