// A value that must never reach a log line: formats as [redacted], readable only via reveal().
#pragma once
#include <fmt/format.h>

#include <string>
#include <utility>

namespace botflow {

class Secret {
public:
    Secret() = default;
    explicit Secret(std::string value) : value_(std::move(value)) {}
    const std::string& reveal() const noexcept { return value_; }
    bool empty() const noexcept { return value_.empty(); }

private:
    std::string value_;
};

}  // namespace botflow

template <>
struct fmt::formatter<botflow::Secret> : fmt::formatter<std::string_view> {
    template <class Ctx>
    auto format(const botflow::Secret&, Ctx& ctx) const {
        return fmt::formatter<std::string_view>::format("[redacted]", ctx);
    }
};
