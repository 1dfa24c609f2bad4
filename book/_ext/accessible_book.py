"""Sphinx extension of this book: pages that a screen reader can read.

- Every figure's image gets its caption as alt text (Sphinx leaves the file's path there),
  math written as plain text (``I_{app}`` → ``I_app``).
- The bibliography's entries are list items of their list: docutils writes each citation
  with the deprecated role ``doc-biblioentry`` inside a ``role="list"``, which axe-core
  counts as a list without items (critical). They become ``role="listitem"``.

The theme's primary sidebar is put in a landmark by a template
(``book/_templates/sections/sidebar-primary.html``), and the ipywidgets sliders and images
get names by ``book/_static/widgets/a11y-shim.js``.
"""

import re
from pathlib import Path

from docutils import nodes
from sphinx.transforms import SphinxTransform


def _plain(text: str) -> str:
    """Caption text as alt text: LaTeX's braces, backslashes and carets dropped."""
    text = re.sub(r"\\(mathrm|text|mathcal)\b", "", text)
    text = text.replace("\\", "").replace("{", "").replace("}", "").replace("^", "")
    return re.sub(r"\s+", " ", text).strip()


class FigureAltFromCaption(SphinxTransform):
    """Give each figure's image its caption as alt text, where it has none of its own."""

    default_priority = 900

    def apply(self, **kwargs):
        """Caption → alt text, for every figure of the document."""
        for fig in self.document.findall(nodes.figure):
            caption = next(iter(fig.findall(nodes.caption)), None)
            if caption is None:
                continue
            for img in fig.findall(nodes.image):
                alt = img.get("alt", "")
                if not alt or alt == img.get("uri") or alt.endswith((".png", ".svg")):
                    img["alt"] = _plain(caption.astext())


def _citation_roles(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if 'role="doc-biblioentry"' in text:
            page.write_text(text.replace('role="doc-biblioentry"', 'role="listitem"'),
                            encoding="utf-8")


def setup(app):
    """Register the transform and the bibliography's roles."""
    app.add_transform(FigureAltFromCaption)
    app.connect("build-finished", _citation_roles)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
