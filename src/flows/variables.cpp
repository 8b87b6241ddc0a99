#include "flows/variables.hpp"

#include <cctype>
#include <charconv>

namespace botflow::flows {
namespace {

using nlohmann::json;

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// A "quoted" fallback with \" and \\ escapes; nullopt when it is not one.
std::optional<std::string> parse_quoted(std::string_view s) {
    if (s.size() < 2 || s.front() != '"' || s.back() != '"') return std::nullopt;
    std::string out;
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
        if (s[i] == '\\' && i + 2 < s.size()) {
            out += s[++i];
        } else if (s[i] == '"') {
            return std::nullopt;
        } else {
            out += s[i];
        }
    }
    return out;
}

// The reference inside one `{{ ... }}`, or the reason it is not one.
std::optional<Reference> parse_inside(std::string_view inside, std::string& error) {
    Reference ref;
    auto bar = inside.find('|');
    auto name = trim(inside.substr(0, bar));
    if (!valid_name(name)) {
        error = "{{" + std::string(inside) +
                "}} is not a variable: a name is letters, digits, _ "
                "and dots, like {{customer.name}}";
        return std::nullopt;
    }
    ref.name = std::string(name);
    if (bar != std::string_view::npos) {
        auto fallback = parse_quoted(trim(inside.substr(bar + 1)));
        if (!fallback) {
            error = "{{" + std::string(inside) +
                    "}}: the value after | must be in double quotes, "
                    "like {{order.status | \"unknown\"}}";
            return std::nullopt;
        }
        ref.fallback = std::move(fallback);
    }
    return ref;
}

// Calls `each(begin, end, reference)` for every reference in order; false at a malformed one.
template <class Each>
bool scan(std::string_view text, std::string& error, Each each) {
    std::size_t at = 0;
    while ((at = text.find("{{", at)) != std::string_view::npos) {
        auto close = text.find("}}", at + 2);
        if (close == std::string_view::npos) {
            error = "a {{ has no closing }}";
            return false;
        }
        auto ref = parse_inside(text.substr(at + 2, close - at - 2), error);
        if (!ref) return false;
        each(at, close + 2, *ref);
        at = close + 2;
    }
    return true;
}

void collect(const json& value, std::vector<Reference>& out, std::string& error) {
    if (value.is_string()) {
        std::string own;
        scan(value.get_ref<const std::string&>(), own,
             [&](std::size_t, std::size_t, const Reference& r) { out.push_back(r); });
        if (error.empty() && !own.empty()) error = own;
    } else if (value.is_structured()) {
        for (const auto& item : value) collect(item, out, error);
    }
}

bool is_index(std::string_view part, std::size_t& index) {
    if (part.empty()) return false;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
    return ec == std::errc() && end == part.data() + part.size();
}

}  // namespace

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > 200) return false;
    bool part_start = true;
    bool first = true;
    for (char c : name) {
        auto u = static_cast<unsigned char>(c);
        if (c == '.') {
            if (part_start) return false;
            part_start = true;
            continue;
        }
        bool letter = std::isalpha(u) != 0 || c == '_';
        if (!letter && std::isdigit(u) == 0) return false;
        if (first && !letter) return false;
        part_start = false;
        first = false;
    }
    return !part_start;
}

std::vector<Reference> references(std::string_view text, std::string& error) {
    std::vector<Reference> out;
    scan(text, error, [&](std::size_t, std::size_t, const Reference& r) { out.push_back(r); });
    return out;
}

std::vector<Reference> references_in(const json& value, std::string& error) {
    std::vector<Reference> out;
    collect(value, out, error);
    return out;
}

const json* find_path(const json& root, std::string_view path) {
    const json* at = &root;
    while (!path.empty()) {
        auto dot = path.find('.');
        auto part = path.substr(0, dot);
        path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
        std::size_t index = 0;
        if (at->is_object()) {
            auto it = at->find(std::string(part));
            if (it == at->end()) return nullptr;
            at = &*it;
        } else if (at->is_array() && is_index(part, index) && index < at->size()) {
            at = &(*at)[index];
        } else {
            return nullptr;
        }
    }
    return at->is_null() ? nullptr : at;
}

void set_path(json& root, std::string_view path, json value) {
    json* at = &root;
    while (true) {
        if (!at->is_object()) *at = json::object();
        auto dot = path.find('.');
        auto part = std::string(path.substr(0, dot));
        if (dot == std::string_view::npos) {
            (*at)[part] = std::move(value);
            return;
        }
        at = &(*at)[part];
        path = path.substr(dot + 1);
    }
}

std::string as_text(const json& value) {
    if (value.is_null()) return "";
    if (value.is_string()) return value.get<std::string>();
    if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
    if (value.is_number()) return value.dump();
    if (value.is_array()) {
        std::string out;
        for (const auto& item : value) {
            if (item.is_structured()) return value.dump();
            if (!out.empty()) out += ", ";
            out += as_text(item);
        }
        return out;
    }
    return value.dump();
}

std::string render(std::string_view text, const Lookup& lookup) {
    std::string out;
    std::string error;
    std::size_t copied = 0;
    bool ok = scan(text, error, [&](std::size_t begin, std::size_t end, const Reference& r) {
        out.append(text.substr(copied, begin - copied));
        const json* value = lookup(r.name);
        auto shown = value ? as_text(*value) : std::string();
        out += shown.empty() && r.fallback ? *r.fallback : shown;
        copied = end;
    });
    if (!ok) return std::string(text);
    out.append(text.substr(copied));
    return out;
}

json render_json(const json& value, const Lookup& lookup) {
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        auto trimmed = trim(text);
        std::string error;
        auto refs = references(trimmed, error);
        bool whole = error.empty() && refs.size() == 1 && trimmed.substr(0, 2) == "{{" &&
                     trimmed.find("}}") == trimmed.size() - 2;
        if (whole) {
            const json* found = lookup(refs[0].name);
            if (found && !found->is_string()) return *found;
        }
        return render(text, lookup);
    }
    if (value.is_object()) {
        json out = json::object();
        for (const auto& [key, item] : value.items()) out[key] = render_json(item, lookup);
        return out;
    }
    if (value.is_array()) {
        json out = json::array();
        for (const auto& item : value) out.push_back(render_json(item, lookup));
        return out;
    }
    return value;
}

}  // namespace botflow::flows
