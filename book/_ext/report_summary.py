"""Sphinx extension of this book: the reproduction report's opening line, counted.

The report pastes every chapter's claims (myst-nb's glue). Its opening lines, "N of M of
the paper's claims hold" and "K of L of our own checks pass" (rows marked
``Claim(check=True)``), are the count of those pasted verdicts, made when the page is written, after
myst-nb has pasted them: the ``{claims-summary}`` directive leaves a placeholder, and a
post-transform that runs after myst-nb's (priority 5) replaces it with the count.
"""

import re
from collections import Counter

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective


class claims_summary(nodes.General, nodes.Element):
    """Where the count goes."""


class ClaimsSummaryDirective(SphinxDirective):
    """``{claims-summary}``: the count of the page's pasted verdicts."""

    has_content = False

    def run(self):
        """The placeholder node."""
        return [claims_summary()]


class CountVerdicts(SphinxPostTransform):
    """Replace the placeholder with the paper's claims that hold and our checks that pass
    (and, for each, where one does not)."""

    default_priority = 6  # after myst-nb pastes the glued verdicts (5)

    def apply(self, **kwargs):
        """Count the page's verdicts into each placeholder."""
        for node in list(self.document.findall(claims_summary)):
            # per kind (the paper's claims, our own checks): held, and where not
            held = {"paper": 0, "check": 0}
            failing = {"paper": [], "check": []}
            for raw in self.document.findall(nodes.raw):
                m = re.search(r'class="wb-verdict wb-(yes|no)( wb-check)?"', raw.astext())
                if not m:
                    continue
                kind = "check" if m.group(2) else "paper"
                if m.group(1) == "yes":
                    held[kind] += 1
                    continue
                section = raw.parent
                while section is not None and not isinstance(section, nodes.section):
                    section = section.parent
                failing[kind].append(section[0].astext() if section is not None else "?")
            lines = []
            for kind, what, verb in (("paper", "the paper's claims", "hold"),
                                     ("check", "our own checks", "pass")):
                total = held[kind] + len(failing[kind])
                text = f"{held[kind]} of {total} of {what} {verb}."
                if failing[kind]:
                    where = Counter(failing[kind])
                    text += " Not holding: " + "; ".join(
                        f"{n} in {s}" for s, n in where.items()) + "."
                para = nodes.paragraph(classes=["wb-report-count", f"wb-report-{kind}"])
                para += nodes.strong(text=text) if kind == "paper" else nodes.Text(text)
                lines.append(para)
            node.replace_self(lines)


def setup(app):
    """Register the directive and the count."""
    app.add_node(claims_summary)
    app.add_directive("claims-summary", ClaimsSummaryDirective)
    app.add_post_transform(CountVerdicts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
