// Reading a node's config: each value checked for its type and bounds, every problem named
// "config.<key>" on the node. Private to flows/.
#pragma once
#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "botflow/core/error.hpp"
#include "botflow/whatsapp/outgoing.hpp"
#include "flows/nodes.hpp"
#include "flows/variables.hpp"

namespace botflow::flows {

using nlohmann::json;

// Reads one node's config, each problem named "config.<key>".
class Reader {
public:
    Reader(const Node& node, Problems& problems)
        : node_(node), config_(node.config), problems_(problems) {}

    void problem(const std::string& key, std::string message) {
        problems_.push_back(
            {node_.id, "config" + (key.empty() ? "" : "." + key), std::move(message)});
    }
    bool has(const char* key) const { return config_.contains(key) && !config_[key].is_null(); }
    const json& raw(const char* key) const { return config_[key]; }

    std::string text(const char* key, bool required, std::size_t max = 4096) {
        if (!has(key)) {
            if (required) problem(key, "is required");
            return {};
        }
        if (!config_[key].is_string()) {
            problem(key, "must be text");
            return {};
        }
        auto value = config_[key].get<std::string>();
        if (required && value.empty()) problem(key, "must not be empty");
        if (value.size() > max) problem(key, "must be at most " + std::to_string(max) + " bytes");
        return value;
    }
    std::optional<double> number(const char* key) {
        if (!has(key)) return std::nullopt;
        if (!config_[key].is_number()) {
            problem(key, "must be a number");
            return std::nullopt;
        }
        return config_[key].get<double>();
    }
    int whole(const char* key, int fallback, int min, int max) {
        auto v = number(key);
        if (!v) return fallback;
        if (*v != static_cast<double>(static_cast<long long>(*v)) || *v < min || *v > max) {
            problem(key, "must be a whole number from " + std::to_string(min) + " to " +
                             std::to_string(max));
            return fallback;
        }
        return static_cast<int>(*v);
    }
    bool flag(const char* key) {
        if (!has(key)) return false;
        if (!config_[key].is_boolean()) problem(key, "must be true or false");
        return config_[key].is_boolean() && config_[key].get<bool>();
    }
    std::vector<std::string> texts(const char* key, bool required) {
        std::vector<std::string> out;
        if (!has(key) || !config_[key].is_array()) {
            if (required || has(key)) problem(key, "must be a list of texts");
            return out;
        }
        for (const auto& item : config_[key]) {
            if (!item.is_string() || item.get<std::string>().empty()) {
                problem(key, "must be a list of texts, none empty");
                return {};
            }
            out.push_back(item.get<std::string>());
        }
        if (required && out.empty()) problem(key, "must list at least one");
        return out;
    }
    // A variable name the node writes: well formed, and not one of the built-in roots.
    std::string variable(const char* key, bool required) {
        auto name = text(key, required, 200);
        if (!name.empty()) check_variable_name(key, name);
        return name;
    }
    void check_variable_name(const std::string& key, const std::string& name) {
        static constexpr std::array kReserved{"customer", "conversation", "business",
                                              "message",  "secrets",      "flow"};
        if (!valid_name(name)) {
            problem(key, "'" + name + "' is not a variable name: letters, digits, _ and dots");
            return;
        }
        auto root = name.substr(0, name.find('.'));
        for (const char* r : kReserved) {
            if (root == r) problem(key, "'" + root + "' is BotFlow's own; choose another name");
        }
    }
    std::optional<Pattern> pattern(const char* key, bool caseless) {
        auto source = text(key, true, 1000);
        if (source.empty()) return std::nullopt;
        std::string error;
        auto p = Pattern::compile(source, caseless, error);
        if (!p) problem(key, error);
        return p;
    }
    // A message as docs/messages.md has it, checked against WhatsApp's limits.
    json message(const char* key) {
        if (!has(key) || !config_[key].is_object()) {
            problem(key, "must be a message, like {\"type\": \"text\", \"text\": \"Hello\"}");
            return json::object();
        }
        try {
            whatsapp::parse_outgoing(config_[key]);
        } catch (const Error& e) {
            if (e.fields().empty()) problem(key, e.detail());
            for (const auto& f : e.fields()) problem(std::string(key) + "." + f.field, f.message);
        }
        return config_[key];
    }

private:
    const Node& node_;
    const json& config_;
    Problems& problems_;
};

}  // namespace botflow::flows
