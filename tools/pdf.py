"""The whole book as one PDF, offline: ``make pdf`` (``make book`` runs it last).

    python tools/pdf.py [--html _build/html] [--out _build/html/wang-buzsaki-1996.pdf]

Debian's Chromium, driven by Playwright, prints each page of the built HTML book in the
order of ``_toc.yml`` (``page.pdf``: nothing is fetched, nothing new is installed), after
its live explorers have shown their first run and MathJax has typeset its equations. pypdf
then puts them behind a title page and a table of contents, stamps every page's footer
(the title, the version, the licence, the page number) and adds the chapters as the PDF's
bookmarks.

The printed layout is checked before anything is written: a page on which a line of code,
an equation, a table or a figure runs past the printed column (or is clipped by its box)
stops the build, naming the element; so does a live explorer whose first run ended in an
error (it would print "The simulation stopped…"), and an error the page throws or logs
to its console. The book's print styles (``book/_static/wb.css`` and
the explorer's, under ``@media print``) wrap code and show each live explorer as the
figure of its first run, with a line that says the live version is in the HTML book.
"""

from __future__ import annotations

import argparse
import datetime
import io
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
import release  # noqa: E402  (tools/release.py: the version and its date)

HTML = ROOT / "_build" / "html"
NAME = "wang-buzsaki-1996.pdf"
#: Paper and margins, in mm (A4). The column a page is laid out in is what is left.
PAPER = (210.0, 297.0)
MARGIN = {"top": 16.0, "bottom": 20.0, "left": 16.0, "right": 16.0}
MM = 72 / 25.4  # points per mm
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

#: The printed layout's faults, found in the page itself (print media, the printed width):
#: an element that reaches past the column, or whose box clips what it holds sideways.
#: Only the outermost element at fault is named.
LAYOUT_CHECK = """() => {
  const width = document.documentElement.clientWidth;
  const main = document.querySelector('main') || document.body;
  const faults = [];
  const seen = new Set();
  const name = (el) => {
    const id = el.id ? '#' + el.id : '';
    const cls = typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).slice(0, 2).join('.') : '';
    const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
    return `<${el.tagName.toLowerCase()}${id}${cls}> "${text}"`;
  };
  const inside = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
    if (seen.has(p)) return true; } return false; };
  for (const el of main.querySelectorAll('*')) {
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden' || cs.position === 'fixed') continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;   // screen-reader text, empty anchors
    if (inside(el)) continue;
    let fault = null;
    if (r.right > width + 1) fault = `reaches ${Math.round(r.right - width)} px past the column`;
    else if (r.left < -1) fault = `starts ${Math.round(-r.left)} px left of the column`;
    else if (cs.overflowX !== 'visible' && !cs.display.startsWith('inline')
             && el.scrollWidth > el.clientWidth + 1
             && el.tagName !== 'MJX-ASSISTIVE-MML')
      fault = `clips ${el.scrollWidth - el.clientWidth} px of what it holds`;
    if (fault) { seen.add(el); faults.push(`${name(el)} ${fault}`); }
  }
  return faults;
}"""

#: Links to the book's own pages would lead to this machine's files from a PDF: they are
#: printed as their text. Links to other places (doi.org, ...) stay.
UNLINK_LOCAL = """() => {
  for (const a of document.querySelectorAll('a[href]')) {
    if (!/^(https?:|mailto:)/.test(a.getAttribute('href') || '')
        || a.href.startsWith(location.origin + '/')) a.removeAttribute('href');
  }
}"""

#: Ready to print: every live explorer has ended its first run, and MathJax has started
#: (on a page with equations; its promise is then awaited: typeset).
READY = """() => Array.from(document.querySelectorAll('.wb-live'))
    .every(r => r.dataset.state && r.dataset.state !== 'running')
  && (!document.querySelector('script[src*="mathjax"]')
      || !!(window.MathJax && MathJax.startup && MathJax.startup.promise))"""


#: The live explorers that ended in an error (their state, and what they say), each as
#: one line: a page that prints one would carry "The simulation stopped…" into the book.
FAILED_EXPLORERS = """() => Array.from(document.querySelectorAll('.wb-live'))
    .filter(r => r.dataset.state === 'error')
    .map((r, i) => 'explorer ' + (i + 1) + ': '
                   + r.innerText.replace(/\\s+/g, ' ').slice(0, 160))"""


def contents(root: Path = ROOT) -> list[tuple[str, str]]:
    """The book's pages in the order of ``_toc.yml``: (part caption, page name)."""
    part, pages = "", []
    for line in (root / "_toc.yml").read_text(encoding="utf-8").splitlines():
        if m := re.match(r"\s*- caption: (.+)", line):
            part = m.group(1).strip()
        elif m := re.match(r"\s*(?:root|- file): book/(\S+)", line):
            pages.append((part, m.group(1)))
    return pages


def book_meta(root: Path = ROOT) -> dict:
    """Title, version, release date and whether unreleased changes are in the tree."""
    config = (root / "_config.yml").read_text(encoding="utf-8")
    title = re.search(r'^title: "(.+)"', config, re.M).group(1)
    version, date = release.current(root)
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    unreleased = re.search(r"^## Unreleased\n(.*?)^## ", changelog, re.M | re.S)
    return {"title": title, "version": version, "date": date,
            "unreleased": bool(unreleased and unreleased.group(1).strip()),
            "built": datetime.date.today().isoformat()}


def _column_px() -> int:
    """The printed column's width in CSS pixels (96 per inch)."""
    return round((PAPER[0] - MARGIN["left"] - MARGIN["right"]) / 25.4 * 96)


def print_page(browser, url: str) -> tuple[bytes, str, list[str]]:
    """One page of the book as PDF bytes, its title, and its layout faults (if any)."""
    page = browser.new_page(viewport={"width": _column_px(), "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("console", lambda m: m.type == "error" and errors.append(f"console error: {m.text}"))
    try:
        page.goto(url, wait_until="load")
        page.wait_for_function(READY, timeout=120_000)
        page.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.wait_for_load_state("networkidle")
        page.emulate_media(media="print")
        page.evaluate("() => document.fonts.ready")
        page.evaluate(UNLINK_LOCAL)
        title = page.evaluate("() => (document.querySelector('main h1') || {}).textContent")
        title = re.sub(r"[#¶\s]+$", "", (title or "").strip())
        faults = page.evaluate(LAYOUT_CHECK)
        faults += [f"{e} (an explorer that failed)" for e in page.evaluate(FAILED_EXPLORERS)]
        faults += errors
        data = page.pdf(format="A4", print_background=True, prefer_css_page_size=False,
                        margin={k: f"{v}mm" for k, v in MARGIN.items()})
    finally:
        page.close()
    return data, title, faults


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def front_html(meta: dict, chapters: list[tuple[str, str, int]], address: str) -> str:
    """The title page and the table of contents: (part, title, first page) per chapter."""
    rows, part = [], None
    for p, title, first in chapters:
        if p != part:
            part = p
            if p:
                rows.append(f'<tr><th colspan="2" class="part">{_esc(p)}</th></tr>')
        rows.append(f'<tr><td>{_esc(title)}</td><td class="n">{first}</td></tr>')
    state = ("with changes made since (CHANGELOG.md, “Unreleased”)"
             if meta["unreleased"] else "as released")
    where = (f'<p>The HTML edition, with the live explorers: {_esc(address)}</p>'
             if address else
             "<p>The HTML edition of this book, with its live explorers, is built by "
             "<code>make book</code> from the project's repository.</p>")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<style>
  @page {{ size: A4; margin: {MARGIN['top']}mm {MARGIN['right']}mm {MARGIN['bottom']}mm
          {MARGIN['left']}mm; }}
  body {{ font-family: "DejaVu Sans", sans-serif; color: #111; font-size: 11pt; }}
  .title {{ break-after: page; padding-top: 55mm; }}
  h1 {{ font-size: 26pt; line-height: 1.2; margin: 0 0 6mm; }}
  .sub {{ font-size: 13pt; font-style: italic; margin-bottom: 18mm; }}
  .meta p {{ margin: 2mm 0; }}
  h2 {{ font-size: 18pt; margin: 0 0 6mm; }}
  table {{ width: 100%; border-collapse: collapse; font-size: 11.5pt; }}
  td {{ padding: 1.6mm 0; border-bottom: 1px dotted #999; }}
  td.n {{ text-align: right; width: 15mm; }}
  th.part {{ text-align: left; padding: 6mm 0 1.5mm; font-size: 12pt; }}
</style></head><body>
<section class="title">
  <h1>{_esc(meta['title'])}</h1>
  <p class="sub">A reproduction of Wang &amp; Buzsáki (1996), “Gamma oscillation by synaptic
  inhibition in a hippocampal interneuronal network model”, J. Neurosci. 16(20):
  6402–6413.</p>
  <div class="meta">
    <p><b>wbmodel {meta['version']}</b>, released {meta['date']}, {state}.</p>
    <p>This PDF was printed from the HTML book on {meta['built']}.</p>
    <p>The book's text and figures: CC BY 4.0; its code: MIT.</p>
    {where}
    <p>Every figure and number in it was computed when the book was built.</p>
  </div>
</section>
<section><h2>Contents</h2><table>{''.join(rows)}</table></section>
</body></html>"""


def footer_html(meta: dict, n_pages: int, first_numbered: int) -> str:
    """One page per page of the book, blank but for its footer (the title page has none)."""
    text = _esc(f"{meta['title']} · wbmodel {meta['version']} · CC BY 4.0")
    pages = []
    for i in range(n_pages):
        foot = (f'<div class="f"><span>{text}</span><span>{i + 1} / {n_pages}</span></div>'
                if i >= first_numbered else "")
        pages.append(f'<div class="p">{foot}</div>')
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><style>
  @page {{ size: A4; margin: 0; }}
  body {{ margin: 0; font-family: "DejaVu Sans", sans-serif; }}
  .p {{ width: {PAPER[0]}mm; height: {PAPER[1]}mm; position: relative; overflow: hidden;
        break-after: page; }}
  .f {{ position: absolute; left: {MARGIN['left']}mm; right: {MARGIN['right']}mm;
        bottom: 8mm; display: flex; justify-content: space-between; font-size: 7.5pt;
        color: #555; border-top: 0.5pt solid #bbb; padding-top: 1.5mm; }}
</style></head><body>{''.join(pages)}</body></html>"""


def _pdf_of_html(browser, html: str, margins: bool) -> bytes:
    page = browser.new_page()
    try:
        page.set_content(html, wait_until="load")
        margin = ({k: f"{v}mm" for k, v in MARGIN.items()} if margins
                  else dict.fromkeys(MARGIN, "0mm"))
        return page.pdf(format="A4", print_background=True, margin=margin)
    finally:
        page.close()


def build(html: Path = HTML, out: Path | None = None, root: Path = ROOT,
          address: str = "", log=print) -> Path:
    """Print the book in ``html`` to ``out``; return its path. Raises on a layout fault."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter

    out = out or html / NAME
    meta = book_meta(root)
    pages = contents(root)
    chunks, faults = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        for part, name in pages:
            t0 = time.perf_counter()
            path = html / "book" / f"{name}.html"
            if not path.exists():
                raise FileNotFoundError(f"{path} is missing: run `make book` first")
            data, title, found = print_page(browser, path.as_uri())
            faults += [f"{name}: {f}" for f in found]
            reader = PdfReader(io.BytesIO(data))
            chunks.append((part, name, title, reader))
            log(f"  {name}: {len(reader.pages)} pages, {time.perf_counter() - t0:.1f} s")
        if faults:
            raise LayoutError("the printed book does not fit its pages, or a page failed "
                              "(an explorer in error, a console error):\n  "
                              + "\n  ".join(faults))
        # the front matter's length is known before its page numbers: print it once to count
        def front(first_of):
            return PdfReader(io.BytesIO(_pdf_of_html(
                browser, front_html(meta, first_of, address), margins=True)))

        draft = front([(part, title, 0) for part, _, title, _ in chunks])
        n_front = len(draft.pages)
        firsts, at = [], n_front
        for part, _, title, reader in chunks:
            firsts.append((part, title, at + 1))
            at += len(reader.pages)
        front_pdf = front(firsts)
        if len(front_pdf.pages) != n_front:
            raise RuntimeError("the contents changed length once numbered")
        total = at
        feet = PdfReader(io.BytesIO(_pdf_of_html(
            browser, footer_html(meta, total, first_numbered=1), margins=False)))
        browser.close()
    writer = PdfWriter()
    for pg in front_pdf.pages:
        writer.add_page(pg)
    parts: dict[str, object] = {}
    for (part, _, title, reader), (_, _, first) in zip(chunks, firsts, strict=True):
        for pg in reader.pages:
            writer.add_page(pg)
        parent = None
        if part:
            if part not in parts:
                parts[part] = writer.add_outline_item(title=part, page_number=first - 1)
            parent = parts[part]
        writer.add_outline_item(title=title, page_number=first - 1, parent=parent)
    for pg, foot in zip(writer.pages, feet.pages, strict=True):
        pg.merge_page(foot)
    writer.add_metadata({"/Title": meta["title"], "/Author": "The wbmodel contributors",
                         "/Subject": f"wbmodel {meta['version']}, released {meta['date']}"})
    writer.compress_identical_objects()
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as f:
        writer.write(f)
    return out


class LayoutError(RuntimeError):
    """A page that cannot be printed: too wide, clipped, or failed (explorer, console)."""


def _chromium() -> str:
    import shutil

    return shutil.which("chromium") or "/usr/bin/chromium"


def main(argv=None) -> int:
    """``make pdf``: print the built book; 1 if there is none or a page does not fit."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--html", type=Path, default=HTML)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args(argv)
    if not (a.html / "book").exists():
        print(f"no built book at {a.html}: run `make book` first", file=sys.stderr)
        return 1
    sys.path.insert(0, str(ROOT / "tools"))
    import address

    t0 = time.perf_counter()
    try:
        out = build(a.html, a.out, address=address.address())
    except LayoutError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    size = out.stat().st_size / 2**20
    print(f"The book as PDF: {out} ({size:.1f} MB, {time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
