// The one place that turns errors into application/problem+json responses (RFC 9457).
#pragma once
#include <exception>
#include <string_view>

#include "botflow/core/error.hpp"
#include "botflow/http/response.hpp"

namespace botflow::http {

/// HTTP status for an error code.
int status_of(Errc code) noexcept;

/// The problem response for `error`; `instance` is the request path, `request_id` echoed.
Response problem_response(const Error& error, std::string_view instance,
                          std::string_view request_id);

/// Maps any exception: botflow::Error as above; anything else a 500 that says nothing, its
/// what() logged at error level with the request id.
Response problem_from_exception(std::exception_ptr error, std::string_view instance,
                                std::string_view request_id);

}  // namespace botflow::http
