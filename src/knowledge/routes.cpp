// /api/documents: the knowledge base (uploads, typed-in text, search) and the extraction job.
#include <pqxx/pqxx>

#include "botflow/config/config.hpp"
#include "botflow/core/blocking.hpp"
#include "botflow/core/error.hpp"
#include "botflow/core/log.hpp"
#include "botflow/events/outbox_repo.hpp"
#include "botflow/http/json_body.hpp"
#include "botflow/http/multipart.hpp"
#include "botflow/http/router.hpp"
#include "botflow/jobs/runner.hpp"
#include "botflow/knowledge/chunker.hpp"
#include "botflow/knowledge/documents.hpp"
#include "botflow/knowledge/extract.hpp"
#include "botflow/knowledge/module.hpp"
#include "botflow/knowledge/search.hpp"
#include "botflow/store/db.hpp"
#include "knowledge/document_repo.hpp"

namespace botflow::knowledge {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

DocumentInput read_input(const json& body, std::size_t max_content) {
    DocumentInput in;
    in.title = http::optional_string(body, "title", 200);
    in.content = http::optional_string(body, "content", max_content);
    in.category = http::optional_string(body, "category", 50);
    if (body.contains("tags") && !body["tags"].is_null()) {
        if (!body["tags"].is_array()) {
            throw Error(Errc::unprocessable, "tags must be a list of words.", {},
                        {{"tags", "must be a list of strings"}});
        }
        std::vector<std::string> tags;
        for (const auto& t : body["tags"]) {
            if (!t.is_string()) {
                throw Error(Errc::unprocessable, "tags must be a list of words.", {},
                            {{"tags", "must be a list of strings"}});
            }
            tags.push_back(t.get<std::string>());
        }
        in.tags = std::move(tags);
    }
    return in;
}

// A form field's text: valid UTF-8 without NUL, or a 422 naming the field.
std::string form_text(const std::string& field, const std::string& value) {
    if (value.find('\0') != std::string::npos || !valid_utf8(value)) {
        throw Error(Errc::unprocessable, field + " must be UTF-8 text.", {},
                    {{field, "must be UTF-8 text"}});
    }
    return value;
}

// At most `max` bytes, cut at a character boundary.
std::string cut(std::string s, std::size_t max) {
    if (s.size() <= max) return s;
    std::size_t at = max;
    while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;
    s.resize(at);
    return s;
}

// Form fields of an upload: file (required), title, category, tags (comma-separated).
Upload read_upload(const Request& req, std::size_t max_file_bytes) {
    auto boundary = http::multipart_boundary(req.header("content-type"));
    if (!boundary) {
        throw Error(Errc::unsupported_media_type,
                    "Upload the file as multipart/form-data, e.g. curl -F file=@menu.pdf.");
    }
    http::FormLimits limits;
    limits.max_file_bytes = max_file_bytes;
    auto parts = http::parse_form(req.body, *boundary, limits);
    Upload up;
    const http::FormPart* file = nullptr;
    for (const auto& p : parts) {
        if (p.headers.name == "file" && p.headers.filename) {
            if (file) {
                throw Error(Errc::unprocessable, "Upload one file at a time.", {},
                            {{"file", "only one file per request"}});
            }
            file = &p;
        } else if (p.headers.name == "title") {
            up.title = form_text("title", p.data);
        } else if (p.headers.name == "category") {
            up.category = form_text("category", p.data);
        } else if (p.headers.name == "tags") {
            form_text("tags", p.data);
            std::vector<std::string> tags;
            std::size_t pos = 0;
            while (pos <= p.data.size()) {
                auto comma = p.data.find(',', pos);
                auto tag = std::string(http::trim_blanks(std::string_view(p.data).substr(
                    pos, comma == std::string::npos ? std::string::npos : comma - pos)));
                if (!tag.empty()) tags.push_back(tag);
                if (comma == std::string::npos) break;
                pos = comma + 1;
            }
            up.tags = std::move(tags);
        }
    }
    if (!file) {
        throw Error(Errc::unprocessable, "The form has no file part (curl -F file=@menu.pdf).", {},
                    {{"file", "is required"}});
    }
    up.filename = file->headers.filename->empty()
                      ? "document"
                      : cut(form_text("filename", *file->headers.filename), 255);
    auto sniffed = sniff(file->data, up.filename);
    up.kind = sniffed.kind;
    up.mime_type = sniffed.mime_type;
    up.bytes = file->data;
    if (up.title.empty()) {
        auto dot = up.filename.rfind('.');
        up.title = cut(
            dot == std::string::npos || dot == 0 ? up.filename : up.filename.substr(0, dot), 200);
    }
    return up;
}

// The live feed's document.updated for a document as the API shows it, in its transaction.
void document_updated(pqxx::dbtransaction& tx, const nlohmann::json& doc) {
    events::stage(tx, events::document_updated(doc.value("id", std::string()),
                                               doc.value("status", std::string())));
}

asio::awaitable<Response> handle_upload(Module& mod, Request& req) {
    auto up = read_upload(req, static_cast<std::size_t>(mod.config.kb_max_file_mb) << 20);
    auto by = req.principal->user_id;
    auto max = mod.config.kb_max_documents;
    auto store = [up = std::move(up), by, max](pqxx::dbtransaction& tx) {
        auto stored = store_upload(tx, up, by, max, std::nullopt);
        if (stored) document_updated(tx, *stored);
        return stored;
    };
    auto stored = co_await mod.db.run(std::move(store));
    mod.jobs.wake();
    co_return Response::json(202, *stored);
}

asio::awaitable<Response> handle_replace(Module& mod, Request& req) {
    auto id = http::id_param(req, "document");
    auto up = read_upload(req, static_cast<std::size_t>(mod.config.kb_max_file_mb) << 20);
    auto by = req.principal->user_id;
    auto store = [up = std::move(up), by, id](pqxx::dbtransaction& tx) {
        auto stored = store_upload(tx, up, by, 0, id);
        if (stored) document_updated(tx, *stored);
        return stored;
    };
    auto stored = co_await mod.db.run(std::move(store));
    if (!stored) http::not_found("document", id);
    mod.jobs.wake();
    co_return Response::json(202, *stored);
}

asio::awaitable<Response> handle_download(Module& mod, Request& req) {
    auto id = http::id_param(req, "document");
    auto read = [id](pqxx::dbtransaction& tx) { return original(tx, id); };
    auto file = co_await mod.db.run(std::move(read));
    if (!file) http::not_found("document", id);
    Response res;
    res.body = std::move(file->bytes);
    res.set_header("Content-Type", file->mime_type);
    res.set_header("Content-Disposition", http::attachment_disposition(file->filename));
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Content-Security-Policy", "default-src 'none'; sandbox");
    co_return res;
}

// The extraction's outcome on the document, if it is still the file the job read: its text
// and chunks (returns their number), or its error (returns -1). 0: replaced or gone meanwhile.
int save_extraction(pqxx::dbtransaction& tx, const std::string& id, const std::string& sha,
                    const std::string& kind, const ExtractResult& result, const std::string& text,
                    const std::string& language) {
    auto title = lock_pending_title(tx, id, sha, kind);
    if (!title) return 0;
    events::stage(tx, events::document_updated(id, result.ok ? "ready" : "error"));
    if (!result.ok) {
        mark_document_failed(tx, id, result.error);
        return -1;
    }
    mark_document_ready(tx, id, text);
    return store_chunks(tx, id, *title, text, language);
}

// Marks the document failed for good, if it is still processing this file.
void give_up_indexing(pqxx::dbtransaction& tx, const std::string& id, const std::string& sha) {
    if (give_up_pending(tx, id, sha,
                        "The document could not be indexed; try uploading it again.")) {
        events::stage(tx, events::document_updated(id, "error"));
    }
}

asio::awaitable<void> extract_job(Module& mod, const jobs::Job& job) {
    auto id = job.payload.value("document_id", std::string());
    auto sha = job.payload.value("sha256", std::string());
    // None: replaced, deleted or done meanwhile.
    auto load = [id, sha](pqxx::dbtransaction& tx) { return find_pending_file(tx, id, sha); };
    auto pending = co_await mod.jobs_db.run(std::move(load));
    if (!pending) co_return;
    auto started = std::chrono::steady_clock::now();
    auto run = [kind = pending->kind, bytes = std::move(pending->bytes)]() {
        return extract_in_child("/proc/self/exe", kind, bytes);
    };
    auto result = co_await run_blocking(mod.extraction, std::move(run));
    std::string text;
    if (result.ok) {
        text = normalize_text(result.text);
        if (text.empty()) {
            result.ok = false;
            result.error = "This file contains no text to learn from.";
        }
    }
    auto language = mod.config.kb_language;
    auto save = [id, sha, result, text, language, kind = pending->kind](pqxx::dbtransaction& tx) {
        return save_extraction(tx, id, sha, kind, result, text, language);
    };
    std::optional<int> chunks;
    std::string save_error;
    try {
        chunks = co_await mod.jobs_db.run(std::move(save));
    } catch (const Error& e) {
        save_error = e.cause().empty() ? e.detail() : e.cause();
    }
    if (!chunks) {
        if (job.attempts >= job.max_attempts) {
            // Out of attempts: say so on the document instead of leaving it "processing".
            auto give_up = [id, sha](pqxx::dbtransaction& tx) { give_up_indexing(tx, id, sha); };
            co_await mod.jobs_db.run(std::move(give_up));
        }
        throw Error(Errc::unavailable, "The document could not be indexed.", save_error);
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started)
                  .count();
    if (result.ok) {
        spdlog::info("knowledge.extracted document={} chunks={} chars={} ms={}", id, *chunks,
                     text.size(), ms);
    } else {
        spdlog::warn("knowledge.extract_failed document={} ms={} reason=\"{}\"", id, ms,
                     result.error);
    }
}

asio::awaitable<Response> handle_list(Module& mod, Request&) {
    auto list = [](pqxx::dbtransaction& tx) { return list_documents(tx); };
    co_return Response::json(200, co_await mod.db.run(std::move(list)));
}

asio::awaitable<Response> handle_create_text(Module& mod, Request& req) {
    auto in = read_input(http::json_object_body(req), http::kDefaultBodyLimit);
    auto by = req.principal->user_id;
    auto max = mod.config.kb_max_documents;
    auto language = mod.config.kb_language;
    auto create = [in, by, max, language](pqxx::dbtransaction& tx) {
        auto created = create_text_document(tx, in, by, max, language);
        document_updated(tx, created);
        return created;
    };
    auto created = co_await mod.db.run(std::move(create));
    co_return Response::json(201, created);
}

asio::awaitable<Response> handle_get(Module& mod, Request& req) {
    auto id = http::id_param(req, "document");
    auto find = [id](pqxx::dbtransaction& tx) { return find_document(tx, id); };
    auto found = co_await mod.db.run(std::move(find));
    if (!found) http::not_found("document", id);
    co_return Response::json(200, *found);
}

asio::awaitable<Response> handle_patch(Module& mod, Request& req) {
    auto id = http::id_param(req, "document");
    auto in = read_input(http::json_object_body(req), http::kDefaultBodyLimit);
    auto language = mod.config.kb_language;
    auto update = [id, in, language](pqxx::dbtransaction& tx) {
        auto updated = update_document(tx, id, in, language);
        if (updated) document_updated(tx, *updated);
        return updated;
    };
    auto updated = co_await mod.db.run(std::move(update));
    if (!updated) http::not_found("document", id);
    co_return Response::json(200, *updated);
}

asio::awaitable<Response> handle_delete(Module& mod, Request& req) {
    auto id = http::id_param(req, "document");
    auto remove = [id](pqxx::dbtransaction& tx) {
        bool removed = delete_document(tx, id);
        if (removed) events::stage(tx, events::document_updated(id, "deleted"));
        return removed;
    };
    if (!co_await mod.db.run(std::move(remove))) http::not_found("document", id);
    co_return Response::no_content();
}

asio::awaitable<Response> handle_search(Module& mod, Request& req) {
    auto body = http::json_object_body(req);
    auto query = http::required_string(body, "query", 500);
    int limit = 5;
    if (body.contains("limit")) {
        if (!body["limit"].is_number_integer() || body["limit"].get<long long>() < 1 ||
            body["limit"].get<long long>() > 20) {
            throw Error(Errc::unprocessable, "limit must be a whole number from 1 to 20.", {},
                        {{"limit", "must be 1 to 20"}});
        }
        limit = body["limit"].get<int>();
    }
    auto language = mod.config.kb_language;
    auto search = [query, limit, language](pqxx::dbtransaction& tx) {
        return knowledge::hits_json(knowledge::search_chunks(tx, query, limit, language));
    };
    auto items = co_await mod.db.run(std::move(search));
    json out = {{"items", std::move(items)}};
    co_return Response::json(200, out);
}

}  // namespace

void register_module(Module& mod) {
    using http::Method;
    auto& r = mod.router;
    r.add(Method::get, "/api/documents", [&mod](Request& req) { return handle_list(mod, req); });
    // The file and a little room for the form around it; larger bodies get 413 unread.
    const http::RouteOptions upload{
        (static_cast<std::size_t>(mod.config.kb_max_file_mb) << 20) + 64 * 1024, http::Access::user,
        "Files may be at most " + std::to_string(mod.config.kb_max_file_mb) +
            " MiB (KB_MAX_FILE_MB)."};
    r.add(
        Method::post, "/api/documents", [&mod](Request& req) { return handle_upload(mod, req); },
        upload);
    r.add(
        Method::put, "/api/documents/:id",
        [&mod](Request& req) { return handle_replace(mod, req); }, upload);
    r.add(Method::get, "/api/documents/:id/download",
          [&mod](Request& req) { return handle_download(mod, req); });
    mod.jobs.add("extract_document",
                 [&mod](const jobs::Job& job) { return extract_job(mod, job); });
    r.add(Method::post, "/api/documents/text",
          [&mod](Request& req) { return handle_create_text(mod, req); });
    r.add(Method::get, "/api/documents/:id", [&mod](Request& req) { return handle_get(mod, req); });
    r.add(Method::patch, "/api/documents/:id",
          [&mod](Request& req) { return handle_patch(mod, req); });
    r.add(Method::delete_, "/api/documents/:id",
          [&mod](Request& req) { return handle_delete(mod, req); });
    r.add(Method::post, "/api/documents/search",
          [&mod](Request& req) { return handle_search(mod, req); });
}

}  // namespace botflow::knowledge
