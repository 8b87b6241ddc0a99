#include "botflow/http/static_files.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "botflow/core/error.hpp"

namespace botflow::http {
namespace {

namespace fs = std::filesystem;

TEST(SafeRelativePath, NormalPaths) {
    EXPECT_EQ(safe_relative_path("/"), "");
    EXPECT_EQ(safe_relative_path("/index.html"), "index.html");
    EXPECT_EQ(safe_relative_path("/_next/static/a.js"), "_next/static/a.js");
    EXPECT_EQ(safe_relative_path("/docs/"), "docs/");
    EXPECT_EQ(safe_relative_path("//docs//a.html"), "docs/a.html");
    EXPECT_EQ(safe_relative_path("/caf%C3%A9.html"), "caf\xC3\xA9.html");
}

TEST(SafeRelativePath, RefusesEveryTraversalTrick) {
    for (const char* p : {"/..",
                          "/../etc/passwd",
                          "/a/../../etc/passwd",
                          "/%2e%2e/etc/passwd",
                          "/%2E%2E/etc/passwd",
                          "/.%2e/etc/passwd",
                          "/a/%2e%2e%2fetc",
                          "/a%2f..%2f..%2fetc",
                          "/a%2Fb",
                          "/a%5cb",
                          "/a\\..\\b",
                          "/a%00b",
                          "/a\x01"
                          "b",
                          "/.env",
                          "/.git/config",
                          "/a/.hidden",
                          "/%",
                          "/%4",
                          "/%zz",
                          "relative",
                          ""}) {
        EXPECT_EQ(safe_relative_path(p), std::nullopt) << p;
    }
}

TEST(MimeTypes, ByExtension) {
    EXPECT_EQ(mime_type_for("a.html"), "text/html; charset=utf-8");
    EXPECT_EQ(mime_type_for("a.JS"), "text/javascript; charset=utf-8");
    EXPECT_EQ(mime_type_for("a.css"), "text/css; charset=utf-8");
    EXPECT_EQ(mime_type_for("a.json"), "application/json");
    EXPECT_EQ(mime_type_for("a.svg"), "image/svg+xml");
    EXPECT_EQ(mime_type_for("a.woff2"), "font/woff2");
    EXPECT_EQ(mime_type_for("a.png"), "image/png");
    EXPECT_EQ(mime_type_for("noext"), "application/octet-stream");
    EXPECT_EQ(mime_type_for("dir.d/noext"), "application/octet-stream");
}

TEST(CacheControl, ImmutableOnlyForHashedAssets) {
    EXPECT_EQ(cache_control_for("_next/static/chunks/a.js"), "public, max-age=31536000, immutable");
    EXPECT_EQ(cache_control_for("index.html"), "no-cache");
    EXPECT_EQ(cache_control_for("favicon.ico"), "public, max-age=3600");
}

TEST(ETag, MatchesListsWeakTagsAndStar) {
    EXPECT_TRUE(etag_matches("\"a\"", "\"a\""));
    EXPECT_TRUE(etag_matches("\"x\", \"a\"", "\"a\""));
    EXPECT_TRUE(etag_matches("W/\"a\"", "\"a\""));
    EXPECT_TRUE(etag_matches("*", "\"a\""));
    EXPECT_FALSE(etag_matches("\"b\"", "\"a\""));
    EXPECT_FALSE(etag_matches("", "\"a\""));
}

class StaticFilesServe : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("bf-static-" + std::to_string(getpid()));
        fs::create_directories(root_);
        std::ofstream(root_ / "index.html") << "home";
        std::ofstream(root_ / "big.bin") << std::string(3 * 1024 * 1024, 'x');
        outside_ = fs::temp_directory_path() / ("bf-outside-" + std::to_string(getpid()));
        std::ofstream(outside_) << "secret";
        fs::create_symlink(outside_, root_ / "link");
    }
    void TearDown() override {
        fs::remove_all(root_);
        fs::remove(outside_);
    }
    Response get(const std::string& path, const std::string& inm = {}) {
        Request req;
        req.path = path;
        if (!inm.empty()) req.headers.emplace_back("if-none-match", inm);
        return StaticFiles(root_.string()).serve(req);
    }
    fs::path root_, outside_;
};

TEST_F(StaticFilesServe, ServesFilesAndAnswers304) {
    auto r = get("/");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body_view(), "home");
    auto again = get("/", std::string(r.header("etag")));
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body_view().empty());
}

TEST_F(StaticFilesServe, LargeFilesAreReadFromDisk) {
    auto r = get("/big.bin");
    EXPECT_EQ(r.body_view().size(), 3u * 1024 * 1024);
}

TEST_F(StaticFilesServe, SymlinkOutOfTheRootIs404) {
    try {
        get("/link");
        FAIL() << "served a file outside the root";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::not_found);
    }
}

TEST_F(StaticFilesServe, MissingRootStillAnswersTheHomePage) {
    Request req;
    req.path = "/";
    auto r = StaticFiles("/nonexistent-web-root").serve(req);
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body_view().find("BotFlow is running"), std::string_view::npos);
}

}  // namespace
}  // namespace botflow::http

namespace botflow::http {
namespace {

TEST(StaticFilesCache, AnswersFromMemoryOnlyOnceLoadedAndUnchanged) {
    auto root = fs::temp_directory_path() / ("bf-cache-" + std::to_string(getpid()));
    fs::create_directories(root);
    std::ofstream(root / "index.html") << "v1";
    StaticFiles files(root.string());
    Request req;
    req.path = "/";
    EXPECT_FALSE(files.serve_cached(req).has_value());  // never read yet: needs the disk
    EXPECT_EQ(files.serve(req).body_view(), "v1");
    auto cached = files.serve_cached(req);
    ASSERT_TRUE(cached.has_value());
    EXPECT_EQ(cached->body_view(), "v1");

    std::ofstream(root / "index.html") << "version two";  // size changes: cache is stale
    EXPECT_FALSE(files.serve_cached(req).has_value());
    EXPECT_EQ(files.serve(req).body_view(), "version two");
    fs::remove_all(root);
}

}  // namespace
}  // namespace botflow::http
