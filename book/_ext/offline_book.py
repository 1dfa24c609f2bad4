"""Sphinx extension of this book: keep every page clean for offline reading.

sphinx-thebe registers its inline configuration script twice under Jupyter Book 1, which
makes the browser log "Identifier 'THEBE_JS_URL' has already been declared" on every page;
this drops duplicates (same file, or same inline body) from each page's script list.

The ipywidgets HTML manager (``_static/widgets/embed-amd.js``) asks for its icon fonts at
``@jupyter-widgets/…`` relative to the page, whatever its own location; this copies them
there after the build, so the browser finds them instead of logging 404s.

Launch buttons (once the project has a public address: tools/address.py) stay on the
notebooks: the theme would put them on the intro too, a MyST page Colab cannot open.

The download menu offers the whole book as one PDF (``make pdf``, ``tools/pdf.py``, writes
it at the top of the built HTML, as :data:`BOOK_PDF`) beside the theme's "print this page".
"""

import shutil
from pathlib import Path

#: Where, relative to a page's folder, the widget manager looks for its fonts.
_FONT_DIRS = ("@jupyter-widgets", "@jupyter-widgets/html-manager/dist")


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for js in context.get("script_files", []):
        # an inline script's filename is None or "" depending on who added it
        key = (getattr(js, "filename", str(js)) or "",
               tuple(sorted((k, str(v)) for k, v in getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(js)
    context["script_files"] = kept


#: The whole book's PDF, at the top of the built HTML (tools/pdf.py writes it there).
BOOK_PDF = "wang-buzsaki-1996.pdf"


def _launch_notebooks_only(app, pagename, templatename, context, doctree):
    # The theme offers Binder and Colab on MyST-Markdown pages with code cells too (the
    # intro), where Colab cannot open the file: the launch buttons stay on the notebooks.
    if not str(context.get("sourcename", "")).endswith((".ipynb", ".ipynb.txt")):
        context["header_buttons"] = [b for b in context.get("header_buttons", [])
                                     if b.get("label") != "launch-buttons"]


def _offer_the_book_pdf(app, pagename, templatename, context, doctree):
    for group in context.get("header_buttons", []):
        if group.get("label") != "download-buttons":
            continue
        for button in group["buttons"]:
            if button.get("label") == "download-pdf-button":
                button["text"] = "print this page"
        group["buttons"].append({
            "type": "link", "url": context["pathto"](BOOK_PDF, 1), "text": "the book (.pdf)",
            "tooltip": "The whole book as one PDF", "icon": "fas fa-book",
            "label": "download-book-pdf-button"})


def _serve_widget_fonts(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    fonts = sorted((out / "_static" / "widgets").glob("*.woff2"))
    page_dirs = {p.parent for p in out.rglob("*.html")
                 if not any(part.startswith(("_", ".")) for part in p.relative_to(out).parts)}
    for page_dir in page_dirs:
        for sub in _FONT_DIRS:
            (page_dir / sub).mkdir(parents=True, exist_ok=True)
            for f in fonts:
                shutil.copyfile(f, page_dir / sub / f.name)


def setup(app):
    """Register the hooks."""
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    # after the theme has made its buttons (priority 501)
    app.connect("html-page-context", _offer_the_book_pdf, priority=600)
    app.connect("html-page-context", _launch_notebooks_only, priority=600)
    app.connect("build-finished", _serve_widget_fonts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
