"""Sphinx extension of this book: the reproduction report's opening lines, counted.

The report pastes every chapter's claims (myst-nb's glue). Its opening lines are the count
of those pasted verdicts, made when the page is written, after myst-nb has pasted them: the
``{claims-summary}`` directive leaves a placeholder, and a post-transform that runs after
myst-nb's (priority 5) replaces it with

- "N of the paper's 6 claims hold": the paper's claims as the introduction numbers them;
  each pasted verdict of a paper's row names its claim (``data-claim``), and a claim holds
  when every row that names it, in every chapter, holds;
- "K of L of our own checks pass": the rows marked ``Claim(check=True)``, counted apart;
- a list of the six claims: each with its verdict and the sections where its rows are.

Two rows of one claim with different verdicts are a contradiction the book must not
print: the build warns (and, run with -W, fails), naming the claim and the sections.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from wbmodel.report import PAPER_CLAIMS, VERDICTS

logger = logging.getLogger(__name__)

#: A pasted verdict, as wbmodel.report writes it: its colour, whether it is our own
#: check, and the number of the paper's claim it names.
VERDICT = re.compile(r'class="wb-verdict wb-(yes|no)( wb-check)?"(?: data-claim="(\d+)")?')


class claims_summary(nodes.General, nodes.Element):
    """Where the count goes."""


class ClaimsSummaryDirective(SphinxDirective):
    """``{claims-summary}``: the count of the page's pasted verdicts."""

    has_content = False

    def run(self):
        """The placeholder node."""
        return [claims_summary()]


@dataclass
class Tally:
    """The report's verdicts, grouped: the paper's claims by number, our checks apart.

    Attributes
    ----------
    claims : dict
        {claim number: [(section, holds), ...]} of the paper's rows, in the report's order.
    checks : list of (str, bool)
        (section, holds) of each of our own checks.
    unnamed : list of str
        The sections of paper's rows that name no claim (a chapter built before the rows
        were numbered).
    """

    claims: dict = field(default_factory=dict)
    checks: list = field(default_factory=list)
    unnamed: list = field(default_factory=list)

    def holds(self, n: int) -> bool | None:
        """Whether claim ``n`` holds (every row naming it holds); None if no row names it."""
        rows = self.claims.get(n)
        return None if not rows else all(h for _, h in rows)

    def sections(self, n: int) -> list:
        """The sections where claim ``n``'s rows are, each once, in the report's order."""
        return list(dict.fromkeys(s for s, _ in self.claims.get(n, [])))

    def conflicts(self) -> dict:
        """The claims that one section judges to hold and another not to.

        A section's verdict on a claim is that of its rows together (the claim holds there
        when all of them do), as its chapter's opening states it; rows of one claim that
        differ within one chapter give that chapter one verdict, not two.

        {claim: (sections where it holds, sections where it does not)}.
        """
        found = {}
        for n in sorted(self.claims):
            where = self._where(n)
            yes = [s for s, h in where if h]
            no = [s for s, h in where if not h]
            if yes and no:
                found[n] = (yes, no)
        return found

    def headline(self) -> str:
        """The headline: "N of the paper's 6 claims hold.", and which do not.

        A claim that no row names is "not judged".
        """
        held = [n for n in range(1, PAPER_CLAIMS + 1) if self.holds(n)]
        text = (f"{len(held)} of the paper's {PAPER_CLAIMS} claims "
                f"{'holds' if len(held) == 1 else 'hold'}.")
        failing = [n for n in range(1, PAPER_CLAIMS + 1) if self.holds(n) is False]
        if failing:
            text += " Not holding: " + "; ".join(
                f"claim {n} (in {', '.join(s for s, h in self._where(n) if not h)})"
                for n in failing) + "."
        unjudged = [str(n) for n in range(1, PAPER_CLAIMS + 1) if self.holds(n) is None]
        if unjudged:
            text += f" Not judged: claim{'s' if len(unjudged) > 1 else ''} " + \
                ", ".join(unjudged) + "."
        return text

    def checks_line(self) -> str:
        """The second line: "K of L of our own checks pass.", and where one does not."""
        passed = sum(h for _, h in self.checks)
        text = f"{passed} of {len(self.checks)} of our own checks pass."
        where = Counter(s for s, h in self.checks if not h)
        if where:
            text += " Not holding: " + "; ".join(f"{n} in {s}" for s, n in where.items()) + "."
        return text

    def _where(self, n: int) -> list:
        """(section, holds) of claim ``n`` per section: holds there when all its rows do."""
        return [(s, all(h for t, h in self.claims[n] if t == s)) for s in self.sections(n)]


def tally(verdicts) -> Tally:
    """Group (section, pasted HTML) pairs by claim; HTML without a verdict is skipped."""
    t = Tally()
    for section, text in verdicts:
        m = VERDICT.search(text)
        if not m:
            continue
        holds = m.group(1) == "yes"
        if m.group(2):
            t.checks.append((section, holds))
        elif m.group(3):
            t.claims.setdefault(int(m.group(3)), []).append((section, holds))
        else:
            t.unnamed.append(section)
    return t


class CountVerdicts(SphinxPostTransform):
    """Replace the placeholder with the count of the pasted verdicts.

    The paper's claims that hold, our checks that pass, and the list of the six claims.
    """

    default_priority = 6  # after myst-nb pastes the glued verdicts (5)

    def apply(self, **kwargs):
        """Count the page's verdicts into each placeholder."""
        for node in list(self.document.findall(claims_summary)):
            ids, pasted = {}, []
            for raw in self.document.findall(nodes.raw):
                section = raw.parent
                while section is not None and not isinstance(section, nodes.section):
                    section = section.parent
                title = section[0].astext() if section is not None else "?"
                if section is not None and section["ids"]:
                    ids.setdefault(title, section["ids"][0])
                pasted.append((title, raw.astext()))
            t = tally(pasted)
            for n, (yes, no) in t.conflicts().items():
                logger.warning(
                    f"the paper's claim {n} both holds (in {', '.join(yes)}) and does not "
                    f"(in {', '.join(no)}): rows of one claim must agree",
                    location=node, type="wbmodel", subtype="claims")
            if t.unnamed:
                logger.warning(
                    "rows of the paper's that name no claim (Claim(claim=n)) in "
                    f"{', '.join(dict.fromkeys(t.unnamed))}",
                    location=node, type="wbmodel", subtype="claims")
            head = nodes.paragraph(classes=["wb-report-count", "wb-report-paper"])
            head += nodes.strong(text=t.headline())
            ours = nodes.paragraph(classes=["wb-report-count", "wb-report-check"])
            ours += nodes.Text(t.checks_line())
            node.replace_self([head, ours, self._claims_list(t, ids)])

    @staticmethod
    def _claims_list(t: Tally, ids: dict) -> nodes.bullet_list:
        """One item per claim: "Claim 3: ✓ yes, in <section>, <section>." (linked)."""
        items = nodes.bullet_list(classes=["wb-report-claims"])
        for n in range(1, PAPER_CLAIMS + 1):
            holds = t.holds(n)
            para = nodes.paragraph()
            para += nodes.Text(f"Claim {n}: ")
            if holds is None:
                para += nodes.Text("– not judged.")
            else:
                para += nodes.inline(text=VERDICTS[holds],
                                     classes=["wb-verdict", f"wb-{'yes' if holds else 'no'}"])
                para += nodes.Text(", in ")
                for k, (section, here) in enumerate(t._where(n)):
                    if k:
                        para += nodes.Text(", ")
                    if section in ids:
                        para += nodes.reference(text=section, refid=ids[section],
                                                internal=True)
                    else:
                        para += nodes.Text(section)
                    if not here:
                        para += nodes.Text(" (does not hold there)")
                para += nodes.Text(".")
            items += nodes.list_item("", para)
        return items


def setup(app):
    """Register the directive and the count."""
    app.add_node(claims_summary)
    app.add_directive("claims-summary", ClaimsSummaryDirective)
    app.add_post_transform(CountVerdicts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
