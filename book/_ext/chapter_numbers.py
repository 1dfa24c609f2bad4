"""Figures numbered by chapter ("Fig. 3.2"), so that they cannot be taken for the paper's.

The prose names the chapters by the two digits their files start with ("chapter 4" is
``04_frequency``), and the paper's figures as "the paper's Fig. 3A". Sphinx numbers our
figures through the whole book (Fig. 12, Fig. 14), and Jupyter Book 1 cannot number them
by chapter: each part of ``_toc.yml`` is a toctree of its own, and a numbered one restarts
at 1 in every part. So, once Sphinx has numbered the figures (``env-get-updated``), this
renumbers each chapter's figures, tables and listings as (chapter, k) in their order on the
page, and gives the chapter's title its number ("3. The gamma rhythm"). The guide's page
is not a chapter of the paper; its figures are G.1, G.2, … Pages without a number (the
introduction, the report) keep Sphinx's numbers.
"""

from __future__ import annotations

import re

from docutils import nodes

#: Pages numbered other than by their file's two digits.
NUMBERS = {"book/from_the_guide": "G"}


def chapter_of(docname: str) -> int | str | None:
    """The chapter's number (or letter) of a page, from its name; None for an unnumbered
    page."""
    m = re.match(r"book/(\d\d)_", docname)
    return int(m.group(1)) if m else NUMBERS.get(docname)


def _number_by_chapter(app, env):
    rewrite = []
    for docname, kinds in env.toc_fignumbers.items():
        chapter = chapter_of(docname)
        if chapter is None:
            continue
        for figtype, numbers in kinds.items():
            order = sorted(numbers, key=numbers.get)
            kinds[figtype] = {fid: (chapter, k) for k, fid in enumerate(order, start=1)}
        rewrite.append(docname)
    for docname in env.found_docs:
        chapter = chapter_of(docname)
        if chapter is None or isinstance(chapter, str) or docname not in env.tocs:
            continue
        # the title (the toc's first entry, anchor "") gets the number; every other
        # section an empty one, or the HTML writer would fall back to the title's
        secnums = {ref["anchorname"]: () for ref in env.tocs[docname].findall(nodes.reference)}
        secnums[""] = (chapter,)
        env.toc_secnumbers[docname] = secnums
    return rewrite


def setup(app):
    """Renumber after Sphinx's own numbering (its collector runs at priority 500)."""
    app.connect("env-get-updated", _number_by_chapter, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
