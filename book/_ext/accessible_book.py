"""Sphinx extension of this book: pages that a screen reader can read.

- Every figure's image gets its caption as alt text (Sphinx leaves the file's path there),
  math written as the characters it prints (``I_{app}`` → ``I_app``, ``\\langle M \\rangle``
  → ``⟨M⟩``, ``\\sqrt{x}`` → ``√(x)``).
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


#: LaTeX commands read aloud as the characters they print.
_SYMBOLS = {
    "langle": "⟨", "rangle": "⟩", "infty": "∞", "times": "×", "cdot": "·", "approx": "≈",
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "pm": "±", "to": "→",
    "ll": "≪", "gg": "≫", "sim": "∼", "propto": "∝", "partial": "∂", "sum": "∑", "ell": "ℓ",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "theta": "θ",
    "kappa": "κ", "lambda": "λ", "mu": "µ", "nu": "ν", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "omega": "ω", "Delta": "Δ",
    "Sigma": "Σ", "Phi": "Φ", "Omega": "Ω", "Gamma": "Γ", "Lambda": "Λ",
}
_GROUP = r"\{([^{}]*)\}"  # one braced group without groups inside


def _plain(text: str) -> str:
    """Caption text as alt text: the LaTeX of its math as the characters it prints
    (``\\sqrt{I - I_{rh}}`` → ``√(I − I_rh)``, ``\\langle M \\rangle`` → ``⟨M⟩``)."""
    text = re.sub(r"\\[,;:! ]|\\q?quad\b", " ", text)
    text = re.sub(r"\\(?:left|right|big|Big)\b\\?", "", text)
    for _ in range(4):  # innermost groups first
        text = re.sub(r"\\(?:mathrm|text|mathit|mathbf|mathcal|operatorname)" + _GROUP, r"\1", text)
        text = re.sub(r"\\sqrt" + _GROUP, r"√(\1)", text)
        text = re.sub(r"\\frac" + _GROUP + _GROUP, lambda m: "/".join(
            g if re.fullmatch(r"[\w.]+", g) else f"({g})" for g in m.groups()), text)
        text = re.sub(r"([_^])" + _GROUP, lambda m: m.group(1) + (
            m.group(2) if re.fullmatch(r"\w+", m.group(2)) else f"({m.group(2)})"), text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _SYMBOLS.get(m.group(1), m.group(1)), text)
    text = text.replace("{", "").replace("}", "").replace("\\", "")
    text = re.sub(r"(?<=\s)-(?=\s)", "−", text)
    text = re.sub(r"⟨\s+", "⟨", re.sub(r"\s+⟩", "⟩", text))
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
