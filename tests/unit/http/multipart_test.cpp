// multipart/form-data parsing: what curl and browsers send, odd but valid forms, and garbage.
#include "botflow/http/multipart.hpp"

#include <gtest/gtest.h>

#include <random>

#include "botflow/core/error.hpp"

namespace botflow::http {
namespace {

std::string form(const std::string& boundary) {
    return "--" + boundary +
           "\r\n"
           "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
           "Autumn menu\r\n"
           "--" +
           boundary +
           "\r\n"
           "Content-Disposition: form-data; name=\"file\"; filename=\"menu.pdf\"\r\n"
           "Content-Type: application/pdf\r\n\r\n"
           "%PDF-1.4\r\n--not the boundary\r\nbinary" +
           std::string(1, '\0') + "\xff data\r\n--" + boundary + "--\r\n";
}

TEST(Multipart, BoundaryComesFromTheContentType) {
    EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc123"), "abc123");
    EXPECT_EQ(multipart_boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b:c\""),
              "a b:c");
    EXPECT_FALSE(multipart_boundary("application/json"));
    EXPECT_FALSE(multipart_boundary("multipart/form-data"));
    EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary="));
    EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'x')));
}

TEST(Multipart, ParsesFieldsAndFilesWhateverTheBoundary) {
    for (std::string boundary : {"------------------------d74496d66958873e", "x", "a b'c"}) {
        auto body = form(boundary);
        auto parts = parse_form(body, boundary, {});
        ASSERT_EQ(parts.size(), 2u) << boundary;
        EXPECT_EQ(parts[0].headers.name, "title");
        EXPECT_FALSE(parts[0].headers.filename);
        EXPECT_EQ(parts[0].data, "Autumn menu");
        EXPECT_EQ(parts[1].headers.name, "file");
        EXPECT_EQ(parts[1].headers.filename, "menu.pdf");
        EXPECT_EQ(parts[1].headers.content_type, "application/pdf");
        EXPECT_EQ(parts[1].data,
                  std::string("%PDF-1.4\r\n--not the boundary\r\nbinary\x00\xff data", 43));
    }
}

TEST(Multipart, FedOneByteAtATimeGivesTheSameParts) {
    auto body = form("XyZ");
    std::string file;
    int parts = 0, ends = 0;
    MultipartParser parser("XyZ", {[&](const PartHeaders&) { ++parts; },
                                   [&](std::string_view d) {
                                       if (parts == 2) file.append(d);
                                   },
                                   [&] { ++ends; }});
    for (char c : body) parser.feed(std::string_view(&c, 1));
    parser.finish();
    EXPECT_EQ(parts, 2);
    EXPECT_EQ(ends, 2);
    EXPECT_EQ(file.size(), 43u);
}

TEST(Multipart, FilenamesQuotedUtf8AndWithPaths) {
    std::string b = "b";
    std::string body =
        "preamble to ignore\r\n--b\r\n"
        "Content-Disposition: form-data; name=\"file\"; filename=\"men\xC3\xBA \\\"de\\\" "
        "oto\xC3\xB1o.pdf\"\r\n\r\nx\r\n"
        "--b\r\nContent-Disposition: form-data; name=\"f2\"; filename=\"x.pdf\"; "
        "filename*=UTF-8''caf%C3%A9%20menu.pdf\r\n\r\ny\r\n"
        "--b\r\nContent-Disposition: form-data; name=\"f3\"; "
        "filename=\"C:\\\\Users\\\\ana\\\\list.csv\"\r\n\r\nz\r\n"
        "--b--\r\nepilogue";
    auto parts = parse_form(body, b, {});
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts[0].headers.filename, "men\xC3\xBA \"de\" oto\xC3\xB1o.pdf");
    EXPECT_EQ(parts[1].headers.filename, "caf\xC3\xA9 menu.pdf");
    EXPECT_EQ(parts[2].headers.filename, "list.csv");
}

TEST(Multipart, MalformedBodiesAreRefused) {
    auto bad = [](const std::string& body) {
        try {
            parse_form(body, "b", {});
        } catch (const Error& e) {
            return e.code() == Errc::bad_request;
        }
        return false;
    };
    EXPECT_TRUE(bad(""));
    EXPECT_TRUE(bad("no boundary at all"));
    EXPECT_TRUE(bad("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated"));
    EXPECT_TRUE(bad("--b\r\nNo-Colon\r\n\r\nx\r\n--b--"));
    EXPECT_TRUE(bad("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--"));
    EXPECT_TRUE(bad("--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--b--"));
    EXPECT_TRUE(bad("--b\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nx\r\n--b--"));
    EXPECT_TRUE(bad("--bjunk\r\n"));
    EXPECT_TRUE(bad("--b\r\n" + std::string(20000, 'h') + "\r\n\r\nx\r\n--b--"));
}

TEST(Multipart, LimitsNameWhatIsTooBig) {
    FormLimits limits;
    limits.max_file_bytes = 10;
    try {
        parse_form(form("q"), "q", limits);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::payload_too_large);
        EXPECT_NE(e.detail().find("KB_MAX_FILE_MB"), std::string::npos);
    }
    limits = {};
    limits.max_parts = 1;
    EXPECT_THROW(parse_form(form("q"), "q", limits), Error);
}

// The fuzz target's property, run deterministically: any mutation of a valid form either
// parses or throws botflow::Error, and never crashes, hangs or reads out of bounds.
TEST(Multipart, SurvivesRandomMutations) {
    std::mt19937 rng(12345);
    auto base = form("fuzzboundary");
    for (int i = 0; i < 3000; ++i) {
        std::string body = base;
        int edits = 1 + static_cast<int>(rng() % 8);
        for (int e = 0; e < edits; ++e) {
            auto pos = rng() % (body.size() + 1);
            switch (rng() % 4) {
                case 0:
                    if (pos < body.size()) body[pos] = static_cast<char>(rng());
                    break;
                case 1:
                    if (pos < body.size()) body.erase(pos, 1 + rng() % 16);
                    break;
                case 2:
                    body.insert(pos, std::string(1 + rng() % 4, "\r\n-\"b"[rng() % 5]));
                    break;
                default:
                    body = body.substr(0, pos);
            }
        }
        try {
            MultipartParser parser("fuzzboundary", {});
            std::size_t at = 0;
            while (at < body.size()) {
                auto n = std::min<std::size_t>(1 + rng() % 64, body.size() - at);
                parser.feed(std::string_view(body).substr(at, n));
                at += n;
            }
            parser.finish();
        } catch (const Error&) {
        }
    }
}

}  // namespace
}  // namespace botflow::http
