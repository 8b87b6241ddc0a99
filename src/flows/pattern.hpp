// Regular expressions written by the owner (a trigger, an answer's format), run on what
// customers write: PCRE2 with limits on the work one match may take, so that no pattern and no
// message can stall a worker. Private to flows/.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace botflow::flows {

class Pattern {
public:
    /// The compiled pattern (UTF-8; `caseless` ignores case), or nullopt with `error` saying
    /// what is wrong and where ("missing closing parenthesis at offset 4").
    static std::optional<Pattern> compile(std::string_view pattern, bool caseless,
                                          std::string& error);

    /// Whether the pattern matches somewhere in `text`. A match that exceeds the limits counts
    /// as no match.
    bool search(std::string_view text) const;
    /// Whether the pattern matches the whole of `text`.
    bool whole(std::string_view text) const;

private:
    struct Code;
    std::shared_ptr<Code> code_;
    bool run(std::string_view text, bool anchored) const;
};

}  // namespace botflow::flows
