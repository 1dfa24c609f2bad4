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
