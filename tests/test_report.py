"""The closing tables and the formatting helpers that keep reprs out of the book."""

import re

import brainunit as u
import numpy as np
import pytest

import wbmodel as wb
from wbmodel.report import fmt, fmt_list, fmt_quantity


def test_claims_render_as_an_html_table_with_word_and_mark_verdicts():
    t = wb.claims_table([wb.Claim("E_syn < AHP", "−66.7 mV | ok", True),
                         wb.Claim("second", "2", False)])
    html = t._repr_html_()
    assert html.startswith('<table class="wb-claims">') and html.count("<tr>") == 3
    assert "E_syn &lt; AHP" in html, "text is escaped, not parsed"
    assert re.findall(r'class="wb-verdict wb-(yes|no)">([^<]+)<', html) == [
        ("yes", "✓ yes"), ("no", "✗ no")]
    assert not t.all_hold and len(t) == 2
    md = t.markdown()
    assert md.splitlines()[0] == "| paper says | we measure | holds? |"
    assert "−66.7 mV \\| ok" in md, "a pipe inside a cell is escaped"
    assert "✓ yes" in repr(t)


def test_a_table_of_another_kind_names_its_columns():
    t = wb.claims_table([wb.Claim("weights g/N", "f +0.12 Hz", False)],
                        headers=("the guide", "measured effect", "matters here?"))
    html = t._repr_html_()
    assert html.startswith('<table class="wb-claims wb-plain">'), "no good/bad colours"
    assert re.findall(r"<th>([^<]+)</th>", html) == ["the guide", "measured effect",
                                                     "matters here?"]
    assert t.markdown().splitlines()[0] == "| the guide | measured effect | matters here? |"
    with pytest.raises(ValueError, match="three columns"):
        wb.claims_table([], headers=("a", "b"))


def test_rendered_tables_avoid_emoji():
    """What a reader gets, in every form a table takes: marks any font has, no emoji."""
    t = wb.claims_table([wb.Claim("a", "1", True), wb.Claim("b", "2", False)])
    for text in (t._repr_html_(), t.markdown(), repr(t)):
        assert all(ord(ch) < 0x2800 for ch in text), text


def test_formatting_helpers_leave_no_reprs():
    assert fmt_list([np.float64(210.0), 180.0]) == "210, 180"
    assert fmt(np.float32(0.12345), 3) == "0.123" and fmt(np.nan) == "–" and fmt(None) == "–"
    assert fmt_quantity(200.0 * u.ms, u.ms) == "200 ms"
    assert fmt_quantity(1.0 * u.mS / u.cm**2, u.mS / u.cm**2, 1) == "1.0 mS/cm²"
    assert fmt_quantity(0.5 * u.second, u.ms) == "500 ms"


def test_the_network_figure_title_has_no_quantity_repr(default_run):
    import matplotlib.pyplot as plt

    fig = wb.plotting.plot_network(default_run)
    title = fig.axes[0].get_title()
    plt.close(fig)
    assert title.endswith("(after 200 ms)"), title


def test_our_own_checks_are_labelled_and_classed_apart():
    """A row of our own (check=True) says so in its first cell, and its verdict carries
    wb-check, by which the report counts it apart from the paper's claims."""
    t = wb.claims_table([wb.Claim("a claim of the paper", "1", True),
                         wb.Claim("our check", "2", False, check=True)])
    html = t._repr_html_()
    assert html.count('class="wb-verdict wb-yes"') == 1
    assert html.count('class="wb-verdict wb-no wb-check"') == 1
    assert '<span class="wb-kind">our check</span> our check' in html
    assert "| [our check] our check | 2 |" in t.markdown()
    assert "[our check]" not in repr(t).splitlines()[0]


def test_the_chapter_verdict_counts_the_papers_claims_then_ours():
    yes, no = wb.Claim("a", "1", True), wb.Claim("b", "2", False)
    mine = wb.Claim("c", "3", True, check=True)
    assert wb.claims_table([yes, yes]).verdict() == "all 2 of the paper's claims checked here hold"
    assert wb.claims_table([yes, no, mine]).verdict() == (
        "1 of 2 of the paper's claims checked here hold (not: b); our own check passes")
    both = wb.claims_table([yes, mine, wb.Claim("d", "4", False, check=True)])
    assert both.verdict() == "the paper's claim checked here holds; 1 of 2 of our own checks pass"
    assert wb.claims_table([mine, mine]).verdict().endswith("; both of our own checks pass")
    assert wb.claims_table([mine, mine, mine]).verdict().endswith("; all 3 of our own checks pass")
    assert wb.claims_table([wb.Claim("e", "5", False, check=True)]).verdict().endswith(
        "; our own check fails")
    # a failing claim reads on inside the sentence
    failing = [wb.Claim(t, "x", False) for t in ("The decay must be long", "AHP trough",
                                                 "Fig. 3B synchronises", "E_syn rises")]
    assert wb.claims_table(failing).verdict() == (
        "0 of 4 of the paper's claims checked here hold (not: the decay must be long; "
        "AHP trough; Fig. 3B synchronises; E_syn rises)")
    assert both.verdict_html().startswith(
        '<span class="wb-lead wb-no">✗</span> the paper&#x27;s claim')
