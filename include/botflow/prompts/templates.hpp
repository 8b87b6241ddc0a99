// Prompt templates: the files in templates/, their {{variables}}, validation and rendering.
// Pure.
#pragma once
#include <array>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace botflow::prompts {

struct Variable {
    std::string_view name;
    std::string_view
        meaning;  // what it holds, for the template editor and GET /api/prompts/variables
};

/// The variables a template may use, filled in when the AI answers.
inline constexpr std::array<Variable, 8> kVariables = {{
    {"business_name", "Your business's name"},
    {"customer_name", "The customer's name, if known"},
    {"customer_message", "What the customer just wrote"},
    {"relevant_documents", "Knowledge passages found for the message"},
    {"conversation_history", "The conversation so far"},
    {"business_hours", "Your opening hours, day by day"},
    {"current_date", "Today's date in your time zone"},
    {"language", "Your business's language"},
}};

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
