#include "botflow/http/static_files.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"

namespace botflow::http {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxCachedBytes = 2 * 1024 * 1024;

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Shown at "/" when WEB_DIR holds no dashboard build, so a fresh server still says what it is.
constexpr std::string_view kNoDashboardPage = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>BotFlow</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>BotFlow is running</h1>
<p>This server has no dashboard build in its <code>WEB_DIR</code>. The API is available:
<a href="/api/openapi.json">/api/openapi.json</a> describes every route,
<a href="/api/health">/api/health</a> and <a href="/api/ready">/api/ready</a> report its state.</p>
</body></html>
)";

}  // namespace

struct StaticFiles::Cached {
    std::string relative;
    std::string real_path;  // canonical, checked to be inside the root
    off_t size = 0;
    struct timespec mtime {};
    std::string etag;
    std::shared_ptr<const std::string> content;  // null when too large to keep
};

std::optional<std::string> safe_relative_path(std::string_view raw) {
    if (raw.empty() || raw.front() != '/') return std::nullopt;
    // An encoded separator would let one "segment" hold a path step once decoded.
    std::string lowered = lower(raw);
    if (lowered.find("%2f") != std::string::npos || lowered.find("%5c") != std::string::npos) {
        return std::nullopt;
    }
    auto decoded_or = percent_decode(raw);
    if (!decoded_or) return std::nullopt;
    const std::string& decoded = *decoded_or;
    for (char c : decoded) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') return std::nullopt;
    }
    std::string out;
    std::string_view rest(decoded);
    rest.remove_prefix(1);
    bool trailing_slash = !rest.empty() && rest.back() == '/';
    while (!rest.empty()) {
        auto slash = rest.find('/');
        auto seg = rest.substr(0, slash);
        if (seg.empty()) {
            // "//" collapses
        } else if (seg.front() == '.') {
            // "..", "." tricks and hidden files (.env, .git) are never served.
            return std::nullopt;
        } else {
            if (!out.empty()) out.push_back('/');
            out.append(seg);
        }
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    if (trailing_slash && !out.empty()) out.push_back('/');
    return out;
}

std::string_view mime_type_for(std::string_view name) {
    auto dot = name.rfind('.');
    if (dot == std::string_view::npos || name.find('/', dot) != std::string_view::npos) {
        return "application/octet-stream";
    }
    std::string ext = lower(name.substr(dot + 1));
    static const std::unordered_map<std::string, std::string_view> kTypes = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"webmanifest", "application/manifest+json"},
        {"txt", "text/plain; charset=utf-8"},
        {"xml", "application/xml"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"avif", "image/avif"},
        {"ico", "image/x-icon"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"ttf", "font/ttf"},
        {"otf", "font/otf"},
        {"wasm", "application/wasm"},
        {"pdf", "application/pdf"},
        {"mp3", "audio/mpeg"},
        {"mp4", "video/mp4"},
        {"webm", "video/webm"},
    };
    auto it = kTypes.find(ext);
    return it == kTypes.end() ? std::string_view("application/octet-stream") : it->second;
}

std::string_view cache_control_for(std::string_view relative) {
    if (relative.rfind("_next/static/", 0) == 0) return "public, max-age=31536000, immutable";
    if (ends_with(relative, ".html") || ends_with(relative, ".htm")) return "no-cache";
    return "public, max-age=3600";
}

bool etag_matches(std::string_view header, std::string_view etag) {
    auto strip_weak = [](std::string_view t) {
        if (t.size() > 2 && t[0] == 'W' && t[1] == '/') t.remove_prefix(2);
        return t;
    };
    std::string_view want = strip_weak(etag);
    while (!header.empty()) {
        auto comma = header.find(',');
        auto item = trim_blanks(header.substr(0, comma));
        if (item == "*" || (!item.empty() && strip_weak(item) == want)) return true;
        if (comma == std::string_view::npos) break;
        header.remove_prefix(comma + 1);
    }
    return false;
}

StaticFiles::StaticFiles(std::string root) : root_(std::move(root)) {}
StaticFiles::~StaticFiles() = default;

std::shared_ptr<const StaticFiles::Cached> StaticFiles::load(const std::string& relative) const {
    bool needs_disk = false;
    if (auto cached = lookup(relative, &needs_disk)) return cached;
    if (!needs_disk) return nullptr;  // no such regular file
    std::string full = root_ + "/" + relative;
    struct stat st {};
    if (::stat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return nullptr;
    // First sight (or a change): make sure the real path stays inside the root, so a symlink
    // pointing out of WEB_DIR is never followed.
    std::error_code ec;
    auto real_root = fs::canonical(root_, ec);
    if (ec) return nullptr;
    auto real = fs::canonical(full, ec);
    if (ec) return nullptr;
    auto root_str = real_root.string();
    auto real_str = real.string();
    if (real_str.size() <= root_str.size() || real_str.compare(0, root_str.size(), root_str) != 0 ||
        real_str[root_str.size()] != '/') {
        return nullptr;
    }
    if (static_cast<std::size_t>(st.st_size) > kMaxFileBytes) {
        spdlog::warn("static.too_large path={} bytes={} limit={}", relative, st.st_size,
                     kMaxFileBytes);
        return nullptr;
    }
    auto entry = std::make_shared<Cached>();
    entry->relative = relative;
    entry->real_path = real_str;
    entry->size = st.st_size;
    entry->mtime = st.st_mtim;
    char etag[64];
    std::snprintf(etag, sizeof etag, "\"%llx-%llx\"", static_cast<unsigned long long>(st.st_size),
                  static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1000000000ULL +
                      static_cast<unsigned long long>(st.st_mtim.tv_nsec));
    entry->etag = etag;
    if (static_cast<std::size_t>(st.st_size) <= kMaxCachedBytes) {
        std::ifstream in(real, std::ios::binary);
        std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
        if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) return nullptr;
        entry->content = std::make_shared<const std::string>(std::move(bytes));
        std::lock_guard lock(mutex_);
        cache_[relative] = entry;
    }
    return entry;
}

std::vector<std::string> StaticFiles::candidates(const std::string& relative) {
    if (relative.empty() || relative.back() == '/') return {relative + "index.html"};
    return {relative, relative + ".html", relative + "/index.html"};
}

std::shared_ptr<const StaticFiles::Cached> StaticFiles::lookup(const std::string& relative,
                                                               bool* needs_disk) const {
    std::string full = root_ + "/" + relative;
    struct stat st {};
    if (::stat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return nullptr;
    std::lock_guard lock(mutex_);
    auto it = cache_.find(relative);
    if (it != cache_.end() && it->second->size == st.st_size &&
        it->second->mtime.tv_sec == st.st_mtim.tv_sec &&
        it->second->mtime.tv_nsec == st.st_mtim.tv_nsec) {
        return it->second;
    }
    *needs_disk = true;
    return nullptr;
}

std::optional<Response> StaticFiles::serve_cached(const Request& req) const {
    auto relative = safe_relative_path(req.path);
    if (!relative) return std::nullopt;
    for (const auto& c : candidates(*relative)) {
        bool needs_disk = false;
        auto file = lookup(c, &needs_disk);
        if (file) return respond(req, *file, 200);
        if (needs_disk) return std::nullopt;
    }
    return std::nullopt;  // not found: serve() decides between 404.html and a problem
}

Response StaticFiles::serve(const Request& req) const {
    auto relative = safe_relative_path(req.path);
    if (!relative) throw Error(Errc::not_found, "No such page.");
    for (const auto& c : candidates(*relative)) {
        if (auto file = load(c)) return respond(req, *file, 200);
    }
    if (relative->empty()) {
        Response page =
            Response::text(200, std::string(kNoDashboardPage), "text/html; charset=utf-8");
        page.set_header("Cache-Control", "no-cache");
        return page;
    }
    auto not_found = load("404.html");
    if (!not_found) throw Error(Errc::not_found, "No such page.");
    return respond(req, *not_found, 404);
}

Response StaticFiles::respond(const Request& req, const Cached& file, int status) const {
    Response r;
    r.status = status;
    r.headers.emplace_back("Content-Type", std::string(mime_type_for(file.relative)));
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    if (status == 200) {
        r.headers.emplace_back("ETag", file.etag);
        r.headers.emplace_back("Cache-Control", std::string(cache_control_for(file.relative)));
        if (etag_matches(req.header("if-none-match"), file.etag)) {
            r.status = 304;
            r.headers.erase(r.headers.begin());  // 304 carries no Content-Type of a body
            return r;
        }
    } else {
        r.headers.emplace_back("Cache-Control", "no-cache");
    }
    if (file.content) {
        r.shared_body = file.content;
    } else {
        // Too large to keep: read from the path that was checked to be inside the root.
        std::ifstream in(file.real_path, std::ios::binary);
        r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return r;
}

}  // namespace botflow::http
