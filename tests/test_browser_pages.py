"""What a reader sees on every page of the built book, checked in Chromium.

Each check looks at the rendered page, not at the sources: code and outputs that fit their
boxes, the closing tables as real tables, numbered and captioned figures, the reproduction
report's rows, and pages that do not scroll sideways on a phone.
"""

from __future__ import annotations

import json
import re

import pytest
from chromium import PAGES, Page
from test_book_source import CHAPTERS as CHAPTER_FILES
from test_book_source import NOTEBOOKS, toc_pages

import wbmodel as wb
from wbmodel.report import CHECK_LABEL, PAPER_CLAIMS, VERDICTS

# the paper's claims, in the report: in the book's (the toc's) order
CHAPTERS = [n for n in toc_pages() if n in {p.stem for p in CHAPTER_FILES}]
NOTEBOOK_PAGES = [p.stem for p in NOTEBOOKS]  # every page with a closing table
VERDICT = re.compile(r"^(✓ yes|✗ no)$")
#: A closing table's rows as the page shows them, each as the Claim it was made from: the
#: label of its first cell ("claim 3", "our check", "our check · claim 3"), its text and its
#: verdict, whose data-claim names the paper's claim.
TABLE_ROWS = """() => Array.from(document.querySelectorAll('table.wb-claims tbody tr'), tr => {
    const label = tr.cells[0].querySelector('.wb-kind');
    const kind = label ? label.innerText.trim() : '';
    return {kind: kind, paper: tr.cells[0].innerText.trim().slice(kind.length).trim(),
            measured: tr.cells[1].innerText.trim(), verdict: tr.cells[2].innerText.trim(),
            claim: tr.cells[2].dataset.claim || null}; })"""


def _as_claims(rows) -> list:
    """The rows of :data:`TABLE_ROWS` as ``wb.Claim``s."""
    return [wb.Claim(r["paper"], r["measured"], r["verdict"].startswith("✓"),
                     check=r["kind"].startswith(CHECK_LABEL),
                     claim=int(r["claim"]) if r["claim"] else None) for r in rows]


def _claims(chapter: str, checks: bool = False) -> int:
    """How many claims the chapter's code makes (``checks``: how many are our own)."""
    path = next(p for p in NOTEBOOKS if p.stem == chapter)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return sum("".join(c["source"]).count("check=True" if checks else "wb.Claim(")
               for c in cells if c["cell_type"] == "code")


@pytest.fixture(scope="module")
def pages(site, browser):
    """Every page opened once at 1280 px (closed at the end of the module)."""
    opened = {}
    yield lambda name: opened.setdefault(name, Page(browser, f"{site}/book/{name}.html"))
    for p in opened.values():
        p.page.close()


@pytest.mark.parametrize("name", PAGES)
def test_no_code_or_output_is_wider_than_its_box(pages, name):
    # what a reader sees once every dropdown is open; the guide's code is shown verbatim
    # (.wb-verbatim) and scrolls in its own box
    wide = pages(name).page.evaluate("""() => { document.querySelectorAll('details')
        .forEach(d => { d.open = true; }); return Array.from(document.querySelectorAll(
            '.cell_input pre, .cell_output pre, .cell_output .output, .cell_output table,'
            + ' .highlight pre, article table'))
        .filter(e => e.offsetParent !== null && !e.closest('.wb-verbatim')
                     && e.scrollWidth > e.clientWidth + 1)
        .map(e => [e.tagName + '.' + e.className, e.scrollWidth, e.clientWidth,
                   e.innerText.split('\\n')[0].slice(0, 60)]); }""")
    assert not wide, f"clipped behind a scrollbar at 1280 px: {wide}"


@pytest.mark.parametrize("name", PAGES)
def test_every_display_equation_fits_the_column(pages, name):
    """At 1280 px no display equation is wider than its box (a long one is broken over
    aligned lines); on a phone one may scroll, in a box that shades the side with more."""
    page = pages(name).page
    page.wait_for_function("() => !document.querySelector('div.math') || (window.MathJax"
                           " && MathJax.startup && MathJax.startup.promise)", timeout=30_000)
    page.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    assert page.evaluate("""() => Array.from(document.querySelectorAll('article div.math'))
        .every(d => d.querySelector('mjx-container'))"""), "typeset"
    wide = page.evaluate("""() => Array.from(document.querySelectorAll('article div.math'))
        .filter(d => d.scrollWidth > d.clientWidth + 1)
        .map(d => [d.scrollWidth, d.clientWidth,
                   d.innerText.replace(/\\s+/g, ' ').slice(0, 60)])""")
    assert not wide, f"display equations wider than the column at 1280 px: {wide}"
    boxes = page.evaluate("""() => Array.from(document.querySelectorAll('article div.math'),
        d => getComputedStyle(d).overflowX)""")
    assert all(o == "auto" for o in boxes), f"an equation box that cannot scroll: {boxes}"


@pytest.mark.parametrize("name", [c for c in CHAPTERS if c[:2] in {"01", "02", "03", "04",
                                                                  "05", "06"}])
def test_each_chapter_opens_with_its_answer(pages, name):
    """Within two screens (1,800 px at 1280 px): the paper's claim, the verdict and our
    figure that stands for the paper's (its caption and the text name it)."""
    page = pages(name).page
    where = page.evaluate("""() => {
        const top = e => e && Math.round(e.getBoundingClientRect().top + scrollY);
        const fig = document.querySelector('article figure img');
        return {claim: top(Array.from(document.querySelectorAll('article strong'))
                           .find(s => s.innerText.startsWith("In the paper"))),
                verdict: top(document.querySelector('article .wb-lead')),
                verdict_text: document.querySelector('article .wb-lead')?.closest('p')
                              ?.innerText || '',
                figure: top(fig), figure_bottom: fig && top(fig) + fig.height}; }""")
    assert where["claim"] is not None and where["verdict"] is not None, where
    assert max(where["claim"], where["verdict"], where["figure"]) < 1800, where
    said = where["verdict_text"].replace("\u2019", "'")  # the typographic apostrophe
    # the verdict counts the paper's claims of the chapter's own table, then our checks
    table = wb.claims_table(_as_claims(page.evaluate(TABLE_ROWS)))
    assert table.verdict() in " ".join(said.split()), (table.verdict(), where)
    assert re.search(r"the paper's claims? \d|none of the paper's six claims", said), where
    assert "the paper's Fig." in said or "stands for the paper's" in said, where


@pytest.mark.parametrize("name", NOTEBOOK_PAGES)
def test_figures_are_numbered_by_chapter(pages, name):
    """Ours are "Fig. 3.2" (chapter 3, its second figure), never "Fig. 3" like the paper's;
    the chapter's title carries its number, the guide's figures are G.1, G.2, …"""
    chapter = "G" if name == "from_the_guide" else str(int(name[:2]))
    page = pages(name).page
    numbers = page.evaluate("""() => Array.from(document.querySelectorAll(
        'article figure .caption-number'), e => e.innerText.trim())""")
    assert numbers == [f"Fig. {chapter}.{k}" for k in range(1, len(numbers) + 1)], numbers
    title = page.locator("article h1").first.inner_text()
    assert chapter == "G" or title.startswith(f"{chapter}. "), title
    refs = page.evaluate("""() => Array.from(document.querySelectorAll(
        'article a.reference span.std-numref'), e => e.innerText)""")
    assert all(re.fullmatch(r"Fig\. ([1-9]|G)\.\d+", r) for r in refs), refs


@pytest.mark.parametrize("name", PAGES)
def test_no_figure_is_shrunk_below_80_percent(pages, name):
    """Figures are drawn at the width they are shown (the column: 688 px at 1280), so
    their text is read at the size it was set, not scaled down."""
    page = pages(name).page
    page.wait_for_function("() => Array.from(document.querySelectorAll('article img'))"
                           ".every(i => i.complete)", timeout=30_000)
    small = page.evaluate("""() => Array.from(document.querySelectorAll(
            'article .cell_output img, article figure img'))
        .filter(i => i.offsetParent !== null && i.naturalWidth > 0
                     && i.getBoundingClientRect().width < 0.8 * i.naturalWidth)
        .map(i => [i.alt.slice(0, 50), i.naturalWidth,
                   Math.round(i.getBoundingClientRect().width)])""")
    assert not small, f"figures shown at < 80 % of their width at 1280 px: {small}"


@pytest.mark.parametrize("name", NOTEBOOK_PAGES)
def test_the_summary_is_a_table_with_one_row_per_claim(pages, name):
    rows = pages(name).page.evaluate("""() => Array.from(
        document.querySelectorAll('table.wb-claims tbody tr'),
        tr => Array.from(tr.cells, td => td.innerText.trim()))""")
    assert len(rows) == _claims(name), rows
    for paper, measured, verdict in rows:
        assert paper and measured, rows
        assert VERDICT.match(verdict), f"verdict {verdict!r} is not a word and a mark"


@pytest.mark.parametrize("name", PAGES)
def test_no_markdown_table_leaks_into_the_text(pages, name):
    text = pages(name).page.evaluate("document.querySelector('article').innerText")
    pipes = [ln for ln in text.splitlines()
             if re.match(r"^\s*\|.*\|\s*$", ln) or re.search(r"\|\s*:?-{3,}:?\s*\|", ln)]
    assert not pipes, pipes


@pytest.mark.parametrize("name", PAGES)
def test_every_figure_has_a_number_and_a_caption(pages, name):
    figs = pages(name).page.evaluate("""() => ({
        // the ipywidgets explorer's own view (a kernel's widget) is not a book figure
        loose: Array.from(document.querySelectorAll('.cell_output img'))
                    .filter(i => !i.closest('figure, .jupyter-widgets, .widget-output'))
                    .map(i => i.src.slice(-40)),
        figures: Array.from(document.querySelectorAll('article figure'), f => [
            (f.querySelector('.caption-number') || {}).innerText || '',
            ((f.querySelector('figcaption') || {}).innerText || '').length,
            !!f.id || !!f.querySelector('[id]')]),
        refs: Array.from(document.querySelectorAll('a.reference span.std-numref, '
                                                   + 'a.reference .std-numref'),
                         a => a.innerText)})""")
    assert not figs["loose"], f"images outside a numbered figure: {figs['loose']}"
    for number, caption, anchored in figs["figures"]:
        assert re.match(r"Fig\. (\d|G)", number.strip()), figs["figures"]
        assert caption > 40 and anchored, figs["figures"]
    if name in NOTEBOOK_PAGES or name == "intro":
        assert figs["figures"], "every chapter has numbered figures"
        assert all(re.match(r"Fig\. (\d|G)", r) for r in figs["refs"]) and figs["refs"], \
            f"the text refers to its figures by number: {figs['refs']}"


def test_the_report_holds_every_claim_of_every_chapter(pages):
    p = pages("report").page
    sections = p.evaluate("""() => Array.from(document.querySelectorAll('article section section'))
        .filter(s => s.querySelector('table.wb-report')).map(s => ({
            link: (s.querySelector('p a') || {}).href || '',
            title: s.querySelector('h2').childNodes[0].textContent.trim(),
            rows: Array.from(s.querySelectorAll('table.wb-report tbody tr'),
                             tr => Array.from(tr.cells, td => td.innerText.trim())),
            claims: Array.from(s.querySelectorAll('table.wb-report tbody tr'),
                               tr => (tr.querySelector('[data-claim]') || {dataset: {}})
                                     .dataset.claim || null)}))""")
    assert [s["link"].rsplit("/", 1)[-1] for s in sections] == \
        [f"{c}.html" for c in CHAPTERS], "one section per chapter, in the book's order"
    total = 0
    for chapter, section in zip(CHAPTERS, sections, strict=True):
        theirs = pages(chapter).page.evaluate("""() => Array.from(
            document.querySelectorAll('table.wb-claims tbody tr'),
            tr => Array.from(tr.cells, td => td.innerText.trim()))""")
        assert section["rows"] == theirs, f"the report's rows for {chapter} are the chapter's"
        total += len(theirs)
    assert total == sum(_claims(c) for c in CHAPTERS) >= 30
    assert all(VERDICT.match(r[2]) for s in sections for r in s["rows"])
    # the headline counts the paper's six claims (a claim holds when every row naming it
    # holds, in every chapter); our own checks (labelled so) come second, never added
    rows = [(s["title"], r, n) for s in sections for r, n in zip(s["rows"], s["claims"],
                                                                  strict=True)]
    ours = [r for _, r, _ in rows if r[0].startswith(CHECK_LABEL)]
    paper = [(t, r, n) for t, r, n in rows if not r[0].startswith(CHECK_LABEL)]
    assert ours and len(paper) >= 20, (len(ours), len(paper))
    assert len(ours) == sum(_claims(c, checks=True) for c in CHAPTERS)
    by_claim = {}
    for title, r, n in paper:
        assert n and re.match(rf"claim {n}\b", r[0]), ("a row of the paper's names its claim", r)
        by_claim.setdefault(int(n), []).append((title, r[2].startswith("✓")))
    assert sorted(by_claim) == list(range(1, PAPER_CLAIMS + 1)), "every claim is judged"
    holds = {n: all(h for _, h in v) for n, v in by_claim.items()}
    first, second = p.locator(".wb-report-count").all_inner_texts()
    held = sum(holds.values())
    assert first.startswith(f"{held} of the paper's {PAPER_CLAIMS} claims hold"), first
    # and which do not, and where: "Not holding: claim 3 (in <chapter>)"
    assert (held == PAPER_CLAIMS) == ("Not holding" not in first), first
    for n, ok in holds.items():
        assert ok or re.search(rf"claim {n} \(in \w", first), (n, first)
    passed = sum(r[2].startswith("✓") for r in ours)
    assert second.startswith(f"{passed} of {len(ours)} of our own checks pass"), second
    assert "claim" not in second, "the second line counts our checks alone"
    # the list of the six claims: each with its verdict and the sections of its rows
    listed = p.locator(".wb-report-claims li").all_inner_texts()
    assert len(listed) == PAPER_CLAIMS, listed
    for n, item in enumerate(listed, start=1):
        assert item.startswith(f"Claim {n}: {VERDICTS[holds[n]]}, in "), item
        for title in dict.fromkeys(t for t, _ in by_claim[n]):
            assert title in item, (n, title, item)


def test_each_claim_has_one_verdict_across_the_book():
    """Every verdict of a paper's row names its claim (data-claim): every page of the
    built book that judges a claim (its rows together) gives it the same verdict (our own
    checks, which may name a claim, are counted apart and left out)."""
    from chromium import HTML

    built = sorted((HTML / "book").glob("*.html"))
    if not built:
        pytest.skip("the book is not built (make book)")
    verdict = re.compile(r'<[a-z]+ class="wb-verdict wb-(yes|no)( wb-check)?" '
                         r'data-claim="(\d+)"')
    # each page's verdict on a claim: its rows together (all hold), as its opening says
    on_page = {}
    for page in built:
        for yes, check, n in verdict.findall(page.read_text(encoding="utf-8")):
            if not check:
                key = (int(n), page.stem)
                on_page[key] = on_page.get(key, True) and yes == "yes"
    found = {}
    for (n, page), holds in on_page.items():
        found.setdefault(n, {}).setdefault(holds, set()).add(page)
    assert sorted(found) == list(range(1, PAPER_CLAIMS + 1)), sorted(found)
    both = {n: {("holds" if k else "fails"): sorted(v) for k, v in by.items()}
            for n, by in found.items() if len(by) > 1}
    assert not both, f"claims that both hold and fail: {both}"


@pytest.mark.parametrize("name", PAGES)
def test_no_page_scrolls_sideways_on_a_phone(site, browser, name):
    p = Page(browser, f"{site}/book/{name}.html")
    try:
        p.page.set_viewport_size({"width": 390, "height": 844})
        p.page.wait_for_timeout(300)
        wide = p.page.evaluate("""() => [document.documentElement.scrollWidth - innerWidth,
            Array.from(document.querySelectorAll('article *'))
              .filter(e => e.getBoundingClientRect().right > innerWidth + 1
                           && !e.closest('pre, .highlight, .cell_input, .MathJax, mjx-container,'
                                         + ' .wb-claims, .wb-report, .table-wrapper'))
              .slice(0, 5).map(e => e.tagName + '.' + e.className)]""")
        assert wide[0] <= 0, f"the page scrolls sideways by {wide[0]} px: {wide[1]}"
    finally:
        p.page.close()


#: The places outside the book that a built page may link to: each exists (the paper's DOI,
#: the licence, NEURON's site). The project's own address joins them once it is set
#: (tools/address.py).
LINK_HOSTS = {"doi.org", "creativecommons.org", "www.neuron.yale.edu", "modeldb.science"}


def test_every_external_link_goes_to_a_place_that_exists(site):
    """No button or citation may point at an address that was never created: every
    absolute link or source in the built HTML goes to a host on the list (plus the public
    address, when pyproject.toml sets one)."""
    from urllib.parse import urlsplit

    import project_tools
    from chromium import HTML

    url = project_tools.load("address").address()
    allowed = LINK_HOSTS | ({urlsplit(url).hostname, "mybinder.org", "colab.research.google.com"}
                            if url else set())
    found = {}
    for page in HTML.rglob("*.html"):
        text = page.read_text(encoding="utf-8", errors="replace")
        for link in re.findall(r"""(?:href|src)\s*=\s*["']((?:https?:)?//[^"']+)""", text):
            found.setdefault(urlsplit(link).hostname, set()).add(page.name)
    bad = {host: sorted(pages)[:3] for host, pages in found.items() if host not in allowed}
    assert not bad, f"links to hosts off the list: {bad}"
    assert "doi.org" in found, "the paper's DOI is linked"
