// Recognising files by their bytes, and the text of HTML, DOCX XML and CSV.
#include "botflow/knowledge/extract.hpp"

#include <gtest/gtest.h>

#include "botflow/core/error.hpp"

namespace botflow::knowledge {
namespace {

Errc refusal(std::string_view bytes, const std::string& name) {
    try {
        sniff(bytes, name);
    } catch (const Error& e) {
        return e.code();
    }
    return Errc::internal;
}

TEST(Sniff, TrustsTheBytesOverTheName) {
    EXPECT_EQ(sniff("%PDF-1.7\n...", "menu.txt").kind, "pdf");
    EXPECT_EQ(sniff(std::string("PK\x03\x04", 4) + "....word/document.xml", "x.zip").kind, "docx");
    EXPECT_EQ(sniff("<!DOCTYPE html><p>hi", "page.txt").kind, "html");
    EXPECT_EQ(sniff("  <html><body>x", "noext").kind, "html");
    EXPECT_EQ(sniff("# Title\n\ntext", "notes.md").kind, "markdown");
    EXPECT_EQ(sniff("a,b\n1,2\n", "prices.CSV").kind, "csv");
    EXPECT_EQ(sniff("plain words", "notes").kind, "txt");
    EXPECT_EQ(refusal(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + "x", "old.doc"),
              Errc::unsupported_media_type);
    EXPECT_EQ(refusal(std::string("PK\x03\x04", 4) + "photos", "album.zip"),
              Errc::unsupported_media_type);
    EXPECT_EQ(refusal(std::string("\x7f"
                                  "ELF",
                                  4) +
                          std::string(100, '\0'),
                      "notes.txt"),
              Errc::unsupported_media_type);
    EXPECT_EQ(refusal(std::string("\x89PNG\r\n\x1a\n", 8) + std::string(100, '\x01'), "x.txt"),
              Errc::unsupported_media_type);
    EXPECT_EQ(refusal("", "empty.txt"), Errc::unprocessable);
}

TEST(ExtractHtml, KeepsVisibleTextHeadingsListsAndTables) {
    auto text = extract_html(
        "<html><head><title>Hotel</title><style>p{color:red}</style>"
        "<script>var secret = 'do not show';</script></head><body>"
        "<h2>Parking</h2><p>Free &amp; covered.</p><ul><li>Cars</li><li>Bikes</li></ul>"
        "<table><tr><th>Room</th><th>Price</th></tr><tr><td>Double</td><td>90</td></tr></table>"
        "<noscript>enable js</noscript></body></html>");
    EXPECT_NE(text.find("# Hotel"), std::string::npos);
    EXPECT_NE(text.find("## Parking"), std::string::npos);
    EXPECT_NE(text.find("Free & covered."), std::string::npos);
    EXPECT_NE(text.find("- Cars"), std::string::npos);
    EXPECT_NE(text.find("Double"), std::string::npos);
    EXPECT_EQ(text.find("secret"), std::string::npos);
    EXPECT_EQ(text.find("color"), std::string::npos);
    EXPECT_EQ(text.find("enable js"), std::string::npos);
    // Broken markup is read as far as it goes.
    EXPECT_NE(extract_html("<p>unclosed <b>bold").find("unclosed bold"), std::string::npos);
}

TEST(ExtractDocx, ParagraphsHeadingsListsAndTables) {
    const std::string w =
        "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"";
    auto text = extract_docx_xml(
        "<w:document " + w +
            "><w:body>"
            "<w:p><w:pPr><w:pStyle w:val=\"Heading1\"/></w:pPr><w:r><w:t>Returns</w:t></w:r></w:p>"
            "<w:p><w:r><w:t xml:space=\"preserve\">Within </w:t></w:r><w:r><w:t>30 "
            "days.</w:t></w:r></w:p>"
            "<w:p><w:pPr><w:numPr><w:ilvl "
            "w:val=\"0\"/></w:numPr></w:pPr><w:r><w:t>Unused</w:t></w:r></w:p>"
            "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Zone</w:t></w:r></w:p></w:tc>"
            "<w:tc><w:p><w:r><w:t>Cost</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
            "</w:body></w:document>",
        1 << 20);
    EXPECT_NE(text.find("# Returns\n"), std::string::npos) << text;
    EXPECT_NE(text.find("Within 30 days."), std::string::npos) << text;
    EXPECT_NE(text.find("- Unused"), std::string::npos) << text;
    EXPECT_NE(text.find("Zone | Cost"), std::string::npos) << text;
    // Entities are not expanded (no billion laughs), and broken XML is an error.
    EXPECT_THROW(extract_docx_xml("<w:document " + w + "><w:body><w:p>", 1 << 20), ExtractError);
    std::string laughs =
        "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
        "\"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
        "<w:document " +
        w + "><w:body><w:p><w:r><w:t>&c;</w:t></w:r></w:p></w:body></w:document>";
    try {
        EXPECT_LT(extract_docx_xml(laughs, 1 << 20).size(), 1000u);
    } catch (const ExtractError&) {
        // refusing it is as good
    }
}

TEST(ExtractCsv, RowsKeepTheirColumnNames) {
    auto text = extract_csv(
        "service,price_eur,notes\r\nWomen's cut,45.00,\"Wash, cut, \"\"style\"\"\"\n"
        "Kids cut,20.00,\n");
    EXPECT_NE(text.find("service: Women's cut; price_eur: 45.00; notes: Wash, cut, \"style\""),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("service: Kids cut; price_eur: 20.00"), std::string::npos);
    // A semicolon-separated file: commas inside cells stay.
    auto semi = extract_csv("day;hours\nSaturday;10:00-14:00, by appointment\n");
    EXPECT_NE(semi.find("day: Saturday; hours: 10:00-14:00, by appointment"), std::string::npos)
        << semi;
}

}  // namespace
}  // namespace botflow::knowledge
