// Reading nullable columns of a libpqxx row, for the repositories.
#pragma once
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>

namespace botflow::store {

inline std::optional<std::string> text_or_null(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    return f.as<std::string>();
}

inline std::optional<std::int64_t> int_or_null(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    return f.as<std::int64_t>();
}

}  // namespace botflow::store
