#include "botflow/http/multipart.hpp"

#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"
#include "botflow/http/request.hpp"

namespace botflow::http {
namespace {

constexpr std::size_t kMaxHeaderBlock = 16 * 1024;
constexpr int kMaxPartsParsed = 1000;

[[noreturn]] void malformed(const std::string& what) {
    throw Error(Errc::bad_request, "The multipart/form-data body is malformed: " + what + ".");
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The value of parameter `name` in a header like `form-data; name="file"; filename="a b.pdf"`.
std::optional<std::string> header_param(std::string_view header, std::string_view name) {
    std::size_t pos = header.find(';');
    while (pos != std::string_view::npos && pos < header.size()) {
        ++pos;
        while (pos < header.size() && (header[pos] == ' ' || header[pos] == '\t')) ++pos;
        auto eq = header.find('=', pos);
        if (eq == std::string_view::npos) return std::nullopt;
        auto key = lower(trim_blanks(header.substr(pos, eq - pos)));
        std::size_t v = eq + 1;
        std::string value;
        if (v < header.size() && header[v] == '"') {
            ++v;
            while (v < header.size() && header[v] != '"') {
                if (header[v] == '\\' && v + 1 < header.size()) ++v;
                value += header[v++];
            }
            if (v >= header.size()) malformed("an unterminated quoted parameter");
            ++v;
            pos = header.find(';', v);
        } else {
            auto end = header.find(';', v);
            value = std::string(trim_blanks(header.substr(
                v, end == std::string_view::npos ? std::string_view::npos : end - v)));
            pos = end;
        }
        if (key == name) return value;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
    auto semi = content_type.find(';');
    auto type = lower(trim_blanks(content_type.substr(0, semi)));
    if (type != "multipart/form-data" || semi == std::string_view::npos) return std::nullopt;
    std::optional<std::string> b;
    try {
        b = header_param(content_type, "boundary");
    } catch (const Error&) {
        return std::nullopt;
    }
    if (!b || b->empty() || b->size() > 70) return std::nullopt;
    return b;
}

MultipartParser::MultipartParser(std::string boundary, Callbacks callbacks)
    : delimiter_("\r\n--" + std::move(boundary)), callbacks_(std::move(callbacks)) {}

void MultipartParser::parse_headers(std::string_view block) {
    PartHeaders h;
    bool disposition = false;
    while (!block.empty()) {
        auto eol = block.find("\r\n");
        auto line = block.substr(0, eol);
        block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 2);
        if (line.empty()) continue;
        auto colon = line.find(':');
        if (colon == std::string_view::npos) malformed("a part header without a colon");
        auto key = lower(trim_blanks(line.substr(0, colon)));
        auto value = trim_blanks(line.substr(colon + 1));
        if (key == "content-disposition") {
            auto semi = value.find(';');
            if (lower(trim_blanks(value.substr(0, semi))) != "form-data") {
                malformed("a part that is not form-data");
            }
            auto name = header_param(value, "name");
            if (!name) malformed("a part without a name");
            h.name = *name;
            if (auto star = header_param(value, "filename*")) {
                // RFC 5987: charset'language'percent-encoded
                auto second = star->find('\'', star->find('\'') + 1);
                auto encoded = second == std::string::npos ? *star : star->substr(second + 1);
                auto decoded = percent_decode(encoded);
                if (!decoded) malformed("a filename* that is not percent-encoded");
                h.filename = *decoded;
            } else if (auto plain = header_param(value, "filename")) {
                h.filename = *plain;
            }
            disposition = true;
        } else if (key == "content-type") {
            h.content_type = std::string(value);
        }
    }
    if (!disposition) malformed("a part without Content-Disposition");
    if (h.filename) {
        // Only the last path segment: browsers on Windows once sent C:\Users\...\menu.pdf.
        auto slash = h.filename->find_last_of("/\\");
        if (slash != std::string::npos) h.filename = h.filename->substr(slash + 1);
    }
    if (++parts_ > kMaxPartsParsed) malformed("too many parts");
    if (callbacks_.on_part) callbacks_.on_part(h);
}

void MultipartParser::feed(std::string_view bytes) {
    if (failed_) malformed("it was refused already");
    struct Fail {  // marks the parser failed when anything below throws
        bool& failed;
        bool ok = false;
        ~Fail() {
            if (!ok) failed = true;
        }
    } guard{failed_};
    feed_more(bytes);
    guard.ok = true;
}

void MultipartParser::feed_more(std::string_view bytes) {
    buffer_.append(bytes);
    for (;;) {
        switch (state_) {
            case State::preamble: {
                // The first boundary: "--boundary" at the very start or after CRLF.
                std::string_view dash(delimiter_.data() + 2, delimiter_.size() - 2);
                if (first_ && buffer_.size() >= dash.size() &&
                    std::string_view(buffer_).substr(0, dash.size()) == dash) {
                    buffer_.erase(0, dash.size());
                    state_ = State::after_boundary;
                    first_ = false;
                    continue;
                }
                if (first_ && buffer_.size() < dash.size() &&
                    std::string_view(dash).substr(0, buffer_.size()) == buffer_) {
                    return;  // maybe the boundary, not complete yet
                }
                first_ = false;
                auto at = buffer_.find(delimiter_);
                if (at == std::string::npos) {
                    // Keep what could be the start of the delimiter.
                    if (buffer_.size() > delimiter_.size()) {
                        buffer_.erase(0, buffer_.size() - delimiter_.size());
                    }
                    return;
                }
                buffer_.erase(0, at + delimiter_.size());
                state_ = State::after_boundary;
                continue;
            }
            case State::after_boundary: {
                if (buffer_.size() < 2) return;
                if (buffer_.compare(0, 2, "--") == 0) {
                    state_ = State::done;
                    buffer_.clear();
                    return;
                }
                // Transport padding (spaces, tabs) may follow a boundary before its CRLF.
                auto eol = buffer_.find("\r\n");
                if (eol == std::string::npos) {
                    if (buffer_.size() > 256) malformed("garbage after a boundary");
                    return;
                }
                if (buffer_.find_first_not_of(" \t", 0) < eol)
                    malformed("garbage after a boundary");
                buffer_.erase(0, eol + 2);
                state_ = State::headers;
                continue;
            }
            case State::headers: {
                std::size_t end;
                std::size_t skip;
                if (buffer_.compare(0, 2, "\r\n") == 0) {
                    end = 0;  // a part without headers
                    skip = 2;
                } else {
                    end = buffer_.find("\r\n\r\n");
                    skip = 4;
                }
                if (end == std::string::npos || end > kMaxHeaderBlock) {
                    if (buffer_.size() > kMaxHeaderBlock) malformed("part headers over 16 KiB");
                    return;
                }
                parse_headers(std::string_view(buffer_).substr(0, end));
                buffer_.erase(0, end + skip);
                state_ = State::body;
                continue;
            }
            case State::body: {
                auto at = buffer_.find(delimiter_);
                if (at == std::string::npos) {
                    // Everything but a possible start of the delimiter is part data.
                    if (buffer_.size() > delimiter_.size()) {
                        auto n = buffer_.size() - delimiter_.size();
                        if (callbacks_.on_data)
                            callbacks_.on_data(std::string_view(buffer_).substr(0, n));
                        buffer_.erase(0, n);
                    }
                    return;
                }
                if (at > 0 && callbacks_.on_data) {
                    callbacks_.on_data(std::string_view(buffer_).substr(0, at));
                }
                if (callbacks_.on_part_end) callbacks_.on_part_end();
                buffer_.erase(0, at + delimiter_.size());
                state_ = State::after_boundary;
                continue;
            }
            case State::done:
                buffer_.clear();  // the epilogue is ignored
                return;
        }
    }
}

void MultipartParser::finish() {
    if (state_ != State::done) {
        malformed(parts_ == 0 ? "no part and no closing boundary"
                              : "it ends without the closing boundary");
    }
}

std::vector<FormPart> parse_form(std::string_view body, const std::string& boundary,
                                 const FormLimits& limits) {
    std::vector<FormPart> parts;
    MultipartParser::Callbacks cb;
    cb.on_part = [&](const PartHeaders& h) {
        if (static_cast<int>(parts.size()) >= limits.max_parts) {
            throw Error(Errc::bad_request,
                        "The form has more than " + std::to_string(limits.max_parts) + " parts.");
        }
        parts.push_back({h, {}});
    };
    cb.on_data = [&](std::string_view data) {
        auto& p = parts.back();
        std::size_t max = p.headers.filename ? limits.max_file_bytes : limits.max_field_bytes;
        if (p.data.size() + data.size() > max) {
            throw Error(Errc::payload_too_large,
                        p.headers.filename
                            ? "The file is larger than " + std::to_string(max / (1024 * 1024)) +
                                  " MiB (KB_MAX_FILE_MB)."
                            : "The form field " + p.headers.name + " is larger than " +
                                  std::to_string(max / 1024) + " KiB.");
        }
        p.data.append(data);
    };
    MultipartParser parser(boundary, std::move(cb));
    parser.feed(body);
    parser.finish();
    return parts;
}

}  // namespace botflow::http
