// Prompt template files, variables, validation and rendering.
#include "botflow/prompts/templates.hpp"

#include <gtest/gtest.h>

#include "botflow/core/error.hpp"
#include "botflow/prompts/prompts.hpp"

namespace botflow::prompts {
namespace {

TEST(Templates, EveryShippedTemplateParsesAndUsesOnlyKnownVariables) {
    auto files = builtin_templates();
    ASSERT_GE(files.size(), 13u);
    bool general = false;
    for (const auto& f : files) {
        EXPECT_FALSE(f.name.empty()) << f.slug;
        EXPECT_FALSE(f.description.empty()) << f.slug;
        EXPECT_NO_THROW(validate_body(f.body)) << f.slug;
        auto used = used_variables(f.body);
        for (const auto& v : kVariables) {
            EXPECT_NE(std::find(used.begin(), used.end(), v.name), used.end())
                << f.slug << " does not use {{" << v.name << "}}";
        }
        general = general || f.slug == "general";
    }
    EXPECT_TRUE(general);
}

TEST(Templates, FrontMatterIsRequiredAndChecked) {
    auto t = parse_template_file("x",
                                 "---\nname: Shop\ncategory: retail\ndescription: For shops\n"
                                 "---\n\nHello {{customer_name}}\n");
    EXPECT_EQ(t.name, "Shop");
    EXPECT_EQ(t.category, "retail");
    EXPECT_EQ(t.body, "Hello {{customer_name}}");
    EXPECT_THROW(parse_template_file("x", "name: a\n"), std::invalid_argument);
    EXPECT_THROW(parse_template_file("x", "---\nname: a\n"), std::invalid_argument);
    EXPECT_THROW(parse_template_file("x", "---\nname: a\ncategory: b\n---\nbody"),
                 std::invalid_argument);  // no description
    EXPECT_THROW(parse_template_file("x", "---\nname: a\ncolour: b\n---\nbody"),
                 std::invalid_argument);
    EXPECT_THROW(parse_template_file("x", "---\nname: a\ncategory: b\ndescription: c\n---\n"),
                 std::invalid_argument);  // empty text
}

TEST(Templates, UnknownVariablesAreNamed) {
    EXPECT_NO_THROW(validate_body("Hi {{ customer_name }} from {{business_name}}"));
    try {
        validate_body("Price: {{price}} and {{discount}} and {{price}}");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::unprocessable);
        EXPECT_NE(e.detail().find("{{price}}, {{discount}}"), std::string::npos) << e.detail();
        EXPECT_NE(e.detail().find("business_name"), std::string::npos);
        ASSERT_EQ(e.fields().size(), 1u);
        EXPECT_EQ(e.fields()[0].field, "body");
    }
    EXPECT_THROW(validate_body("Hello {{customer_name"), Error);
}

TEST(Templates, RenderingFillsVariablesOnceAndNeverExpandsValues) {
    std::map<std::string, std::string> values = {
        {"business_name", "Casa Pepe"}, {"customer_message", "What is {{business_name}}?"}};
    EXPECT_EQ(render("{{business_name}}: {{customer_message}} {{ customer_name }}!", values),
              "Casa Pepe: What is {{business_name}}? !");
    EXPECT_EQ(render("no variables", values), "no variables");
    EXPECT_EQ(render("{{other}} stays", values), "{{other}} stays");
}

TEST(Templates, HoursReadLikeAWeek) {
    auto hours = nlohmann::json::parse(
        R"({"time_zone":"Europe/Madrid","days":{"mon":[{"open":"09:00","close":"14:00"},
        {"open":"16:00","close":"20:00"}],"sun":[]}})");
    auto text = format_hours(hours);
    EXPECT_NE(text.find("Time zone: Europe/Madrid"), std::string::npos);
    EXPECT_NE(text.find("Monday: 09:00-14:00, 16:00-20:00"), std::string::npos);
    EXPECT_NE(text.find("Sunday: closed"), std::string::npos);
    EXPECT_NE(text.find("Tuesday: closed"), std::string::npos);
    EXPECT_EQ(format_hours(nullptr), "Not provided.");
}

}  // namespace
}  // namespace botflow::prompts
