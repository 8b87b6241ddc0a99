#!/usr/bin/env python3
"""Check bench/retrieval/questions.json against the sources in src/ and the files in docs/.

    python3 bench/retrieval/check_questions.py

Every answer must occur exactly once (case- and whitespace-insensitive) in its document,
inside a single text unit: a Markdown heading, paragraph, list item or table cell; a DOCX
paragraph or table cell; a PDF line; a CSV cell; an HTML heading, paragraph, list item or
table cell. Also checks that docs/ matches what make_docs.py produces from src/. For PDFs
the text is also read back with pdftotext (poppler-utils) when it is installed.
Exits 1 on any problem.
"""

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True
import make_docs  # noqa: E402

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MIN_PER_DOC, MIN_TOTAL = 11, 66
MIN_WORDS, MAX_WORDS = 1500, 4000

problems = []


def problem(msg):
    problems.append(msg)


def norm(s):
    return re.sub(r"\s+", " ", s).strip().lower()


# --------------------------------------------------------------------------- readers
# Each reader returns the document's text units, in reading order.

def units_md(data):
    return make_docs.block_texts(make_docs.parse_markdown(data.decode("utf-8")))


def units_docx(data):
    z = zipfile.ZipFile(io.BytesIO(data))
    names = z.namelist()
    for required in ("[Content_Types].xml", "_rels/.rels", "word/document.xml"):
        if required not in names:
            problem(f"docx: missing part {required}")
    for info in z.infolist():
        if info.date_time != make_docs.ZIP_DATE:
            problem(f"docx: {info.filename} has timestamp {info.date_time}")
        if info.compress_type != zipfile.ZIP_DEFLATED:
            problem(f"docx: {info.filename} is not deflated")
        ET.fromstring(z.read(info.filename))  # every part is well-formed XML
    root = ET.fromstring(z.read("word/document.xml"))
    units, styles, has_numpr, has_table = [], Counter(), False, False

    def text_of(el):
        return "".join(t.text or "" for t in el.iter(W + "t"))

    def walk(el):
        nonlocal has_numpr, has_table
        if el.tag == W + "tbl":
            has_table = True
        if el.tag == W + "tc":
            units.append(" ".join(text_of(p) for p in el.iter(W + "p")))
            return
        if el.tag == W + "p":
            style = el.find(f"{W}pPr/{W}pStyle")
            if style is not None:
                styles[style.get(W + "val")] += 1
            if el.find(f"{W}pPr/{W}numPr") is not None:
                has_numpr = True
            for t in el.iter(W + "t"):
                if t.get("{http://www.w3.org/XML/1998/namespace}space") != "preserve":
                    problem("docx: a w:t element lacks xml:space=\"preserve\"")
                    break
            if text_of(el):
                units.append(text_of(el))
            return
        for child in el:
            walk(child)

    walk(root)
    for style in ("Heading1", "Heading2", "ListParagraph"):
        if not styles[style]:
            problem(f"docx: no paragraph with style {style}")
    if not has_numpr:
        problem("docx: no list paragraph with w:numPr")
    if not has_table:
        problem("docx: no w:tbl table")
    return units


def _pdf_literals(segment):
    """Literal strings ( ... ) in a content stream segment, with escapes decoded."""
    out, i = [], 0
    while i < len(segment):
        if segment[i:i + 1] != b"(":
            i += 1
            continue
        i += 1
        depth, buf = 1, bytearray()
        while i < len(segment):
            c = segment[i:i + 1]
            if c == b"\\":
                nxt = segment[i + 1:i + 2]
                buf += {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(nxt, nxt)
                i += 2
                continue
            if c == b"(":
                depth += 1
            elif c == b")":
                depth -= 1
                if depth == 0:
                    i += 1
                    break
            buf += c
            i += 1
        out.append(buf.decode("latin-1"))
    return out


def units_pdf(data):
    if not data.startswith(b"%PDF-1.4"):
        problem("pdf: header is not %PDF-1.4")
    m = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", data)
    if not m:
        problem("pdf: no startxref / %%EOF at the end")
        return []
    xref = int(m.group(1))
    if data[xref:xref + 4] != b"xref":
        problem("pdf: startxref does not point at the xref table")
        return []
    head = re.match(rb"xref\n0 (\d+)\n", data[xref:])
    count = int(head.group(1))
    table = data[xref + head.end(): xref + head.end() + 20 * count]
    for num in range(1, count):
        entry = table[20 * num: 20 * num + 20]
        off = int(entry[:10])
        if not re.match(rb"%d 0 obj" % num, data[off:off + 20]):
            problem(f"pdf: xref offset of object {num} is wrong")
    trailer = data[xref + head.end() + 20 * count:]
    if not re.search(rb"/Size %d\b" % count, trailer) or b"/Root" not in trailer:
        problem("pdf: trailer lacks a correct /Size or /Root")
    for font in (b"/Helvetica ", b"/Helvetica-Bold ", b"/WinAnsiEncoding"):
        if font not in data:
            problem(f"pdf: {font.decode().strip()} not used")
    lines = []
    for sm in re.finditer(rb"/Length (\d+) >>\nstream\n", data):
        length = int(sm.group(1))
        stream = data[sm.end(): sm.end() + length]
        if data[sm.end() + length: sm.end() + length + 9] != b"endstream":
            problem("pdf: a stream /Length is wrong")
        for bt in re.finditer(rb"BT (.*?) ET", stream, re.S):
            text = "".join(_pdf_literals(bt.group(1)))
            if text.strip():
                lines.append(text)
    return lines


def units_pdftotext(path):
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                         capture_output=True, check=True).stdout.decode("utf-8")
    return [line for line in out.splitlines() if line.strip()]


def units_csv(data):
    text = data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if rows[0] != make_docs.CSV_HEADER:
        problem(f"csv: header is {rows[0]}")
    body = rows[1:]
    if len(body) < 40:
        problem(f"csv: only {len(body)} rows")
    for n, row in enumerate(body, 2):
        if len(row) != 5:
            problem(f"csv: row {n} has {len(row)} fields")
            continue
        if not row[2].isdigit():
            problem(f"csv: row {n} duration_minutes is not an integer: {row[2]!r}")
        if not re.fullmatch(r"\d+\.\d\d", row[3]):
            problem(f"csv: row {n} price_eur is not a price: {row[3]!r}")
    categories = {r[1].lower() for r in body if len(r) == 5}
    for needed in ("cuts", "colour", "treatments", "nails", "bridal", "kids"):
        if needed not in categories:
            problem(f"csv: no rows in category {needed}")
    return [cell for row in body for cell in row]


class _HtmlText(HTMLParser):
    BLOCKS = {"h1", "h2", "h3", "p", "li", "th", "td", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.units, self.hidden, self.title = [], [], [], []
        self.tags = Counter()
        self.current = None

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.stack.append(tag)
        if tag in self.BLOCKS and self.current is None:
            self.current = [tag, ""]

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop() == tag:
                break
        if self.current and self.current[0] == tag:
            if tag != "title":
                self.units.append(self.current[1])
            self.current = None

    def handle_data(self, data):
        if "script" in self.stack or "style" in self.stack:
            self.hidden.append(data)
        elif "title" in self.stack:
            self.title.append(data)
        elif self.current is not None:
            self.current[1] += data
        elif data.strip():
            problem(f"html: visible text outside a block element: {data.strip()[:40]!r}")


def units_html(data):
    p = _HtmlText()
    p.feed(data.decode("utf-8"))
    for tag in ("head", "title", "style", "script", "h1", "h2", "h3", "p", "ul", "li", "table"):
        if not p.tags[tag]:
            problem(f"html: no <{tag}>")
    visible = norm(" ".join(p.units))
    for chunk in p.hidden:
        for line in chunk.splitlines():
            if len(line.strip()) > 12 and norm(line) in visible:
                problem(f"html: script/style text is visible: {line.strip()[:40]!r}")
    units_html.hidden = p.hidden + p.title
    return p.units


READERS = {"md": units_md, "docx": units_docx, "pdf": units_pdf, "csv": units_csv,
           "html": units_html}


# --------------------------------------------------------------------------- checks

def count_in(units, answer):
    a = norm(answer)
    per_unit = sum(norm(u).count(a) for u in units)
    whole = norm(" \n ".join(units)).count(a)
    return per_unit, whole


def main():
    built = make_docs.build_all()
    views = {}  # docs name -> {view label: units}
    for src_name, (out_name, fmt) in make_docs.OUTPUTS.items():
        path = make_docs.DOCS / out_name
        if not path.exists():
            problem(f"{out_name}: missing in docs/ (run make_docs.py)")
            continue
        data = path.read_bytes()
        if data != built[out_name]:
            problem(f"{out_name}: differs from what make_docs.py builds from src/{src_name}")
        src_units = units_md((make_docs.SRC / src_name).read_bytes())
        doc_units = READERS[fmt](data)
        v = {f"src/{src_name}": src_units, f"docs/{out_name}": doc_units}
        if fmt == "pdf":
            if any(ord(ch) > 127 for u in src_units for ch in u):
                problem(f"src/{src_name}: PDF source must be ASCII")
            if shutil.which("pdftotext"):
                ptt = units_pdftotext(path)
                v["pdftotext"] = ptt
                if [norm(u) for u in ptt] != [norm(u) for u in doc_units]:
                    problem(f"{out_name}: pdftotext lines differ from the page content order")
            else:
                print(f"note: pdftotext not installed; {out_name} checked from its content streams only")
        if fmt == "html":
            v["hidden"] = units_html.hidden
        words = len(" ".join(doc_units).split())
        if not MIN_WORDS <= words <= MAX_WORDS:
            problem(f"{out_name}: {words} words, expected {MIN_WORDS} to {MAX_WORDS}")
        views[out_name] = v

    questions = json.loads((HERE / "questions.json").read_text(encoding="utf-8"))
    per_doc = Counter()
    seen = set()
    for n, q in enumerate(questions, 1):
        label = f"question {n}"
        if set(q) != {"question", "document", "answer"}:
            problem(f"{label}: keys are {sorted(q)}")
            continue
        question, doc, answer = q["question"], q["document"], q["answer"]
        label = f"question {n} ({question!r})"
        if not question.strip():
            problem(f"{label}: empty question")
        if norm(question) in seen:
            problem(f"{label}: duplicate question")
        seen.add(norm(question))
        if doc not in views:
            problem(f"{label}: unknown document {doc!r}")
            continue
        per_doc[doc] += 1
        n_words = len(answer.split())
        if not 3 <= n_words <= 8:
            problem(f"{label}: answer has {n_words} words, expected 3 to 8")
        for view, units in views[doc].items():
            if view == "hidden":
                if norm(answer) in norm(" ".join(units)):
                    problem(f"{label}: answer occurs in <head>/<script>/<style> of {doc}")
                continue
            per_unit, whole = count_in(units, answer)
            if per_unit != 1 or whole != 1:
                problem(f"{label}: answer {answer!r} occurs {per_unit} time(s) within single "
                        f"units and {whole} time(s) in the whole text of {view}, expected 1")

    for out_name in views:
        if per_doc[out_name] < MIN_PER_DOC:
            problem(f"{out_name}: {per_doc[out_name]} questions, expected at least {MIN_PER_DOC}")
    if len(questions) < MIN_TOTAL:
        problem(f"{len(questions)} questions, expected at least {MIN_TOTAL}")

    for out_name, v in views.items():
        words = len(" ".join(v[f"docs/{out_name}"]).split())
        print(f"{out_name:24} {per_doc[out_name]:3} questions  {words:5} words  "
              f"views: {', '.join(k for k in v if k != 'hidden')}")
    print(f"total: {len(questions)} questions")
    if problems:
        for p in problems:
            print("FAIL:", p)
        print(f"{len(problems)} problem(s)")
        return 1
    print("OK: every answer occurs exactly once, inside one text unit, in every view")
    return 0


if __name__ == "__main__":
    sys.exit(main())
