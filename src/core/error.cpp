#include "botflow/core/error.hpp"

namespace botflow {

Error::Error(Errc code, std::string detail, std::string cause, std::vector<FieldError> fields)
    : std::runtime_error(detail),
      code_(code),
      detail_(std::move(detail)),
      cause_(std::move(cause)),
      fields_(std::move(fields)) {}

Error&& Error::with_header(std::string name, std::string value) && {
    headers_.emplace_back(std::move(name), std::move(value));
    return std::move(*this);
}

Error&& Error::with_extension(const std::string& key, nlohmann::json value) && {
    extensions_[key] = std::move(value);
    return std::move(*this);
}

std::string FieldErrors::list() const {
    std::string out;
    for (const auto& e : errors_) {
        if (!out.empty()) out += "; ";
        out += e.field + " " + e.message;
    }
    return out;
}

void FieldErrors::throw_if_any(const std::string& detail) {
    if (errors_.empty()) return;
    throw Error(Errc::unprocessable, detail, {}, std::move(errors_));
}

bool Error::transient() const noexcept {
    return code_ == Errc::unavailable || code_ == Errc::rate_limited ||
           code_ == Errc::upstream_failed;
}

const char* errc_name(Errc code) noexcept {
    switch (code) {
        case Errc::bad_request:
            return "bad_request";
        case Errc::unauthorized:
            return "unauthorized";
        case Errc::forbidden:
            return "forbidden";
        case Errc::not_found:
            return "not_found";
        case Errc::method_not_allowed:
            return "method_not_allowed";
        case Errc::conflict:
            return "conflict";
        case Errc::payload_too_large:
            return "payload_too_large";
        case Errc::unsupported_media_type:
            return "unsupported_media_type";
        case Errc::unprocessable:
            return "unprocessable";
        case Errc::header_too_large:
            return "header_too_large";
        case Errc::rate_limited:
            return "rate_limited";
        case Errc::unavailable:
            return "unavailable";
        case Errc::upstream_failed:
            return "upstream_failed";
        case Errc::internal:
            return "internal";
    }
    return "internal";
}

}  // namespace botflow
