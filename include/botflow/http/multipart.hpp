// multipart/form-data (RFC 7578), as `curl -F file=@menu.pdf` sends it: a streaming parser
// fed any number of pieces, and a collector for small forms with one file. Pure.
#pragma once
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace botflow::http {

/// The boundary of a multipart/form-data Content-Type header (quoted or not); nullopt when the
/// type is not multipart/form-data or the boundary is missing or longer than 70 characters.
std::optional<std::string> multipart_boundary(std::string_view content_type);

struct PartHeaders {
    std::string name;                     // the form field
    std::optional<std::string> filename;  // filename*=UTF-8'' wins over filename=
    std::string content_type;             // "" when not given
};

/// Push parser. Throws Errc::bad_request describing what is malformed; once it threw, it
/// accepts nothing more.
class MultipartParser {
public:
    struct Callbacks {
        std::function<void(const PartHeaders&)> on_part;  // a part starts
        std::function<void(std::string_view)> on_data;    // its body, in pieces
        std::function<void()> on_part_end;                // it ended
    };
    MultipartParser(std::string boundary, Callbacks callbacks);

    /// Consumes the next bytes of the body.
    void feed(std::string_view bytes);
    /// The body ended: throws unless the closing boundary was seen.
    void finish();

private:
    enum class State { preamble, after_boundary, headers, body, done };
    void parse_headers(std::string_view block);
    void feed_more(std::string_view bytes);

    std::string delimiter_;  // "\r\n--" + boundary
    Callbacks callbacks_;
    State state_ = State::preamble;
    std::string buffer_;
    bool first_ = true;  // the first boundary may come without the leading CRLF
    int parts_ = 0;
    bool failed_ = false;
};

struct FormPart {
    PartHeaders headers;
    std::string data;
};

struct FormLimits {
    std::size_t max_file_bytes = 10u << 20;   // a part with a filename
    std::size_t max_field_bytes = 64u << 10;  // any other part
    int max_parts = 20;
};

/// Parses a whole body into its parts. Throws Errc::bad_request when malformed or over
/// max_parts, and Errc::payload_too_large naming the limit when a part is too big.
std::vector<FormPart> parse_form(std::string_view body, const std::string& boundary,
                                 const FormLimits& limits);

}  // namespace botflow::http
