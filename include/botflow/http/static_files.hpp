// Serves the dashboard's static export (WEB_DIR): safe paths only, MIME types, ETags, caching.
#pragma once
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

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
    Response serve(const Request& req) const;

private:
    struct Cached;
    std::shared_ptr<const Cached> load(const std::string& relative) const;

    std::string root_;
    mutable std::mutex mutex_;
    mutable std::unordered_map<std::string, std::shared_ptr<const Cached>> cache_;
};

}  // namespace botflow::http
