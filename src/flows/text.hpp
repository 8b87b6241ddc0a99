// Text as a flow compares it: case and accents folded, split into words, phrases matched on
// whole words, choices matched by their titles. Pure. Private to flows/.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace botflow::flows {

/// Lower case without accents: "Réservér" and "RESERVER" both give "reserver". Latin, Greek
/// and Cyrillic letters are folded; other text is kept as it is.
std::string fold(std::string_view text);

/// The folded words of `text`: runs of letters and digits (any non-ASCII character counts as
/// a letter), apostrophes and punctuation between them dropped.
std::vector<std::string> words(std::string_view text);

/// Whether `phrase` appears in `text` as whole words, in order, folded ("book a table" in
/// "Hi! Can I BOOK a table?"). An empty phrase matches nothing.
bool contains_phrase(std::string_view text, std::string_view phrase);

/// Whether `text` says the same as `title` once folded and with the words joined by single
/// spaces ("  yes,  please " and "Yes please").
bool same_words(std::string_view text, std::string_view title);

}  // namespace botflow::flows
