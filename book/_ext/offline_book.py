"""Sphinx extension of this book: keep every page clean for offline reading.

sphinx-thebe registers its inline configuration script twice under Jupyter Book 1, which
makes the browser log "Identifier 'THEBE_JS_URL' has already been declared" on every page;
this drops duplicates (same file, or same inline body) from each page's script list.

The ipywidgets HTML manager (``_static/widgets/embed-amd.js``) asks for its icon fonts at
``@jupyter-widgets/…`` relative to the page, whatever its own location; this copies them
there after the build, so the browser finds them instead of logging 404s.
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
    """Register both hooks."""
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    app.connect("build-finished", _serve_widget_fonts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
