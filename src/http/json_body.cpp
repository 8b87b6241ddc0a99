#include "botflow/http/json_body.hpp"

#include <cctype>
#include <string>

#include "botflow/core/encoding.hpp"
#include "botflow/core/error.hpp"

namespace botflow::http {
namespace {

[[noreturn]] void invalid(const std::string& field, const std::string& message) {
    throw Error(Errc::unprocessable, field + " " + message + ".", {}, {{field, message}});
}

}  // namespace

namespace {

// application/json or application/<something>+json, parameters (charset) aside.
bool is_json_type(std::string_view type) {
    type = type.substr(0, type.find(';'));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
    std::string lower(type);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "application/json") return true;
    return lower.rfind("application/", 0) == 0 && lower.size() > 17 &&
           lower.compare(lower.size() - 5, 5, "+json") == 0;
}

}  // namespace

nlohmann::json json_object_body(const Request& req) {
    // A body without its type is refused too: a page of another site can send one without the
    // browser asking this server first, as it can text/plain.
    auto type = req.header("content-type");
    if (type.empty() ? !req.body.empty() : !is_json_type(type)) {
        throw Error(Errc::unsupported_media_type,
                    "Send the body as JSON with Content-Type: application/json.");
    }
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        throw Error(Errc::bad_request, "The request body must be a JSON object.");
    }
    return body;
}

std::string required_string(const nlohmann::json& body, const std::string& field,
                            std::size_t max_bytes) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) invalid(field, "is required");
    if (!it->is_string()) invalid(field, "must be a string");
    auto value = it->get<std::string>();
    if (value.empty()) invalid(field, "must not be empty");
    if (value.find('\0') != std::string::npos) invalid(field, "must not contain NUL characters");
    if (value.size() > max_bytes) {
        invalid(field, "must be at most " + std::to_string(max_bytes) + " bytes");
    }
    return value;
}

std::optional<std::string> optional_string(const nlohmann::json& body, const std::string& field,
                                           std::size_t max_bytes) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) invalid(field, "must be a string");
    auto value = it->get<std::string>();
    if (value.size() > max_bytes) {
        invalid(field, "must be at most " + std::to_string(max_bytes) + " bytes");
    }
    if (value.find('\0') != std::string::npos) invalid(field, "must not contain NUL characters");
    return value;
}

std::optional<long long> integer_query(const Request& req, const std::string& name, long long min,
                                       long long max) {
    auto v = req.query_param(name);
    if (!v) return std::nullopt;
    try {
        std::size_t used = 0;
        long long n = std::stoll(*v, &used);
        if (used == v->size() && n >= min && n <= max) return n;
    } catch (const std::exception&) {
    }
    std::string range = std::to_string(min) + " to " + std::to_string(max);
    throw Error(Errc::unprocessable, name + " must be a whole number from " + range + ".", {},
                {{name, "must be a whole number from " + range}});
}

std::optional<bool> optional_bool(const nlohmann::json& body, const std::string& field) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean()) invalid(field, "must be true or false");
    return it->get<bool>();
}

std::string id_param(const Request& req, const std::string& what) {
    std::string id(req.param("id"));
    if (!is_uuid(id)) not_found(what, id);
    return id;
}

void not_found(const std::string& what, const std::string& id) {
    throw Error(Errc::not_found, "No " + what + " has the id " + id + ".");
}

}  // namespace botflow::http
