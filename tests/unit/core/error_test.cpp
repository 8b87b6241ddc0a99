#include "botflow/core/error.hpp"

#include <gtest/gtest.h>

namespace botflow {
namespace {

TEST(FieldErrors, NothingAddedThrowsNothing) {
    FieldErrors errors;
    EXPECT_TRUE(errors.empty());
    EXPECT_NO_THROW(errors.throw_if_any("Some settings are not valid."));
}

TEST(FieldErrors, OneErrorCarriesEveryFieldAndTheirList) {
    FieldErrors errors;
    errors.add("name", "must be 1 to 200 bytes");
    errors.add("hours.time_zone", "is not a time zone PostgreSQL knows");
    EXPECT_FALSE(errors.empty());
    try {
        errors.throw_if_any("Some business settings are not valid: " + errors.list() + ".");
        FAIL() << "no error thrown";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::unprocessable);
        EXPECT_EQ(e.detail(),
                  "Some business settings are not valid: name must be 1 to 200 bytes; "
                  "hours.time_zone is not a time zone PostgreSQL knows.");
        ASSERT_EQ(e.fields().size(), 2u);
        EXPECT_EQ(e.fields()[0].field, "name");
        EXPECT_EQ(e.fields()[1].message, "is not a time zone PostgreSQL knows");
    }
}

}  // namespace
}  // namespace botflow
