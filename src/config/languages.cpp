#include <algorithm>
#include <array>

#include "botflow/config/config.hpp"

namespace botflow::config {

bool is_text_search_language(const std::string& name) {
    static const std::array<const char*, 29> kLanguages = {
        "arabic",    "armenian",   "basque",   "catalan", "danish",     "dutch",
        "english",   "finnish",    "french",   "german",  "greek",      "hindi",
        "hungarian", "indonesian", "irish",    "italian", "lithuanian", "nepali",
        "norwegian", "portuguese", "romanian", "russian", "serbian",    "simple",
        "spanish",   "swedish",    "tamil",    "turkish", "yiddish"};
    return std::find_if(kLanguages.begin(), kLanguages.end(),
                        [&name](const char* l) { return name == l; }) != kLanguages.end();
}

}  // namespace botflow::config
