"""The book as one PDF (``make pdf``, tools/pdf.py), read back with pypdf.

What a reader of the PDF needs: every chapter, in the table of contents' order, under
bookmarks; every numbered figure with its caption; equations typeset, not TeX; no blank
page; no text past the margins; a footer with the title, version, licence and page number;
a file small enough to send. The layout check that stops ``tools/pdf.py`` on a line wider
than the column is tested here too, on a page made to fail it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import project_tools
import pytest

pypdf = pytest.importorskip("pypdf")
pdf = project_tools.load("pdf")


@cache
def _book():
    """The built PDF: its reader and each page's text (built with the book if missing)."""
    from chromium import HTML

    path = HTML / pdf.NAME
    if not path.exists():
        pytest.fail(f"{path} is missing: `make book` prints it (or `make pdf`)")
    reader = pypdf.PdfReader(path)
    return path, reader, [p.extract_text() or "" for p in reader.pages]


@pytest.fixture(scope="module")
def book(site):
    return _book()


def _flat(text: str) -> str:
    """Text as compared: ligatures (ﬁ) as their letters, one space for any run of space."""
    text = unicodedata.normalize("NFKC", text.replace("\u00ad", ""))
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def html_facts(site, browser):
    """Each page's title and its figure captions, from the built HTML."""
    facts = []
    for _, name in pdf.contents():
        page = browser.new_page()
        page.goto(f"{site}/book/{name}.html")
        title = page.evaluate("() => document.querySelector('main h1').textContent")
        # each caption's number and its words before any equation (MathJax's text is
        # not what a PDF's text layer holds)
        captions = page.evaluate("""() => Array.from(document.querySelectorAll(
            'main figure figcaption'), c => {
              const n = (c.querySelector('.caption-number') || {}).textContent || '';
              let text = '';
              const walk = (node) => {
                for (const k of node.childNodes) {
                  if (k.nodeType === 1 && (k.matches('.math, mjx-container, .caption-number'))) {
                    if (!k.matches('.caption-number')) return false;
                    continue;
                  }
                  if (k.nodeType === 3) text += k.textContent;
                  else if (walk(k) === false) return false;
                }
              };
              walk(c);
              return n.trim() + ' ' + text.trim();
            })""")
        facts.append((name, re.sub(r"[#¶\s]+$", "", title.strip()), captions))
        page.close()
    return facts


def test_every_chapter_is_there_in_the_order_of_the_contents(book, html_facts):
    _, reader, texts = book
    whole = _flat(" ".join(texts))
    outline = [(item.title, reader.get_destination_page_number(item))
               for item in _walk(reader.outline)]
    titles = [t for t, _ in outline]
    at = []
    for name, title, _ in html_facts:
        assert title in titles, f"{name}: no bookmark {title!r} in {titles}"
        first = dict(outline)[title]
        assert _flat(title) in _flat(texts[first]), f"{title!r} is not on its page {first + 1}"
        at.append(first)
    assert at == sorted(at), f"chapters out of the contents' order: {at}"
    for part in {p for p, _ in pdf.contents() if p}:
        assert part in titles, f"the part {part!r} is not a bookmark"
    assert "Contents" in texts[1], "the second page is the table of contents"
    assert whole


def _walk(outline):
    for item in outline:
        if isinstance(item, list):
            yield from _walk(item)
        else:
            yield item


def test_every_numbered_figure_is_there_with_its_caption(book, html_facts):
    _, _, texts = book
    whole = _flat(" ".join(texts))
    captions = [c for _, _, cs in html_facts for c in cs]
    assert len(captions) >= 30, "the book has its figures"
    missing = []
    for caption in captions:
        words = _flat(caption).split(" ")
        assert re.fullmatch(r"Fig\.", words[0]), caption
        assert re.fullmatch(r"(\d+|G)(\.\d+)?", words[1]), caption
        # the number and the caption's first words, as printed (a caption may break a page)
        if _flat(" ".join(words[:8])) not in whole:
            missing.append(" ".join(words[:8]))
    assert len({" ".join(_flat(c).split(" ")[:2]) for c in captions}) == len(captions), \
        "one caption per figure number"
    assert not missing, f"{len(missing)} of {len(captions)} captions not in the PDF: {missing}"


def test_equations_are_typeset_not_tex(book):
    """No TeX in the text, but where a listing shows the model's source as it is (a
    docstring's ``.. math::`` line printed verbatim)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    source = {ln.strip() for f in [*root.glob("wbmodel/**/*.py"), root / "book/seed_guide.py"]
              for ln in f.read_text(encoding="utf-8").splitlines()}
    _, _, texts = book
    tex = [(i + 1, m) for i, t in enumerate(texts) for line in t.splitlines()
           if line.strip() not in source
           for m in re.findall(r"\\(?:frac|begin|alpha|sum|mathrm)\b|\$\$", line)]
    assert not tex, f"TeX source printed on pages {tex[:10]}"


def test_no_page_is_blank(book):
    _, reader, texts = book
    blank = [i + 1 for i, (page, text) in enumerate(zip(reader.pages, texts, strict=True))
             if len(_body(text)) < 20 and not page.images]
    assert not blank, f"blank pages: {blank}"


def _body(text: str) -> str:
    """A page's text without its footer (the title, version and licence; N / total)."""
    meta = pdf.book_meta()
    foot = re.escape(f"{meta['title']} · wbmodel {meta['version']} · CC BY 4.0")
    return re.sub(foot + r"\s*\d+ / \d+", "", _flat(text)).strip()


def test_no_text_runs_past_the_margins(book):
    _, reader, _ = book
    width, height = (float(x) for x in reader.pages[0].mediabox[2:])
    left = pdf.MARGIN["left"] * pdf.MM - 2
    right = width - pdf.MARGIN["right"] * pdf.MM + 2
    out = []
    for number, page in enumerate(reader.pages, start=1):
        def visit(text, cm, tm, font, size, number=number):
            if not text.strip():
                return
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            if not left <= x <= right:
                out.append((number, round(x), text[:30]))

        page.extract_text(visitor_text=visit)
    assert not out, f"text starting outside the column ({left:.0f}..{right:.0f} pt): {out[:10]}"


def test_every_page_but_the_title_has_its_footer(book):
    _, reader, texts = book
    n = len(texts)
    version = project_tools.load("release").current()[0]
    for i, text in enumerate(texts[1:], start=2):
        flat = _flat(text)
        assert f"wbmodel {version}" in flat and f"{i} / {n}" in flat, f"page {i}: {flat[-120:]}"
    title = _flat(texts[0])
    meta = pdf.book_meta()
    for what in (meta["title"], f"wbmodel {version}", meta["date"], "CC BY 4.0", "MIT"):
        assert what in title, f"the title page lacks {what!r}"


def test_the_file_is_small_enough_to_send(book):
    path, _, _ = book
    assert path.stat().st_size < 30 * 2**20


def test_the_html_offers_the_pdf(site, browser):
    """The intro links to it, and every page's download menu offers it: both lead to the
    file make pdf wrote."""
    page = browser.new_page()
    page.goto(f"{site}/book/02_synapse.html")
    menu = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.dropdown-download-buttons a'), a => [a.textContent.trim(), a.href])""")
    assert any("the book (.pdf)" in t and h.endswith("/" + pdf.NAME) for t, h in menu), menu
    page.goto(f"{site}/book/intro.html")
    link = page.get_by_role("link", name="the whole book as one PDF")
    response = page.request.get(link.evaluate("a => a.href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    page.close()


def test_the_layout_check_finds_a_line_too_wide_for_the_page(browser):
    """tools/pdf.py refuses to print a page on which something is wider than the column or
    clipped by its box; the book's print styles wrap code instead."""
    from chromium import HTML

    css = (HTML / "_static" / "wb.css").read_text(encoding="utf-8")
    body = ("<main><pre style='overflow:auto'>" + "x = 1  # " + "long " * 60 + "</pre>"
            "<table><tr><td style='white-space:nowrap'>" + "cell " * 80 + "</td></tr></table>"
            "</main>")
    page = browser.new_page(viewport={"width": 600, "height": 800})
    page.emulate_media(media="print")
    page.set_content(f"<html><body style='margin:0'>{body}</body></html>")
    faults = page.evaluate(pdf.LAYOUT_CHECK)
    assert len(faults) == 2 and "clips" in faults[0] and "past the column" in faults[1], faults
    page.set_content(f"<html><head><style>{css}</style></head><body style='margin:0'>"
                     f"<main><pre style='overflow:auto'>{'x = 1  # ' + 'long ' * 60}</pre>"
                     "</main></body></html>")
    assert page.evaluate(pdf.LAYOUT_CHECK) == [], "the book's print styles wrap code"
    page.close()


def test_a_failed_explorer_or_a_console_error_is_a_fault(browser, tmp_path):
    """tools/pdf.py refuses to print a page whose live explorer ended in an error (it would
    print "The simulation stopped…" into the book) or that logged a console error."""
    page = tmp_path / "page.html"
    page.write_text("<html><body><main><h1>A page</h1>"
                    "<div class='wb-live' data-state='error'>The simulation stopped: NaN</div>"
                    "<div class='wb-live' data-state='done'>fine</div>"
                    "<script>console.error('a resource failed')</script>"
                    "</main></body></html>", encoding="utf-8")
    _, title, faults = pdf.print_page(browser, page.as_uri())
    assert title == "A page"
    assert any(f.startswith("explorer 1: The simulation stopped: NaN") for f in faults), faults
    assert "console error: a resource failed" in faults, faults
    assert len(faults) == 2, faults
