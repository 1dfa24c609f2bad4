"""Sphinx extension of this book: the reproduction report's opening line, counted.

The report pastes every chapter's claims (myst-nb's glue). Its opening line, "N of M
claims hold", is the count of those pasted verdicts, made when the page is written, after
myst-nb has pasted them: the ``{claims-summary}`` directive leaves a placeholder, and a
post-transform that runs after myst-nb's (priority 5) replaces it with the count.
"""

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
    """Replace the placeholder with "N of M claims hold" (and which do not)."""

    default_priority = 6  # after myst-nb pastes the glued verdicts (5)

    def apply(self, **kwargs):
        """Count the page's verdicts into each placeholder."""
        for node in list(self.document.findall(claims_summary)):
            yes = no = 0
            failing = []
            for raw in self.document.findall(nodes.raw):
                text = raw.astext()
                if 'class="wb-verdict wb-yes"' in text:
                    yes += 1
                elif 'class="wb-verdict wb-no"' in text:
                    no += 1
                    section = raw.parent
                    while section is not None and not isinstance(section, nodes.section):
                        section = section.parent
                    failing.append(section[0].astext() if section is not None else "?")
            text = f"{yes} of {yes + no} claims hold."
            if no:
                text += " Not holding: " + "; ".join(failing) + "."
            para = nodes.paragraph(classes=["wb-report-count"])
            para += nodes.strong(text=text)
            node.replace_self(para)


def setup(app):
    """Register the directive and the count."""
    app.add_node(claims_summary)
    app.add_directive("claims-summary", ClaimsSummaryDirective)
    app.add_post_transform(CountVerdicts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
