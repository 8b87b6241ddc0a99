#define PCRE2_CODE_UNIT_WIDTH 8
#include "flows/pattern.hpp"

#include <pcre2.h>

namespace botflow::flows {
namespace {

// Enough for any sensible pattern on a WhatsApp message (4,096 characters); a pattern that
// backtracks catastrophically stops here instead of taking seconds.
constexpr uint32_t kMatchLimit = 200000;
constexpr uint32_t kDepthLimit = 2000;
constexpr std::size_t kMaxPattern = 1000;

}  // namespace

struct Pattern::Code {
    pcre2_code* code = nullptr;
    ~Code() { pcre2_code_free(code); }
};

std::optional<Pattern> Pattern::compile(std::string_view pattern, bool caseless,
                                        std::string& error) {
    if (pattern.empty() || pattern.size() > kMaxPattern) {
        error = "must be 1 to 1000 characters";
        return std::nullopt;
    }
    int code = 0;
    PCRE2_SIZE offset = 0;
    uint32_t options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (caseless ? PCRE2_CASELESS : 0);
    auto* compiled = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   options, &code, &offset, nullptr);
    if (!compiled) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(code, message, sizeof message);
        error = "is not a regular expression: " + std::string(reinterpret_cast<char*>(message)) +
                " at offset " + std::to_string(offset);
        return std::nullopt;
    }
    Pattern p;
    p.code_ = std::make_shared<Code>();
    p.code_->code = compiled;
    return p;
}

bool Pattern::run(std::string_view text, bool anchored) const {
    if (!code_) return false;
    auto* context = pcre2_match_context_create(nullptr);
    pcre2_set_match_limit(context, kMatchLimit);
    pcre2_set_depth_limit(context, kDepthLimit);
    auto* data = pcre2_match_data_create_from_pattern(code_->code, nullptr);
    uint32_t options = anchored ? (PCRE2_ANCHORED | PCRE2_ENDANCHORED) : 0;
    int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0,
                         options, data, context);
    pcre2_match_data_free(data);
    pcre2_match_context_free(context);
    return rc >= 0;
}

bool Pattern::search(std::string_view text) const { return run(text, false); }
bool Pattern::whole(std::string_view text) const { return run(text, true); }

}  // namespace botflow::flows
