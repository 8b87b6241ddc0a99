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

namespace {

// What a step of the parser made of the bytes buffered so far.
enum class Step {
    wait,    // it needs more bytes
    next,    // it consumed its part of the body: go on to the next state
    closed,  // the closing boundary: the body is complete
};

// Before the first boundary: "--boundary" at the very start or after CRLF.
Step skip_preamble(std::string& buffer, const std::string& delimiter, bool& first) {
    std::string_view dash(delimiter.data() + 2, delimiter.size() - 2);
    if (first && buffer.size() >= dash.size() &&
        std::string_view(buffer).substr(0, dash.size()) == dash) {
        buffer.erase(0, dash.size());
        first = false;
        return Step::next;
    }
    if (first && buffer.size() < dash.size() &&
        std::string_view(dash).substr(0, buffer.size()) == buffer) {
        return Step::wait;  // maybe the boundary, not complete yet
    }
    first = false;
    auto at = buffer.find(delimiter);
    if (at == std::string::npos) {
        // Keep what could be the start of the delimiter.
        if (buffer.size() > delimiter.size()) {
            buffer.erase(0, buffer.size() - delimiter.size());
        }
        return Step::wait;
    }
    buffer.erase(0, at + delimiter.size());
    return Step::next;
}

// Just after a boundary: "--" closes the body, else the line ends and a part's headers follow.
Step after_boundary(std::string& buffer) {
    if (buffer.size() < 2) return Step::wait;
    if (buffer.compare(0, 2, "--") == 0) {
        buffer.clear();
        return Step::closed;
    }
    // Transport padding (spaces, tabs) may follow a boundary before its CRLF.
    auto eol = buffer.find("\r\n");
    if (eol == std::string::npos) {
        if (buffer.size() > 256) malformed("garbage after a boundary");
        return Step::wait;
    }
    if (buffer.find_first_not_of(" \t", 0) < eol) malformed("garbage after a boundary");
    buffer.erase(0, eol + 2);
    return Step::next;
}

// The size of a part's header block and of the blank line after it, once both arrived.
std::optional<std::pair<std::size_t, std::size_t>> header_block(const std::string& buffer) {
    std::size_t end;
    std::size_t skip;
    if (buffer.compare(0, 2, "\r\n") == 0) {
        end = 0;  // a part without headers
        skip = 2;
    } else {
        end = buffer.find("\r\n\r\n");
        skip = 4;
    }
    if (end == std::string::npos || end > kMaxHeaderBlock) {
        if (buffer.size() > kMaxHeaderBlock) malformed("part headers over 16 KiB");
        return std::nullopt;
    }
    return std::make_pair(end, skip);
}

// A part's data, up to the next delimiter (next: the part ended there).
Step take_body(std::string& buffer, const std::string& delimiter,
               const MultipartParser::Callbacks& callbacks) {
    auto at = buffer.find(delimiter);
    if (at == std::string::npos) {
        // Everything but a possible start of the delimiter is part data.
        if (buffer.size() > delimiter.size()) {
            auto n = buffer.size() - delimiter.size();
            if (callbacks.on_data) callbacks.on_data(std::string_view(buffer).substr(0, n));
            buffer.erase(0, n);
        }
        return Step::wait;
    }
    if (at > 0 && callbacks.on_data) {
        callbacks.on_data(std::string_view(buffer).substr(0, at));
    }
    if (callbacks.on_part_end) callbacks.on_part_end();
    buffer.erase(0, at + delimiter.size());
    return Step::next;
}

}  // namespace

void MultipartParser::feed_more(std::string_view bytes) {
    buffer_.append(bytes);
    for (;;) {
        switch (state_) {
            case State::preamble:
                if (skip_preamble(buffer_, delimiter_, first_) == Step::wait) return;
                state_ = State::after_boundary;
                continue;
            case State::after_boundary: {
                auto step = after_boundary(buffer_);
                if (step == Step::wait) return;
                state_ = step == Step::closed ? State::done : State::headers;
                if (step == Step::closed) return;
                continue;
            }
            case State::headers: {
                auto block = header_block(buffer_);
                if (!block) return;
                parse_headers(std::string_view(buffer_).substr(0, block->first));
                buffer_.erase(0, block->first + block->second);
                state_ = State::body;
                continue;
            }
            case State::body:
                if (take_body(buffer_, delimiter_, callbacks_) == Step::wait) return;
                state_ = State::after_boundary;
                continue;
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
