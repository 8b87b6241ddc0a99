#!/usr/bin/env python3
"""Regenerate bench/retrieval/docs/ from the Markdown sources in bench/retrieval/src/.

    python3 bench/retrieval/make_docs.py

Output is deterministic: running it twice gives byte-identical files.
"""

import csv
import html
import io
import re
import sys
import textwrap
import unicodedata
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
DOCS = HERE / "docs"

# source file -> (output file, format)
OUTPUTS = {
    "menu.md": ("menu.md", "md"),
    "shipping-returns.md": ("shipping-returns.docx", "docx"),
    "clinic-faq.md": ("clinic-faq.pdf", "pdf"),
    "product-manual.md": ("product-manual.pdf", "pdf"),
    "price-list.md": ("price-list.csv", "csv"),
    "hotel-info.md": ("hotel-info.html", "html"),
}

ZIP_DATE = (2026, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------- Markdown

def parse_markdown(text):
    """Parse the small Markdown subset used in src/ into blocks.

    Blocks: ("h", level, text), ("p", text), ("ul", [items]), ("ol", [items]),
    ("table", header_cells, [row_cells, ...]).
    """
    blocks = []
    para = []
    lines = text.splitlines()
    i = 0

    def flush():
        if para:
            blocks.append(("p", " ".join(para)))
            para.clear()

    while i < len(lines):
        line = lines[i].rstrip()
        stripped = line.strip()
        if not stripped:
            flush()
            i += 1
            continue
        m = re.match(r"^(#{1,3})\s+(.*)$", stripped)
        if m:
            flush()
            blocks.append(("h", len(m.group(1)), m.group(2).strip()))
            i += 1
            continue
        if stripped.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            blocks.append(("table", rows[0], rows[1:]))
            continue
        m_ul = re.match(r"^[-*]\s+(.*)$", stripped)
        m_ol = re.match(r"^\d+\.\s+(.*)$", stripped)
        if m_ul or m_ol:
            flush()
            kind = "ul" if m_ul else "ol"
            pattern = r"^[-*]\s+(.*)$" if m_ul else r"^\d+\.\s+(.*)$"
            items = []
            while i < len(lines):
                s = lines[i].strip()
                m2 = re.match(pattern, s)
                if m2:
                    items.append(m2.group(1).strip())
                elif s and items and lines[i].startswith("  "):
                    items[-1] += " " + s  # continuation of the previous item
                else:
                    break
                i += 1
            blocks.append((kind, items))
            continue
        para.append(stripped)
        i += 1
    flush()
    return blocks


def block_texts(blocks):
    """The readable text units of a document: headings, paragraphs, list items, table cells."""
    out = []
    for b in blocks:
        if b[0] == "h":
            out.append(b[2])
        elif b[0] == "p":
            out.append(b[1])
        elif b[0] in ("ul", "ol"):
            out.extend(b[1])
        elif b[0] == "table":
            out.extend(b[1])
            for row in b[2]:
                out.extend(row)
    return out


def ascii_fold(s):
    table = {
        "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
        "\u2013": "-", "\u2014": "-", "\u2026": "...", "\u00a0": " ",
        "\u20ac": "EUR ", "\u00b0": " degrees ",
    }
    s = "".join(table.get(ch, ch) for ch in s)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return s.encode("ascii", "replace").decode("ascii")


# --------------------------------------------------------------------------- DOCX

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _w_run(text, bold=False):
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{xml_escape(text)}</w:t></w:r>'


def _w_para(text, style=None, num_id=None, bold=False):
    ppr = ""
    if style or num_id is not None:
        ppr = "<w:pPr>"
        if style:
            ppr += f'<w:pStyle w:val="{style}"/>'
        if num_id is not None:
            ppr += f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'
        ppr += "</w:pPr>"
    return f"<w:p>{ppr}{_w_run(text, bold)}</w:p>"


def _w_table(header, rows):
    text_width = 9026  # A4 minus 2.54 cm margins, in twentieths of a point
    n = len(header)
    col = text_width // n
    out = ['<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
           '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
           'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>']
    out.append(f'<w:gridCol w:w="{col}"/>' * n)
    out.append("</w:tblGrid>")
    for r, cells in enumerate([header] + rows):
        trpr = "<w:trPr><w:tblHeader/></w:trPr>" if r == 0 else ""
        out.append(f"<w:tr>{trpr}")
        for cell in cells:
            out.append(f'<w:tc><w:tcPr><w:tcW w:w="{col}" w:type="dxa"/></w:tcPr>'
                       f"{_w_para(cell, bold=(r == 0))}</w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def build_docx(blocks):
    body = []
    ordered_lists = 0
    for b in blocks:
        if b[0] == "h":
            body.append(_w_para(b[2], style=f"Heading{b[1]}"))
        elif b[0] == "p":
            body.append(_w_para(b[1]))
        elif b[0] == "ul":
            body.extend(_w_para(item, style="ListParagraph", num_id=1) for item in b[1])
        elif b[0] == "ol":
            ordered_lists += 1
            num_id = 1 + ordered_lists
            body.extend(_w_para(item, style="ListParagraph", num_id=num_id) for item in b[1])
        elif b[0] == "table":
            body.append(_w_table(b[1], b[2]))
            body.append("<w:p/>")
    document = (
        XML_DECL
        + f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>'
        + "".join(body)
        + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" '
        'w:header="708" w:footer="708" w:gutter="0"/></w:sectPr>'
        "</w:body></w:document>"
    )

    def heading_style(level, size, before):
        return (
            f'<w:style w:type="paragraph" w:styleId="Heading{level}">'
            f'<w:name w:val="heading {level}"/><w:basedOn w:val="Normal"/>'
            '<w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/>'
            f'<w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="{before}" w:after="120"/>'
            f'<w:outlineLvl w:val="{level - 1}"/></w:pPr>'
            f'<w:rPr><w:b/><w:color w:val="1F3864"/><w:sz w:val="{size}"/>'
            f'<w:szCs w:val="{size}"/></w:rPr></w:style>'
        )

    border = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="808080"/>'
    styles = (
        XML_DECL
        + f'<w:styles xmlns:w="{W_NS}">'
        '<w:docDefaults><w:rPrDefault><w:rPr>'
        '<w:rFonts w:ascii="Calibri" w:hAnsi="Calibri" w:eastAsia="Calibri" w:cs="Calibri"/>'
        '<w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="en-GB"/>'
        '</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>'
        '<w:spacing w:after="160" w:line="259" w:lineRule="auto"/>'
        '</w:pPr></w:pPrDefault></w:docDefaults>'
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal">'
        '<w:name w:val="Normal"/><w:qFormat/></w:style>'
        + heading_style(1, 36, 240)
        + heading_style(2, 28, 360)
        + heading_style(3, 24, 240)
        + '<w:style w:type="paragraph" w:styleId="ListParagraph">'
        '<w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="34"/>'
        '<w:qFormat/><w:pPr><w:ind w:left="720"/><w:contextualSpacing/></w:pPr></w:style>'
        '<w:style w:type="table" w:default="1" w:styleId="TableNormal">'
        '<w:name w:val="Normal Table"/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
        '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
        '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar>'
        '</w:tblPr></w:style>'
        '<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/>'
        '<w:basedOn w:val="TableNormal"/><w:pPr><w:spacing w:after="0" w:line="240" '
        'w:lineRule="auto"/></w:pPr><w:tblPr><w:tblBorders>'
        + "".join(border.format(side) for side in
                  ("top", "left", "bottom", "right", "insideH", "insideV"))
        + "</w:tblBorders></w:tblPr></w:style>"
        "</w:styles>"
    )

    nums = ['<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>']
    for k in range(ordered_lists):
        nums.append(f'<w:num w:numId="{k + 2}"><w:abstractNumId w:val="1"/>'
                    '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>')
    numbering = (
        XML_DECL
        + f'<w:numbering xmlns:w="{W_NS}">'
        '<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="hybridMultilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/>'
        '<w:lvlText w:val="\u2022"/><w:lvlJc w:val="left"/>'
        '<w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl></w:abstractNum>'
        '<w:abstractNum w:abstractNumId="1"><w:multiLevelType w:val="hybridMultilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:lvlText w:val="%1."/><w:lvlJc w:val="left"/>'
        '<w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl></w:abstractNum>'
        + "".join(nums)
        + "</w:numbering>"
    )

    content_types = (
        XML_DECL
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.styles+xml"/>'
        '<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.numbering+xml"/>'
        "</Types>"
    )
    root_rels = (
        XML_DECL
        + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/>'
        "</Relationships>"
    )
    doc_rels = (
        XML_DECL
        + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/numbering" Target="numbering.xml"/>'
        "</Relationships>"
    )

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", root_rels),
            ("word/document.xml", document),
            ("word/_rels/document.xml.rels", doc_rels),
            ("word/styles.xml", styles),
            ("word/numbering.xml", numbering),
        ):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            z.writestr(info, data.encode("utf-8"))
    return buf.getvalue()


# --------------------------------------------------------------------------- PDF

PAGE_W, PAGE_H = 612, 792          # US Letter
MARGIN_X, TOP_Y = 54, 738
LEADING = 15
LINES_PER_PAGE = 45
WRAP = 90

# kind -> (font resource, size, wrap width, x offset)
PDF_STYLES = {
    "h1": ("F2", 16, 60, 0),
    "h2": ("F2", 13, 75, 0),
    "h3": ("F2", 11, 85, 0),
    "body": ("F1", 11, WRAP, 0),
    "item": ("F1", 11, WRAP - 3, 0),
    "item_cont": ("F1", 11, WRAP - 3, 12),
}


def pdf_lines(blocks):
    """Lay the blocks out as a list of (kind, text) lines; ("blank", "") separates blocks."""
    lines = []

    def wrap(text, width):
        return textwrap.wrap(ascii_fold(text), width=width, break_long_words=False,
                             break_on_hyphens=False) or [""]

    for b in blocks:
        if lines:
            lines.append(("blank", ""))
        if b[0] == "h":
            kind = f"h{b[1]}"
            lines.extend((kind, t) for t in wrap(b[2], PDF_STYLES[kind][2]))
        elif b[0] == "p":
            lines.extend(("body", t) for t in wrap(b[1], WRAP))
        elif b[0] in ("ul", "ol"):
            for n, item in enumerate(b[1], 1):
                marker = "- " if b[0] == "ul" else f"{n}. "
                wrapped = wrap(marker + item, WRAP - 3)
                lines.append(("item", wrapped[0]))
                lines.extend(("item_cont", t) for t in wrapped[1:])
        elif b[0] == "table":
            for row in [b[1]] + b[2]:
                lines.extend(("body", t) for t in wrap(" | ".join(row), WRAP))
    return lines


def paginate(lines):
    pages = [[]]
    for kind, text in lines:
        page = pages[-1]
        if kind == "blank" and not page:
            continue  # no blank line at the top of a page
        # keep a heading together with the two lines that follow it
        if kind.startswith("h") and len(page) >= LINES_PER_PAGE - 3:
            pages.append([])
            page = pages[-1]
        if len(page) >= LINES_PER_PAGE:
            pages.append([])
            page = pages[-1]
            if kind == "blank":
                continue
        page.append((kind, text))
    return [p for p in pages if p]


def _pdf_string(text):
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def build_pdf(blocks, title):
    pages = paginate(pdf_lines(blocks))
    objects = []  # object number = index + 1

    def add(body):
        objects.append(body)
        return len(objects)

    catalog = add(None)  # filled in below
    pages_obj = add(None)
    f1 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    f2 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
             b"/Encoding /WinAnsiEncoding >>")
    kids = []
    for page in pages:
        ops = []
        y = TOP_Y
        for kind, text in page:
            if kind != "blank":
                font, size, _, dx = PDF_STYLES[kind]
                ops.append(f"BT /{font} {size} Tf {MARGIN_X + dx} {y} Td {_pdf_string(text)} Tj ET")
            y -= LEADING
        stream = ("\n".join(ops) + "\n").encode("latin-1")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream")
        page_obj = add(
            f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
            f"/Resources << /Font << /F1 {f1} 0 R /F2 {f2} 0 R >> >> "
            f"/Contents {content} 0 R >>".encode("latin-1"))
        kids.append(page_obj)
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode("latin-1")
    objects[pages_obj - 1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] "
        f"/Count {len(kids)} >>".encode("latin-1"))
    info = add(f"<< /Title {_pdf_string(ascii_fold(title))} >>".encode("latin-1"))

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, catalog, info, xref))
    return bytes(out)


# --------------------------------------------------------------------------- CSV

CSV_HEADER = ["service", "category", "duration_minutes", "price_eur", "notes"]


def csv_rows(blocks):
    rows = []
    category = None
    for b in blocks:
        if b[0] == "h" and b[1] == 2:
            category = b[2]
        elif b[0] == "table":
            for service, duration, price, notes in b[2]:
                rows.append([service, category, duration, price, notes])
    return rows


def build_csv(blocks):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_HEADER)
    w.writerows(csv_rows(blocks))
    return buf.getvalue().encode("utf-8")


# --------------------------------------------------------------------------- HTML

HTML_STYLE = """\
    :root { --sea: #0b5d7a; --sand: #f6efe3; }
    body { margin: 0; font-family: Georgia, "Times New Roman", serif; color: #222; background: var(--sand); }
    main { max-width: 780px; margin: 0 auto; padding: 24px 20px 48px; background: #fff; }
    h1 { color: var(--sea); font-size: 2rem; }
    h2 { color: var(--sea); border-bottom: 2px solid var(--sand); padding-bottom: 4px; margin-top: 2rem; }
    h3 { margin-bottom: 0.3rem; }
    table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
    th, td { border: 1px solid #ccc; padding: 6px 10px; text-align: left; }
    tr.alt td { background: #f4f8fa; }
    .notice { background: var(--sea); color: #fff; padding: 8px 12px; }
"""

HTML_SCRIPT = """\
    document.addEventListener("DOMContentLoaded", function () {
      var rows = document.querySelectorAll("table tbody tr");
      rows.forEach(function (row, i) { if (i % 2) { row.classList.add("alt"); } });
      var banner = document.createElement("p");
      banner.className = "notice";
      banner.textContent = "Book directly with us for the best available rate.";
      document.querySelector("main").prepend(banner);
    });
"""


def build_html(blocks, title):
    e = lambda s: html.escape(s, quote=False)  # noqa: E731
    body = []
    for b in blocks:
        if b[0] == "h":
            body.append(f"<h{b[1]}>{e(b[2])}</h{b[1]}>")
        elif b[0] == "p":
            body.append(f"<p>{e(b[1])}</p>")
        elif b[0] in ("ul", "ol"):
            body.append(f"<{b[0]}>")
            body.extend(f"  <li>{e(item)}</li>" for item in b[1])
            body.append(f"</{b[0]}>")
        elif b[0] == "table":
            body.append("<table>")
            body.append("  <thead><tr>" + "".join(f"<th>{e(c)}</th>" for c in b[1]) + "</tr></thead>")
            body.append("  <tbody>")
            for row in b[2]:
                body.append("    <tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
            body.append("  </tbody>")
            body.append("</table>")
    page = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n'
        "<head>\n"
        '  <meta charset="utf-8">\n'
        '  <meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"  <title>{e(title)}</title>\n"
        f"  <style>\n{HTML_STYLE}  </style>\n"
        f"  <script>\n{HTML_SCRIPT}  </script>\n"
        "</head>\n"
        "<body>\n"
        "<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )
    return page.encode("utf-8")


# --------------------------------------------------------------------------- driver

def load_blocks(src_name):
    return parse_markdown((SRC / src_name).read_text(encoding="utf-8"))


def build(src_name):
    out_name, fmt = OUTPUTS[src_name]
    raw = (SRC / src_name).read_bytes()
    if fmt == "md":
        return out_name, raw
    blocks = parse_markdown(raw.decode("utf-8"))
    title = next(b[2] for b in blocks if b[0] == "h")
    if fmt == "docx":
        return out_name, build_docx(blocks)
    if fmt == "pdf":
        return out_name, build_pdf(blocks, title)
    if fmt == "csv":
        return out_name, build_csv(blocks)
    if fmt == "html":
        return out_name, build_html(blocks, title)
    raise ValueError(fmt)


def build_all():
    return dict(build(name) for name in OUTPUTS)


def main():
    DOCS.mkdir(exist_ok=True)
    for name, data in build_all().items():
        (DOCS / name).write_bytes(data)
        print(f"{name:24} {len(data):>8} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
