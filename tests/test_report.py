"""The closing tables and the formatting helpers that keep reprs out of the book."""

import re

import brainunit as u
import numpy as np
import pytest

import wbmodel as wb
from wbmodel.report import fmt, fmt_list, fmt_quantity


def test_claims_render_as_an_html_table_with_word_and_mark_verdicts():
    t = wb.claims_table([wb.Claim("E_syn < AHP", "−66.7 mV | ok", True, claim=3),
                         wb.Claim("second", "2", False, claim=4)])
    html = t._repr_html_()
    assert html.startswith('<table class="wb-claims">') and html.count("<tr>") == 3
    assert "E_syn &lt; AHP" in html, "text is escaped, not parsed"
    assert re.findall(r'class="wb-verdict wb-(yes|no)" data-claim="\d">([^<]+)<', html) == [
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
    t = wb.claims_table([wb.Claim("a", "1", True, claim=1),
                         wb.Claim("b", "2", False, check=True, claim=2)])
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
    t = wb.claims_table([wb.Claim("a claim of the paper", "1", True, claim=2),
                         wb.Claim("our check", "2", False, check=True)])
    html = t._repr_html_()
    assert html.count('class="wb-verdict wb-yes" data-claim="2"') == 1
    assert html.count('class="wb-verdict wb-no wb-check">') == 1
    assert '<span class="wb-kind">our check</span> our check' in html
    assert "| [our check] our check | 2 |" in t.markdown()
    assert "[our check]" not in repr(t).splitlines()[0]


def test_the_chapter_verdict_counts_the_papers_claims_then_ours():
    """The verdict counts the paper's claims (a claim holds when all its rows hold), not
    rows, then our own checks."""
    def yes(n):
        return wb.Claim("a", "1", True, claim=n)

    mine = wb.Claim("c", "3", True, check=True)
    assert wb.claims_table([yes(3)]).verdict() == "the paper's claim 3 holds"
    assert wb.claims_table([yes(3), yes(3)]).verdict() == "the paper's claim 3 holds", \
        "two rows of one claim are one claim"
    assert wb.claims_table([yes(3), yes(2), yes(3)]).verdict() == \
        "the paper's claims 2 and 3 hold"
    assert wb.claims_table([yes(5), yes(1), yes(3)]).verdict() == \
        "the paper's claims 1, 3 and 5 hold"
    # one failing row fails its claim, and says which
    three = [yes(4), yes(3), wb.Claim("The AHP trough", "x", False, claim=3), mine]
    assert wb.claims_table(three).verdict() == (
        "the paper's claim 4 holds; claim 3 does not (the AHP trough); "
        "our own check passes")
    two = [yes(2), wb.Claim("b", "x", False, claim=4), wb.Claim("c", "y", False, claim=3)]
    assert wb.claims_table(two).verdict() == \
        "the paper's claim 2 holds; claims 3 (c) and 4 (b) do not"
    assert wb.claims_table([wb.Claim("b", "x", False, claim=4)]).verdict() == \
        "the paper's claim 4 does not hold (b)"
    assert wb.claims_table(two[1:]).verdict() == \
        "the paper's claims 3 (c) and 4 (b) do not hold"
    # a table of our own checks alone
    assert wb.claims_table([mine] * 5).verdict() == \
        "none of the paper's six claims is judged here; all 5 of our own checks pass"
    both = wb.claims_table([yes(1), mine, wb.Claim("d", "4", False, check=True, claim=1)])
    assert both.verdict() == "the paper's claim 1 holds; 1 of 2 of our own checks pass", \
        "our check of claim 1 is counted with our checks, not with the claim"
    assert wb.claims_table([mine, mine]).verdict().endswith("; both of our own checks pass")
    assert wb.claims_table([wb.Claim("e", "5", False, check=True)]).verdict().endswith(
        "; our own check fails")
    # a failing claim reads on inside the sentence
    failing = [wb.Claim(t, "x", False, claim=4) for t in (
        "The decay must be long", "AHP trough", "Fig. 3B synchronises", "E_syn rises")]
    assert wb.claims_table(failing).verdict() == (
        "the paper's claim 4 does not hold (the decay must be long; AHP trough; "
        "Fig. 3B synchronises; E_syn rises)")
    assert both.verdict_html().startswith(
        '<span class="wb-lead wb-no">✗</span> the paper&#x27;s claim')


def test_a_row_names_the_papers_claim_it_tests():
    """Each row of the paper's carries the number of its claim: in its first cell, in
    every form the table takes, and on its verdict (data-claim), by which the report
    groups the rows."""
    t = wb.claims_table([wb.Claim("Inhibition alone synchronises", "κ = 0.98", True,
                                  claim=2),
                         wb.Claim("Synchrony forms", "200 ms", True, check=True, claim=2),
                         wb.Claim("The model as code", "same spikes", False, check=True)])
    html = t._repr_html_()
    assert re.findall(r'<td><span class="wb-kind">([^<]+)</span> ', html) == [
        "claim 2", "our check · claim 2", "our check"]
    assert re.findall(r'<td class="(wb-verdict[^"]*)"( data-claim="\d")?>', html) == [
        ("wb-verdict wb-yes", ' data-claim="2"'),
        ("wb-verdict wb-yes wb-check", ' data-claim="2"'),
        ("wb-verdict wb-no wb-check", "")]
    md = t.markdown().splitlines()
    assert md[2].startswith("| [claim 2] Inhibition alone synchronises | κ = 0.98 |")
    assert md[3].startswith("| [our check · claim 2] Synchrony forms |")
    assert md[4].startswith("| [our check] The model as code |")
    assert repr(t).splitlines()[0] == "✓ yes  [claim 2] Inhibition alone synchronises: κ = 0.98"
    assert wb.Claim("a", "1", True).claim is None


def test_a_row_of_the_paper_without_its_claim_is_refused():
    with pytest.raises(ValueError, match=r"names the claim it tests.*\['Steep f–I'\]"):
        wb.claims_table([wb.Claim("Steep f–I", "60 Hz", True)])
    for bad in (0, 7, 3.0, True, "3"):
        with pytest.raises(ValueError, match="numbered 1 to 6"):
            wb.Claim("a", "1", True, claim=bad)
    assert wb.claims_table([wb.Claim("a", "1", True, claim=np.int64(6))]).claims[0].claim == 6
    # a table of another kind (the guide's departures, yes or no) judges no claim
    other = wb.claims_table([wb.Claim("weights g/N", "f +0.12 Hz", False)],
                            headers=("the guide", "measured effect", "matters here?"))
    assert "data-claim" not in other._repr_html_() and "wb-kind" not in other._repr_html_()
