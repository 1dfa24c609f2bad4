"""The closing table of every chapter: what the paper says, what we measure, whether it holds."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Claim", "claims_table"]


@dataclass(frozen=True)
class Claim:
    """One row: the paper's statement, our measured number (as text) and the verdict."""

    paper: str
    measured: str
    holds: bool


def claims_table(claims, markdown: bool = True):
    """A Markdown table "paper says / we measure / holds?" (an IPython object in notebooks).

    Parameters
    ----------
    claims : iterable of Claim
    markdown : bool
        Return an ``IPython.display.Markdown`` (True) or the plain text (False).
    """
    lines = ["| paper says | we measure | holds? |", "|---|---|:---:|"]
    for c in claims:
        lines.append(f"| {c.paper} | {c.measured} | {'✅ yes' if c.holds else '❌ no'} |")
    text = "\n".join(lines)
    if not markdown:
        return text
    from IPython.display import Markdown
    return Markdown(text)
