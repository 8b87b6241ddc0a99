// The one error type that crosses module boundaries, mapped to problem+json by http/problem.
#pragma once
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace botflow {

enum class Errc {
    bad_request,
    unauthorized,
    forbidden,
    not_found,
    method_not_allowed,
    conflict,
    payload_too_large,
    unsupported_media_type,
    unprocessable,
    header_too_large,
    rate_limited,
    unavailable,
    upstream_failed,
    internal,
};

struct FieldError {
    std::string field;
    std::string message;
};

// `detail` is safe to show the caller; `cause` goes to the log and never leaves the process.
class Error : public std::runtime_error {
public:
    Error(Errc code, std::string detail, std::string cause = {},
          std::vector<FieldError> fields = {});

    Errc code() const noexcept { return code_; }
    const std::string& detail() const noexcept { return detail_; }
    const std::string& cause() const noexcept { return cause_; }
    const std::vector<FieldError>& fields() const noexcept { return fields_; }
    /// Response headers the error implies (Allow for 405, Retry-After for 429/503).
    const std::vector<std::pair<std::string, std::string>>& headers() const noexcept {
        return headers_;
    }
    /// Extra members of the problem document (RFC 9457 extensions), e.g. readiness checks.
    const nlohmann::json& extensions() const noexcept { return extensions_; }

    Error&& with_header(std::string name, std::string value) &&;
    Error&& with_extension(const std::string& key, nlohmann::json value) &&;

    /// unavailable, rate_limited, upstream_failed: a job that hit it retries.
    bool transient() const noexcept;

private:
    Errc code_;
    std::string detail_;
    std::string cause_;
    std::vector<FieldError> fields_;
    std::vector<std::pair<std::string, std::string>> headers_;
    nlohmann::json extensions_ = nlohmann::json::object();
};

/// Collects what is wrong with each field of a request, so that one 422 names them all.
class FieldErrors {
public:
    void add(std::string field, std::string message) {
        errors_.push_back({std::move(field), std::move(message)});
    }
    bool empty() const noexcept { return errors_.empty(); }
    /// Every field and its message: "name must be ...; language must be ...".
    std::string list() const;
    /// When any were added, throws Errc::unprocessable with them all in `fields()` and
    /// `detail` as the problem's detail (a form shows each field's message beside it).
    void throw_if_any(const std::string& detail);

private:
    std::vector<FieldError> errors_;
};

/// The stable name of a code, e.g. "not_found"; used in logs and problem types.
const char* errc_name(Errc code) noexcept;

}  // namespace botflow
