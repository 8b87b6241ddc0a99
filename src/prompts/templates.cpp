#include "botflow/prompts/templates.hpp"

#include <algorithm>
#include <stdexcept>

#include "botflow/core/embedded.hpp"
#include "botflow/core/error.hpp"

namespace botflow::prompts {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

bool known(std::string_view name) {
    return std::any_of(kVariables.begin(), kVariables.end(),
                       [name](const Variable& v) { return v.name == name; });
}

// Calls f(name, begin, end) for each {{...}} in body; returns the position of an unclosed
// "{{", or npos.
template <class F>
std::size_t each_variable(std::string_view body, F f) {
    std::size_t pos = 0;
    while ((pos = body.find("{{", pos)) != std::string_view::npos) {
        auto end = body.find("}}", pos + 2);
        if (end == std::string_view::npos) return pos;
        f(trim(body.substr(pos + 2, end - pos - 2)), pos, end + 2);
        pos = end + 2;
    }
    return std::string_view::npos;
}

}  // namespace

TemplateFile parse_template_file(std::string slug, std::string_view text) {
    TemplateFile t;
    t.slug = std::move(slug);
    auto next_line = [&text]() -> std::string_view {
        auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        return trim(line);
    };
    if (next_line() != "---") throw std::invalid_argument("must start with a --- line");
    for (;;) {
        if (text.empty()) throw std::invalid_argument("the front matter has no closing ---");
        auto line = next_line();
        if (line == "---") break;
        auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            throw std::invalid_argument("front matter line without a colon: " + std::string(line));
        }
        auto key = trim(line.substr(0, colon));
        auto value = std::string(trim(line.substr(colon + 1)));
        if (key == "name") {
            t.name = value;
        } else if (key == "category") {
            t.category = value;
        } else if (key == "description") {
            t.description = value;
        } else {
            throw std::invalid_argument("unknown front matter key: " + std::string(key));
        }
    }
    while (!text.empty() && (text.front() == '\n' || text.front() == '\r')) text.remove_prefix(1);
    t.body = std::string(text);
    while (!t.body.empty() && (t.body.back() == '\n' || t.body.back() == ' ')) t.body.pop_back();
    if (t.name.empty() || t.category.empty() || t.description.empty()) {
        throw std::invalid_argument("name, category and description are all required");
    }
    if (t.body.empty()) throw std::invalid_argument("the template text is empty");
    return t;
}

std::vector<TemplateFile> builtin_templates() {
    std::vector<TemplateFile> out;
    for (const auto& f : embedded_templates()) {
        std::string slug(f.name);
        if (slug.size() > 3 && slug.substr(slug.size() - 3) == ".md") slug.resize(slug.size() - 3);
        try {
            out.push_back(parse_template_file(slug, f.content));
            validate_body(out.back().body);
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument("templates/" + std::string(f.name) + ": " + e.what());
        } catch (const Error& e) {
            throw std::invalid_argument("templates/" + std::string(f.name) + ": " + e.detail());
        }
    }
    return out;
}

std::vector<std::string> used_variables(std::string_view body) {
    std::vector<std::string> out;
    each_variable(body, [&out](std::string_view name, std::size_t, std::size_t) {
        if (std::find(out.begin(), out.end(), name) == out.end()) out.emplace_back(name);
    });
    return out;
}

void validate_body(std::string_view body) {
    std::vector<std::string> unknown;
    auto unclosed =
        each_variable(body, [&unknown](std::string_view name, std::size_t, std::size_t) {
            if (!known(name) && std::find(unknown.begin(), unknown.end(), name) == unknown.end()) {
                unknown.emplace_back(name);
            }
        });
    std::string allowed;
    for (const auto& v : kVariables) allowed += (allowed.empty() ? "" : ", ") + std::string(v.name);
    if (!unknown.empty()) {
        std::string list;
        for (const auto& u : unknown) list += (list.empty() ? "{{" : ", {{") + u + "}}";
        throw Error(Errc::unprocessable,
                    "Unknown variable" + std::string(unknown.size() > 1 ? "s " : " ") + list +
                        ". The variables are: " + allowed + ".",
                    {}, {{"body", "unknown variable " + list}});
    }
    if (unclosed != std::string_view::npos) {
        throw Error(
            Errc::unprocessable,
            "A {{ at character " + std::to_string(unclosed + 1) + " is never closed with }}.", {},
            {{"body", "unclosed {{"}});
    }
}

std::string render(std::string_view body, const std::map<std::string, std::string>& values) {
    std::string out;
    out.reserve(body.size() + 1024);
    std::size_t copied = 0;
    each_variable(body, [&](std::string_view name, std::size_t begin, std::size_t end) {
        if (!known(name)) return;
        out.append(body.substr(copied, begin - copied));
        auto it = values.find(std::string(name));
        if (it != values.end()) out += it->second;
        copied = end;
    });
    out.append(body.substr(copied));
    return out;
}

}  // namespace botflow::prompts
