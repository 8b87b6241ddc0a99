// Query expansion with support synonyms.
#include "botflow/knowledge/search.hpp"

#include <gtest/gtest.h>

namespace botflow::knowledge {
namespace {

TEST(Synonyms, WholeWordsAndPhrasesBringTheirGroup) {
    auto extra = expand_synonyms("Can I bring my Dog?");
    EXPECT_NE(extra.find(" pets"), std::string::npos) << extra;
    EXPECT_EQ(extra.find(" dog "), std::string::npos);  // words already asked are not repeated
    EXPECT_NE(expand_synonyms("how do i send back shoes").find(" refund"), std::string::npos);
    EXPECT_EQ(expand_synonyms("dogmatic catalogue"), "");  // parts of words do not count
    EXPECT_EQ(expand_synonyms("what time is it"), "");
}

}  // namespace
}  // namespace botflow::knowledge
