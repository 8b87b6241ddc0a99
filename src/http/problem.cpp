#include "problem.hpp"

#include <spdlog/spdlog.h>

namespace botflow::http {
namespace {

struct Kind {
    int status;
    const char* title;
};

Kind kind_of(Errc code) noexcept {
    switch (code) {
        case Errc::bad_request:
            return {400, "Bad Request"};
        case Errc::unauthorized:
            return {401, "Unauthorized"};
        case Errc::forbidden:
            return {403, "Forbidden"};
        case Errc::not_found:
            return {404, "Not Found"};
        case Errc::method_not_allowed:
            return {405, "Method Not Allowed"};
        case Errc::conflict:
            return {409, "Conflict"};
        case Errc::payload_too_large:
            return {413, "Content Too Large"};
        case Errc::unsupported_media_type:
            return {415, "Unsupported Media Type"};
        case Errc::unprocessable:
            return {422, "Unprocessable Content"};
        case Errc::header_too_large:
            return {431, "Request Header Fields Too Large"};
        case Errc::rate_limited:
            return {429, "Too Many Requests"};
        case Errc::unavailable:
            return {503, "Service Unavailable"};
        case Errc::upstream_failed:
            return {502, "Bad Gateway"};
        case Errc::internal:
            return {500, "Internal Server Error"};
    }
    return {500, "Internal Server Error"};
}

Response render(const Error& error, std::string_view instance, std::string_view request_id) {
    Kind kind = kind_of(error.code());
    nlohmann::json body = error.extensions();
    std::string type = errc_name(error.code());
    std::replace(type.begin(), type.end(), '_', '-');
    body["type"] = "urn:botflow:problem:" + type;
    body["title"] = kind.title;
    body["status"] = kind.status;
    body["detail"] = error.detail();
    body["instance"] = instance;
    body["request_id"] = request_id;
    if (!error.fields().empty()) {
        auto& errors = body["errors"] = nlohmann::json::array();
        for (const auto& f : error.fields()) {
            errors.push_back({{"field", f.field}, {"message", f.message}});
        }
    }
    Response r;
    r.status = kind.status;
    r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    r.headers.emplace_back("Content-Type", "application/problem+json");
    for (const auto& [k, v] : error.headers()) r.set_header(k, v);
    return r;
}

}  // namespace

int status_of(Errc code) noexcept { return kind_of(code).status; }

Response problem_response(const Error& error, std::string_view instance,
                          std::string_view request_id) {
    int status = status_of(error.code());
    if (status >= 500) {
        spdlog::error("http.problem request_id={} status={} code={} detail=\"{}\" cause=\"{}\"",
                      request_id, status, errc_name(error.code()), error.detail(), error.cause());
    } else {
        spdlog::info("http.problem request_id={} status={} code={} detail=\"{}\"", request_id,
                     status, errc_name(error.code()), error.detail());
    }
    return render(error, instance, request_id);
}

Response problem_from_exception(std::exception_ptr error, std::string_view instance,
                                std::string_view request_id) {
    try {
        std::rethrow_exception(error);
    } catch (const Error& e) {
        return problem_response(e, instance, request_id);
    } catch (const std::exception& e) {
        spdlog::error("http.unhandled request_id={} what=\"{}\"", request_id, e.what());
    } catch (...) {
        spdlog::error("http.unhandled request_id={} what=unknown", request_id);
    }
    return render(Error(Errc::internal, "Something went wrong on our side; it has been logged."),
                  instance, request_id);
}

}  // namespace botflow::http
