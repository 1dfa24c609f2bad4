"""The closing table of every chapter: what the paper says, what we measure, whether it holds.

And the small formatting helpers that every printed number and figure title goes through,
so that no NumPy or Quantity repr (``np.float64(210.0)``, ``200. * msecond``) reaches the
reader.
"""

from __future__ import annotations

import html
import numbers
from dataclasses import dataclass

import brainunit as u
import numpy as np

__all__ = ["Claim", "ClaimsTable", "claims_table", "fmt", "fmt_quantity", "fmt_list",
           "VERDICTS", "HEADERS", "PAPER_CLAIMS"]

#: The verdict of a claim as a mark and a word. U+2713 and U+2717 are in every common
#: system font (unlike the emoji ✅/❌, which need a colour-emoji font), and the word
#: carries the verdict where even they are missing.
VERDICTS = {True: "✓ yes", False: "✗ no"}

#: How many claims the paper makes, numbered 1 to 6 as the book's introduction numbers
#: them; a row of a chapter's table names the one it tests (``Claim(claim=3)``).
PAPER_CLAIMS = 6

#: The number of the paper's claims in words, for the verdict's sentence.
_PAPER_CLAIMS_WORD = "six"


def fmt(x, digits: int = 2) -> str:
    """A number as plain text with ``digits`` decimals ("–" for NaN or None)."""
    if x is None:
        return "–"
    x = float(x)
    return "–" if not np.isfinite(x) else f"{x:.{digits}f}"


def fmt_quantity(q, unit, digits: int = 0) -> str:
    """A Quantity in ``unit`` as "200 ms" (the unit written as the paper writes it)."""
    names = {str(u.ms): "ms", str(u.mV): "mV", str(u.Hz): "Hz",
             str(u.uA / u.cm**2): "µA/cm²", str(u.mS / u.cm**2): "mS/cm²"}
    value = float(u.Quantity(q).to_decimal(unit))
    return f"{value:.{digits}f} {names.get(str(unit), str(unit))}"


def fmt_list(xs, digits: int = 0, sep: str = ", ") -> str:
    """Numbers as "210, 210, 180" (no NumPy reprs)."""
    return sep.join(fmt(x, digits) for x in np.asarray(xs, dtype=float).ravel())


@dataclass(frozen=True)
class Claim:
    """One row: the paper's statement, our measured number (as text) and the verdict.

    ``claim`` is the number (1 to :data:`~wbmodel.report.PAPER_CLAIMS`) of the paper's
    claim that the row tests, as the introduction numbers them; a row of the paper
    (``check=False``) in a chapter's closing table must name it. The report groups the
    rows by it: a claim holds when every row that names it holds.

    ``check`` marks a row that is our own check rather than a claim of the paper (the
    model as code, the numerics, the wiring question, a repeat of another chapter's
    claim): the table labels it "our check" ("our check · claim 3" where it names the
    claim it bears on), and the report counts it apart.
    """

    paper: str
    measured: str
    holds: bool
    check: bool = False
    claim: int | None = None

    def __post_init__(self):
        n = self.claim
        if n is not None and (isinstance(n, bool) or not isinstance(n, numbers.Integral)
                              or not 1 <= n <= PAPER_CLAIMS):
            raise ValueError(f"claim={n!r} for {self.paper!r}: the paper's claims are "
                             f"numbered 1 to {PAPER_CLAIMS}, as the introduction lists them")


#: The columns of a chapter's closing table.
HEADERS = ("paper says", "we measure", "holds?")


def _and(items) -> str:
    """Items as a list in prose: "2", "2 and 3", "1, 3 and 5"."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _mid_sentence(text: str) -> str:
    """A claim as it reads inside the verdict's sentence.

    Its first letter goes to lower case when the first word is a plain word ("The",
    "Synchrony"), and stays where it is not ("AHP", "Fig.", "E_syn", "(with").
    """
    first = text.split(" ", 1)[0]
    plain = first[1:].islower() and first.isalpha()
    return text[0].lower() + text[1:] if plain else text


class ClaimsTable:
    """The table "paper says / we measure / holds?", displayed as HTML.

    Markdown and plain text serve other front ends (``python -m wbmodel figures``).

    Attributes
    ----------
    claims : list of Claim
    headers : tuple of three str
        The column names (default :data:`HEADERS`).
    """

    def __init__(self, claims, headers=HEADERS):
        self.claims = list(claims)
        self.headers = tuple(headers)
        if len(self.headers) != 3:
            raise ValueError(f"a claims table has three columns, got {self.headers}")
        # a table of another kind (a comparison's yes/no) judges none of the paper's claims
        unnamed = [c.paper for c in self.claims if not c.check and c.claim is None]
        if self.headers == HEADERS and unnamed:
            raise ValueError(
                "a row of the paper's names the claim it tests (Claim(..., claim=n), n = "
                f"1 to {PAPER_CLAIMS} as the introduction numbers the paper's claims) or "
                f"is marked as our own check (check=True); these do neither: {unnamed}")

    def __len__(self) -> int:
        return len(self.claims)

    @property
    def all_hold(self) -> bool:
        """Whether every claim holds."""
        return all(c.holds for c in self.claims)

    def verdict(self) -> str:
        """One line for the chapter's opening: the paper's claims that hold, then ours.

        It counts the paper's claims, not rows: a claim holds here when every row that
        names it holds. Our own checks (``check=True``) are counted after them.

        Examples
        --------
        "the paper's claims 2 and 3 hold; our own check passes", "the paper's claim 4
        holds; claim 3 does not (<the failing row>)", "none of the paper's six claims is
        judged here; all 5 of our own checks pass".
        """
        rows = {}
        for c in self.claims:
            if not c.check and c.claim is not None:
                rows.setdefault(c.claim, []).append(c)
        held = sorted(n for n, rs in rows.items() if all(c.holds for c in rs))
        failed = sorted(n for n, rs in rows.items() if not all(c.holds for c in rs))

        def why(n):  # the claim's failing rows, as they read inside the sentence
            return "; ".join(_mid_sentence(c.paper) for c in rows[n] if not c.holds)

        parts = []
        if held:
            parts.append(f"the paper's claim {held[0]} holds" if len(held) == 1
                         else f"the paper's claims {_and(held)} hold")
        if failed:
            # "claim 3 does not (why)", "claims 3 (why) and 4 (why) do not"
            if len(failed) == 1:
                which, verb = f"claim {failed[0]}", "does not"
                reason = f" ({why(failed[0])})"
            else:
                which = "claims " + _and(f"{n} ({why(n)})" for n in failed)
                verb, reason = "do not", ""
            parts.append(f"{which} {verb}{reason}" if held
                         else f"the paper's {which} {verb} hold{reason}")
        text = "; ".join(parts) or \
            f"none of the paper's {_PAPER_CLAIMS_WORD} claims is judged here"
        ours = [c for c in self.claims if c.check]
        if ours:
            n, passed = len(ours), sum(c.holds for c in ours)
            if passed == n:
                text += ("; our own check passes" if n == 1
                         else "; both of our own checks pass" if n == 2
                         else f"; all {n} of our own checks pass")
            else:
                text += ("; our own check fails" if n == 1
                         else f"; {passed} of {n} of our own checks pass")
        return text

    def verdict_html(self) -> str:
        """:meth:`verdict` with its mark (✓ when every row holds, ✗ otherwise)."""
        ok = all(c.holds for c in self.claims)
        return (f'<span class="wb-lead wb-{"yes" if ok else "no"}">{"✓" if ok else "✗"}'
                f"</span> {html.escape(self.verdict())}")

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{_paper_html(c)}</td><td>{html.escape(c.measured)}</td>"
            f"<td {_verdict_attrs(c)}>{VERDICTS[c.holds]}</td></tr>"
            for c in self.claims)
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.headers)
        # a table of another kind: its ✓/✗ is a yes or no, not a good or bad (wb.css)
        cls = "wb-claims" if self.headers == HEADERS else "wb-claims wb-plain"
        return (f'<table class="{cls}"><thead><tr>{head}</tr></thead>'
                f"<tbody>{rows}</tbody></table>")

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def markdown(self) -> str:
        """The table in Markdown (GitHub tables), e.g. for ``python -m wbmodel figures``."""
        def cell(text):
            return text.replace("|", "\\|")

        lines = ["| " + " | ".join(self.headers) + " |", "|---|---|:---:|"]
        lines += [f"| {cell(_paper_text(c))} | {cell(c.measured)} | {VERDICTS[c.holds]} |"
                  for c in self.claims]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "\n".join(f"{VERDICTS[c.holds]:6} {_paper_text(c)}: {c.measured}"
                         for c in self.claims)


#: How a row of our own (``Claim(check=True)``) is labelled in its first cell.
CHECK_LABEL = "our check"


def _label(c: Claim) -> str:
    """The row's kind, as its first cell names it.

    "claim 3", "our check", "our check · claim 3", or nothing (a row of a table of
    another kind).
    """
    claim = f"claim {c.claim}" if c.claim is not None else ""
    if c.check:
        return f"{CHECK_LABEL} · {claim}" if claim else CHECK_LABEL
    return claim


def _paper_text(c: Claim) -> str:
    label = _label(c)
    return f"[{label}] {c.paper}" if label else c.paper


def _paper_html(c: Claim) -> str:
    label = _label(c)
    label = f'<span class="wb-kind">{html.escape(label)}</span> ' if label else ""
    return label + html.escape(c.paper)


def _verdict_class(c: Claim) -> str:
    """The verdict's classes: its colour (wb-yes, wb-no), and wb-check for our own row.

    The report's count tells the paper's claims from our checks by wb-check.
    """
    return f"wb-verdict wb-{'yes' if c.holds else 'no'}" + (" wb-check" if c.check else "")


def _verdict_attrs(c: Claim) -> str:
    """The verdict's attributes: its classes and, where the row names one, its claim.

    ``data-claim`` is the number by which the report and the tests group the rows.
    """
    attrs = f'class="{_verdict_class(c)}"'
    return attrs + (f' data-claim="{c.claim}"' if c.claim is not None else "")


def claims_table(claims, key: str | None = None, headers=HEADERS) -> ClaimsTable:
    """The closing table of a chapter.

    Parameters
    ----------
    claims : iterable of Claim
    key : str, optional
        If given, and the notebook runs under myst-nb (the book build), each claim is also
        glued as ``{key}-{i}-paper``, ``{key}-{i}-measured`` and ``{key}-{i}-verdict``
        (i = 1, 2, …) and their number as ``{key}-n``, for the reproduction report to paste:
        the report's numbers are the chapter's, never typed again.
    headers : tuple of three str
        The column names, for a table of another kind (e.g. a comparison's "the guide /
        measured effect / matters here?").

    Returns
    -------
    ClaimsTable
        Displays as an HTML table.
    """
    table = ClaimsTable(claims, headers)
    if key is not None:
        _glue(key, table)
    return table


def _glue(key: str, table: ClaimsTable) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import HTML
        from myst_nb import glue
    except ImportError:  # outside the book's environment: nothing to glue into
        return
    if get_ipython() is None:
        return
    # HTML, the kind that myst-nb pastes into another page ({glue}`doc.ipynb::key`)
    glue(f"{key}-n", len(table), display=False)
    glue(f"{key}-verdict", HTML(table.verdict_html()), display=False)
    for i, c in enumerate(table.claims, start=1):
        glue(f"{key}-{i}-paper", HTML(_paper_html(c)), display=False)
        glue(f"{key}-{i}-measured", HTML(html.escape(c.measured)), display=False)
        glue(f"{key}-{i}-verdict", HTML(
            f"<span {_verdict_attrs(c)}>{VERDICTS[c.holds]}</span>"), display=False)
