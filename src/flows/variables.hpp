// A flow's variables in text: `{{customer.name}}`, `{{order.status | "unknown"}}`, found for
// the publish check and filled in at run time from the run's values. Pure. Private to flows/.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace botflow::flows {

/// One `{{name}}` or `{{name | "fallback"}}` in a text.
struct Reference {
    std::string name;                     // dotted: "order.items.0.title"
    std::optional<std::string> fallback;  // what to show when it has no value
};

/// Every reference in `text`, in order. A malformed one (`{{` without `}}`, a name that is not
/// letters, digits, `_` and dots, a fallback that is not a "quoted" string) sets `error` to what
/// is wrong and stops there.
std::vector<Reference> references(std::string_view text, std::string& error);

/// Every reference in every string of `value` (keys excluded), with the first error met.
std::vector<Reference> references_in(const nlohmann::json& value, std::string& error);

/// Whether `name` is a well-formed variable name (letters, digits, `_`, dotted parts; the first
/// part starts with a letter or `_`).
bool valid_name(std::string_view name);

/// The value at a dotted path ("order.items.0.title"): object members and array indexes;
/// null when there is none.
const nlohmann::json* find_path(const nlohmann::json& root, std::string_view path);

/// Sets the value at a dotted path, making the objects on the way (replacing what is not one).
void set_path(nlohmann::json& root, std::string_view path, nlohmann::json value);

/// A value as text: strings as they are, numbers and booleans as JSON writes them, a list of
/// plain values joined with ", ", anything else as JSON; null is empty.
std::string as_text(const nlohmann::json& value);

/// A variable's value, or nullopt when it has none.
using Lookup = std::function<const nlohmann::json*(const std::string& name)>;

/// `text` with each reference replaced by its value (as_text), or its fallback, or nothing.
/// Malformed references are left as they are (publishing refuses them).
std::string render(std::string_view text, const Lookup& lookup);

/// `value` with render() applied to every string; a string that is one reference and nothing
/// else takes the variable's own JSON value (a number stays a number).
nlohmann::json render_json(const nlohmann::json& value, const Lookup& lookup);

}  // namespace botflow::flows
