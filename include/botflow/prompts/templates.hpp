// Prompt templates: the files in templates/, their {{variables}}, validation and rendering.
// Pure.
#pragma once
#include <array>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace botflow::prompts {

/// The variables a template may use, filled in when the AI answers.
inline constexpr std::array<std::string_view, 8> kVariables = {
    "business_name",        "customer_name",  "customer_message", "relevant_documents",
    "conversation_history", "business_hours", "current_date",     "language"};

struct TemplateFile {
    std::string slug;  // the file name without .md
    std::string name;
    std::string category;
    std::string description;
    std::string body;
};

/// Parses a template file: a front matter of name, category and description between two
/// "---" lines, then the template text. Throws std::invalid_argument saying what is wrong.
TemplateFile parse_template_file(std::string slug, std::string_view text);

/// The templates/ files compiled into the binary, parsed. Throws std::invalid_argument naming
/// a file that does not parse (a unit test keeps them all valid).
std::vector<TemplateFile> builtin_templates();

/// The variables `body` uses ({{name}}, spaces inside the braces allowed), each once, in order
/// of first use, known or not.
std::vector<std::string> used_variables(std::string_view body);

/// Throws Errc::unprocessable (field `body`) naming every unknown variable, or an unclosed
/// "{{".
void validate_body(std::string_view body);

/// `body` with each known {{variable}} replaced by its value (missing values: empty).
std::string render(std::string_view body, const std::map<std::string, std::string>& values);

}  // namespace botflow::prompts
