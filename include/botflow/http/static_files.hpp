// Serves the dashboard's static export (WEB_DIR): safe paths only, MIME types, ETags, caching.
#pragma once
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "botflow/http/request.hpp"
#include "botflow/http/response.hpp"

namespace botflow::http {

/// The request path as a relative path inside the web root ("" for "/"), or nullopt when it
/// must be refused: a malformed or encoded slash/backslash escape, NUL or control bytes, a
/// ".." segment, or a hidden (dot) segment.
std::optional<std::string> safe_relative_path(std::string_view raw_path);

/// Content-Type for a file name, by extension; application/octet-stream when unknown.
std::string_view mime_type_for(std::string_view file_name);

/// Cache-Control for a file served from the web root: hashed build assets under _next/static/
/// are immutable for a year, HTML is revalidated every time, the rest for an hour.
std::string_view cache_control_for(std::string_view relative_path);

/// Whether an If-None-Match header value (a list, weak tags, or *) names `etag`.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

class StaticFiles {
public:
    explicit StaticFiles(std::string root);
    ~StaticFiles();

    /// Answers GET or HEAD of a non-API path: the file, its `.html` or `index.html` form, the
    /// site's 404.html with status 404, or throws Errc::not_found. Symlinks that lead outside
    /// the root are not followed. Files up to 2 MiB are kept in memory, revalidated by stat.
    /// May read files: run it off the IO threads.
    Response serve(const Request& req) const;

    /// The same answer when it can be given from memory (the file is cached and unchanged: one
    /// stat, no read); nullopt when serve() is needed.
    std::optional<Response> serve_cached(const Request& req) const;

    /// Files larger than this are refused (404, logged): the dashboard's assets are far
    /// smaller, and each response holds its file in memory.
    static constexpr std::size_t kMaxFileBytes = 32 * 1024 * 1024;

private:
    struct Cached;
    std::shared_ptr<const Cached> load(const std::string& relative) const;
    std::shared_ptr<const Cached> lookup(const std::string& relative, bool* needs_disk) const;
    Response respond(const Request& req, const Cached& file, int status) const;
    static std::vector<std::string> candidates(const std::string& relative);

    std::string root_;
    mutable std::mutex mutex_;
    mutable std::unordered_map<std::string, std::shared_ptr<const Cached>> cache_;
};

}  // namespace botflow::http
