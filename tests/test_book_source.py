"""The book's sources, checked without building: code that fits the page, numbered and
captioned figures, the report's rows, the model's code shown from the modules themselves,
and launch buttons that can work (Binder, Colab)."""

from __future__ import annotations

import json
import re
import sys
import types
from pathlib import Path

import project_tools
import pytest

import wbmodel.report as wb_report

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
#: Every notebook of the book, and the numbered chapters among them (the paper's claims,
#: each with its closing table pasted into the reproduction report).
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
CHAPTERS = [p for p in NOTEBOOKS if re.match(r"\d\d_", p.name)]


def toc_pages() -> list[str]:
    """The book's pages in the order of ``_toc.yml`` (names under ``book/``)."""
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    return re.findall(r"(?:root|file): book/(\S+)", toc)

#: Characters of code that fit the content column of the built page at 1280 px (DejaVu Sans
#: Mono at the theme's size: 684 px box, 32 px padding, 8.43 px per character = 77).
CODE_WIDTH = 76


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _src(cell) -> str:
    return "".join(cell["source"])


def _code_blocks():
    """(where, code) for every notebook code cell and every code cell of intro.md."""
    for path in NOTEBOOKS:
        for c in _cells(path):
            if c["cell_type"] == "code":
                yield f"{path.name}:{c['id']}", _src(c)
    text = (BOOK / "intro.md").read_text(encoding="utf-8")
    for k, block in enumerate(re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, re.S)):
        body = re.sub(r"\A---\n.*?\n---\n", "", block, flags=re.S)
        yield f"intro.md:code-cell {k + 1}", "\n".join(
            ln for ln in body.splitlines() if not ln.startswith(":"))


def test_the_toc_holds_every_notebook():
    pages = toc_pages()
    assert sorted(f"{p}.ipynb" for p in pages if (BOOK / f"{p}.ipynb").exists()) == \
        [p.name for p in NOTEBOOKS], "every notebook is a page of the book, and only once"
    assert len(CHAPTERS) == 9


def test_every_code_line_fits_the_column():
    long = [(where, len(line), line) for where, code in _code_blocks()
            for line in code.splitlines() if len(line) > CODE_WIDTH]
    assert not long, f"lines over {CODE_WIDTH} characters (ruff format --line-length " \
                     f"{CODE_WIDTH} book/, then split the strings): {long}"


#: A number in the prose that reads as a run's result: a percentage, a frequency, a ratio
#: ("20×"), a κ, a count of runs ("3 of 20") or cluster sizes ("52 + 48").
RESULT = re.compile(r"(?<![\w.,−-])(?:\d+(?:[.,]\d+)?\s?(?:%|Hz\b|×)|\d+ of \d+\b"
                    r"|\d+ \+ \d+\b)|κ\s?(?:=|≈|<|>|≥|≤|of|about)\s?\d*\.\d+")
#: What the prose hides from that search: code, math, roles (a glued number is a role,
#: {glue:text}`key`), link targets, HTML and directive options.
_NOT_PROSE = [r"^(`{3,}|~{3,}).*?^\1", r"^:[\w-]+:.*$", r"\{[\w:-]+\}`[^`]*`", r"`[^`]*`",
              r"\$\$.*?\$\$", r"\$[^$\n]*\$", r"\]\([^)]*\)", r"<[^>]+>"]
#: Typed numbers that are not results: the paper's parameters and the protocol's bounds
#: and thresholds, each where it is written.
TYPED = {
    "intro.md": {"80 Hz"},  # the gamma band, 20–80 Hz
    "01_interneuron.ipynb": {"1.4 Hz", "400 Hz"},  # Fig. 1A's read-off error; its range
    "03_gamma_rhythm.ipynb": {"99 %", "κ = 0.9"},  # (N − 1)/N; the threshold drawn
    "04_frequency.ipynb": {"κ < 0.5"},  # the open symbols' threshold
    "05_heterogeneity.ipynb": {"80 Hz"},  # the gamma band
    "06_sparse.ipynb": {"3 %"},  # Fig. 8C's drive spread, I_σ/I_app
    "07_explore.ipynb": {"8 ×"},  # the map's grid
    "08_numerics.ipynb": {"1 %"},  # the accuracy the step is chosen for
    "09_stability.ipynb": {"4 ×", "κ > 0.9"},  # the system's size; chapter 4's criterion
    "from_the_guide.ipynb": {"99 %"},  # (N − 1)/N
}


def _as_prose(markdown: str) -> str:
    for pattern in _NOT_PROSE:
        markdown = re.sub(pattern, " ", markdown, flags=re.S | re.M)
    return markdown


def _prose():
    """(page, text) of every Markdown cell, and of the intro's Markdown, as prose."""
    for path in NOTEBOOKS:
        for c in _cells(path):
            if c["cell_type"] == "markdown":
                yield path.name, _as_prose(_src(c))
    yield "intro.md", _as_prose((BOOK / "intro.md").read_text(encoding="utf-8"))


def test_result_numbers_in_the_prose_are_pasted_from_their_runs():
    """A result typed into the prose goes stale when the code changes; pasted with
    myst-nb's glue (and asserted in a hidden cell) it cannot."""
    typed = [(page, m.group(0), " ".join(text[m.start() - 50:m.end() + 10].split()))
             for page, text in _prose() for m in RESULT.finditer(text)
             if m.group(0) not in TYPED.get(page, ())]
    assert not typed, f"result numbers typed into the prose (glue them): {typed}"


def test_the_glue_guard_finds_a_typed_result():
    for text in ("κ = 0.93 here", "κ about 0.5", "it is 20× faster", "3 of 20 starts",
                 "within 0.6 % of it", "at 39.0 Hz", "sizes like 52 + 48"):
        assert RESULT.search(_as_prose(text)), text
    for text in ("at {glue:text}`f:.1f` Hz", "$I_{app}$ = 1 µA/cm²", "dt `0.05 ms`",
                 "φ = 3.33", "$\\kappa = 0.98$", ":::{figure}\n:width: 80 %\n"):
        assert not RESULT.search(_as_prose(text)), text


def _draws(code: str) -> bool:
    """Whether a cell shows a figure where it stands (not one it glues elsewhere)."""
    return ("plt.show()" in code or "plot_network(" in code) and "plt.close(fig)" not in code


#: A figure glued into the Markdown (a chapter's opening shows its answer this way):
#: ```{glue:figure} key / :name: fig-… / caption```.
GLUED_FIGURE = re.compile(r"^```\{glue:figure\}\s+(\S+)\n((?::[\w-]+:[^\n]*\n)*)\n?(.*?)^```",
                          re.M | re.S)


def _glued_figures(text: str) -> dict:
    """{glue key: (name, caption)} of the glued figures in ``text``."""
    found = {}
    for m in GLUED_FIGURE.finditer(text):
        name = re.search(r":name:\s*(\S+)", m.group(2))
        found[m.group(1)] = (name.group(1) if name else "", m.group(3).strip())
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_is_numbered_captioned_and_referred_to(path):
    cells = _cells(path)
    text = "\n".join(_src(c) for c in cells if c["cell_type"] == "markdown")
    glued = _glued_figures(text)
    names = []
    for c in cells:
        code = _src(c) if c["cell_type"] == "code" else ""
        for key in re.findall(r'glue\(\s*"([^"]+)",\s*fig\b', code):
            # a figure glued from here is shown where the Markdown pastes it
            assert key in glued, f"{path.name}:{c['id']} glues {key}, which no " \
                "{glue:figure} shows"
            assert "plt.close(fig)" in code, f"{path.name}:{c['id']} also shows {key}"
        if not _draws(code):
            continue
        fig = c["metadata"].get("mystnb", {}).get("figure", {})
        assert fig.get("name", "").startswith("fig-") and len(fig.get("caption", "")) > 40, \
            f"{path.name}:{c['id']} draws a figure without a name and a caption"
        names.append(fig["name"])
    for key, (name, caption) in glued.items():
        assert name.startswith("fig-") and len(caption) > 40, \
            f"{path.name}: the glued figure {key} needs a name and a caption"
        names.append(name)
    for name in names:
        assert "{numref}`" + name + "`" in text, f"{path.name}: the text never refers to {name}"
    assert names, "every chapter has at least one figure"
    assert len(set(names)) == len(names)
    assert "**In the paper.**" in _src(cells[0]), "the opening says which figure of the paper"


def test_figure_names_are_unique_across_the_book():
    names = [c["metadata"]["mystnb"]["figure"]["name"] for p in NOTEBOOKS for c in _cells(p)
             if "figure" in c["metadata"].get("mystnb", {})]
    names += [name for p in NOTEBOOKS for c in _cells(p) if c["cell_type"] == "markdown"
              for name, _ in _glued_figures(_src(c)).values()]
    assert len(names) == len(set(names)) >= 20


def test_the_report_has_one_row_per_claim_of_every_chapter():
    report = (BOOK / "report.md").read_text(encoding="utf-8")
    assert "```{claims-summary}" in report, "the report opens with the count of claims"
    for path in CHAPTERS:
        key = "ch" + path.name[:2]
        code = "\n".join(_src(c) for c in _cells(path) if c["cell_type"] == "code")
        assert code.count(f'key="{key}"') == 1, f"{path.name} glues its claims as {key}"
        n = code.count("wb.Claim(")
        rows = sorted({int(m) for m in re.findall(
            rf"{re.escape(path.name)}::{key}-(\d+)-measured", report)})
        assert rows == list(range(1, n + 1)), (path.name, n, rows)
        for part in ("paper", "verdict"):
            assert len(re.findall(rf"{key}-\d+-{part}`", report)) == n
        section = report.split(f"{{doc}}`{path.stem}`")[1].split("\n## ")[0]
        assert section.count(f"{key}-") == 3 * n, f"{path.name}'s rows sit under its heading"



def _report_summary():
    """The report's extension (book/_ext/report_summary.py), imported as the build does."""
    sys.path.insert(0, str(BOOK / "_ext"))
    try:
        import report_summary
    finally:
        sys.path.remove(str(BOOK / "_ext"))
    return report_summary


def _verdict(holds, claim=None, check=False):
    return wb_report._verdict_attrs(wb_report.Claim("x", "y", holds, check=check, claim=claim))


def test_the_report_counts_the_papers_claims_not_rows():
    """A claim holds when every row that names it, in every chapter, holds; our checks
    are counted apart; rows of one claim that disagree are found."""
    rs = _report_summary()
    pasted = [("Ch 1", f"<span {_verdict(True, 1)}>✓ yes</span>"),
              ("Ch 1", f"<span {_verdict(True, 3)}>✓ yes</span>"),
              ("Ch 1", f"<span {_verdict(True, 1, check=True)}>✓ yes</span>"),
              ("Ch 1", '<span class="wb-kind">claim 1</span> text'),  # not a verdict
              ("Ch 3", f"<span {_verdict(True, 3)}>✓ yes</span>"),
              ("Ch 3", f"<span {_verdict(False, check=True)}>✗ no</span>"),
              ("Ch 4", f"<span {_verdict(True, 4)}>✓ yes</span>"),
              ("Ch 9", f"<span {_verdict(False, 3)}>✗ no</span>"),
              ("Ch 9", f"<span {_verdict(True, 2)}>✓ yes</span>")]
    t = rs.tally(pasted)
    assert {n: t.holds(n) for n in range(1, 7)} == {
        1: True, 2: True, 3: False, 4: True, 5: None, 6: None}
    assert t.sections(3) == ["Ch 1", "Ch 3", "Ch 9"]
    assert t.conflicts() == {3: (["Ch 1", "Ch 3"], ["Ch 9"])}
    assert t.headline() == ("3 of the paper's 6 claims hold. Not holding: claim 3 (in Ch 9)."
                            " Not judged: claims 5, 6.")
    assert t.checks_line() == "1 of 2 of our own checks pass. Not holding: 1 in Ch 3."
    assert not t.unnamed
    # every claim judged and holding; a paper's row without its number is found
    full = rs.tally([(f"Ch {n}", f"<span {_verdict(True, n)}>") for n in range(1, 7)]
                    + [("Ch 9", '<span class="wb-verdict wb-yes">')])
    assert full.headline() == "6 of the paper's 6 claims hold."
    assert not full.conflicts() and full.unnamed == ["Ch 9"]
    # two rows of one claim that differ within one chapter: that chapter's verdict is
    # "does not hold", once; no other chapter judges it, so no contradiction
    mixed = rs.tally([("Ch 9", f"<span {_verdict(True, 3)}>"),
                      ("Ch 9", f"<span {_verdict(False, 3)}>")])
    assert mixed.holds(3) is False and not mixed.conflicts()


REPORT_PAGE = """Report
======

.. claims-summary::

Cell
----

.. raw:: html

   <span {cell}>✓ yes</span>

.. raw:: html

   <span {check}>✓ yes</span>

Stability
---------

.. raw:: html

   <span {stability}>✗ no</span>
"""


@pytest.mark.parametrize("agree", [True, False], ids=["agree", "disagree"])
def test_the_report_warns_where_rows_of_one_claim_disagree(tmp_path, agree):
    """Built by Sphinx with the extension: the headline, our checks' line and the list of
    claims; and, where two rows of claim 3 disagree, a warning that names the claim and
    the sections (the book builds with -W, so it fails)."""
    import io

    from sphinx.application import Sphinx

    (tmp_path / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(BOOK / '_ext')!r})\n"
        "extensions = ['report_summary']\n", encoding="utf-8")
    (tmp_path / "index.rst").write_text(REPORT_PAGE.format(
        cell=_verdict(True, 3), check=_verdict(True, 3, check=True),
        stability=_verdict(agree, 3).replace("wb-yes", "wb-yes" if agree else "wb-no"),
    ).replace("✗ no", "✓ yes" if agree else "✗ no"), encoding="utf-8")
    warnings = io.StringIO()
    app = Sphinx(str(tmp_path), str(tmp_path), str(tmp_path / "html"),
                 str(tmp_path / "doctrees"), "html", status=None, warning=warnings,
                 freshenv=True)
    app.build()
    page = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    if agree:
        assert "claim 3" not in warnings.getvalue(), warnings.getvalue()
        assert "1 of the paper's 6 claims holds. Not judged: claims 1, 2, 4, 5, 6." in text
        assert "Claim 3: ✓ yes, in Cell, Stability." in text
    else:
        assert re.search(r"WARNING: the paper's claim 3 both holds \(in Cell\) and does "
                         r"not \(in Stability\)", warnings.getvalue()), warnings.getvalue()
        assert "0 of the paper's 6 claims hold. Not holding: claim 3 (in Stability)." in text
        assert "Claim 3: ✗ no, in Cell, Stability (does not hold there)." in text
    assert "1 of 1 of our own checks pass." in text
    assert 'href="#cell"' in page, "the list links to the report's sections"


#: Claim 4 of the paper is the ratio of the synaptic decay to the oscillation *period*; the
#: book once stated it as a decay long against the synapse's rise, which the paper does not
#: say (PAPER.md). No page may say it again.
NOT_THE_PAPERS = ("compared with the rise", "against the rise", "long compared with the fast rise")


def test_every_row_of_the_paper_names_its_claim():
    """In the chapters' closing tables, every wb.Claim( that is not our own check names
    the paper's claim it tests (claim=1 to 6, as the introduction numbers them)."""
    unnamed = []
    for path in CHAPTERS:
        code = "\n".join(_src(c) for c in _cells(path) if c["cell_type"] == "code")
        for call in _claim_calls(code):
            if re.search(r"\bcheck=True\b", call):
                assert re.fullmatch(r"[1-6]", _claim_number(call) or "1"), (path.name, call)
                continue
            if not re.fullmatch(r"[1-6]", _claim_number(call) or ""):
                unnamed.append((path.name, call.split("\n")[1].strip()[:60]))
    assert not unnamed, f"rows of the paper without claim=1..6: {unnamed}"


def test_no_page_states_claim_4_as_decay_against_rise():
    pages = [*NOTEBOOKS, *BOOK.glob("*.md"), ROOT / "README.md"]
    found = [(p.name, phrase) for p in pages
             for phrase in NOT_THE_PAPERS
             if phrase in re.sub(r"\s+", " ", p.read_text(encoding="utf-8").replace(
                 '\\n",\n    "', " "))]
    assert not found, found


def _claim_calls(code: str) -> list:
    """The text of every ``wb.Claim(...)`` call in ``code``, parentheses balanced."""
    calls = []
    for m in re.finditer(r"wb\.Claim\(", code):
        depth, k = 0, m.end() - 1
        while True:
            depth += {"(": 1, ")": -1}.get(code[k], 0)
            k += 1
            if depth == 0:
                break
        calls.append(code[m.start():k])
    return calls


def _claim_number(call: str) -> str | None:
    m = re.search(r"\bclaim=(\w+)", call)
    return m.group(1) if m else None


def test_the_claim_calls_are_read_whole():
    code = 'wb.Claim(\n    "a (b)",\n    f"{x(1)}",\n    y > 0,\n    claim=3,\n)\nz = 1'
    assert _claim_calls(code) == [code[:-6]]
    assert _claim_number(_claim_calls(code)[0]) == "3"


# -- the model on the page: its own code, never a copy ---------------------------------------

#: The modules whose code the book shows, and the names they define.
MODEL = ["cell", "synapse", "network", "../book/seed_guide"]


def _includes():
    """(where, file, options) of every literalinclude in the notebooks' Markdown."""
    fence = re.compile(r"^(`{3,}|:{3,})\{literalinclude\}\s+(\S+)\n((?::[\w-]+:[^\n]*\n)*)",
                       re.M)
    for path in NOTEBOOKS:
        for c in _cells(path):
            if c["cell_type"] != "markdown":
                continue
            for m in fence.finditer(_src(c)):
                opts = dict(re.match(r":([\w-]+):\s*(.*)", line).groups()
                            for line in m.group(3).splitlines())
                yield f"{path.name}:{c['id']}", (BOOK / m.group(2)).resolve(), opts


def _shown(file: Path, opts: dict) -> str:
    """The text a literalinclude shows, as Sphinx's own reader selects it."""
    from sphinx.directives.code import LiteralIncludeReader

    options = {k: (None if k == "dedent" and not v else v) for k, v in opts.items()
               if k != "caption"}
    config = types.SimpleNamespace(source_encoding="utf-8-sig")
    text, _ = LiteralIncludeReader(str(file), options, config).read()
    return text


def test_the_chapters_show_the_models_own_code():
    shown = {}
    for where, file, opts in _includes():
        assert file.is_file() and (file.is_relative_to(ROOT / "wbmodel")
                                   or file == BOOK / "seed_guide.py"), (where, file)
        assert opts.get("caption", "").startswith(file.relative_to(ROOT).as_posix()), \
            f"{where}: the caption names the file it shows"
        text = _shown(file, opts)
        assert text.strip(), f"{where}: {opts} selects nothing in {file.name}"
        wide = [ln for ln in text.splitlines() if len(ln) > CODE_WIDTH]
        # the guide's code is shown as the guide writes it (in a dropdown, scrolling)
        assert not wide or file.name == "seed_guide.py", \
            f"{where}: shown lines wider than the column: {wide}"
        shown.setdefault(file.name, []).append(text)
    # the pieces the issue names: the cell's rates, state, right-hand sides and step; the
    # synapse; the network's projection and step
    joined = {k: "\n".join(v) for k, v in shown.items()}
    for name, needles in {
            "cell.py": ["def alpha_m", "def init_state", "def dV", "def dh", "def dn",
                        "def update", "exp_euler_step"],
            "synapse.py": ["def F_syn", "class WangBuzsakiSynapse(brainpy.state.Synapse)",
                           "def __init__", "def ds", "def update", "def init_state"],
            "network.py": ["class WBNetwork(brainstate.nn.Module)", "CurrentProj",
                           "AllToAll", "COBA", "def update"],
            "seed_guide.py": ["class WBNeuron", "class GABASyn", "class GammaNet"]}.items():
        for needle in needles:
            assert needle in joined.get(name, ""), f"the book shows {needle} of {name}"


def test_no_page_holds_a_copy_of_the_models_code():
    """A class or function of the model defined again in a code cell or a fenced block."""
    import ast

    names = set()
    for mod in MODEL:
        tree = ast.parse((ROOT / "wbmodel" / f"{mod}.py").read_text(encoding="utf-8"))
        names |= {n.name for n in ast.walk(tree)
                  if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    names -= {"update", "init_state", "reset_state", "run", "step"}
    for path in NOTEBOOKS:
        for c in _cells(path):
            src = _src(c)
            blocks = [src] if c["cell_type"] == "code" else re.findall(
                r"```(?:python|py)?\n(.*?)```", src, re.S)
            for block in blocks:
                defined = set(re.findall(r"^\s*(?:def|class)\s+(\w+)", block, re.M))
                assert not defined & names, \
                    f"{path.name}:{c['id']} defines {defined & names} again: " \
                    "show the module's own code (literalinclude) instead"


# -- launch buttons ---------------------------------------------------------------------------

def _pins(path: Path) -> dict:
    """name -> version of a requirements file, following ``-r`` includes."""
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r"):
            out.update(_pins((path.parent / line[2:].strip()).resolve()))
        elif line:
            name, _, version = line.partition("==")
            assert version, f"{path}: {line!r} is not pinned"
            out[name.lower()] = version
    return out


def test_binder_installs_the_same_pins_and_python():
    assert _pins(ROOT / "binder" / "requirements.txt") == _pins(ROOT / "requirements.txt")
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert runtime == "python-3.12"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.12"' in pyproject
    post = ROOT / "binder" / "postBuild"
    assert post.stat().st_mode & 0o111, "postBuild must be executable"
    assert "pip install --no-deps -e ." in post.read_text()


def _run_cell(code: str, monkeypatch, colab: bool) -> list[str]:
    """Run a cell's code as IPython would, recording the magics it calls."""
    from IPython.core.inputtransformer2 import TransformerManager

    calls, namespace = [], {}

    class Shell:
        def run_line_magic(self, name, line, _stack_depth=1):
            calls.append(f"%{name} {line.format(**namespace)}")  # IPython's {var} expansion

    if colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    python = TransformerManager().transform_cell(code)
    namespace["get_ipython"] = Shell
    exec(compile(python, "<colab cell>", "exec"), namespace)
    return calls


def test_the_public_address_is_written_once_and_everywhere_agrees():
    """pyproject.toml's [tool.wbmodel] address is the source; _config.yml, CITATION.cff,
    [project.urls], the intro's citation and the notebooks' install cell follow it."""
    tool = project_tools.load("address")
    assert tool.disagreements() == [], "run python tools/address.py --set URL (or --unset)"
    url = tool.address()
    for path in NOTEBOOKS:
        ids = [c.get("id") for c in _cells(path)]
        assert ("colab" in ids) == bool(url), path.name
    intro = (BOOK / "intro.md").read_text(encoding="utf-8")
    assert "{{ project_address }}" in intro and "github.com" not in intro


def test_setting_an_address_writes_every_place_and_unsetting_restores_them(tmp_path,
                                                                           monkeypatch):
    """On a copy of the project: --set writes each place (the install cell runs on Colab
    only, installing the pins and wbmodel from that address); --unset gives back the very
    files there were."""
    import shutil

    tool = project_tools.load("address")
    names = ["pyproject.toml", "_config.yml", "CITATION.cff",
             *(p.relative_to(ROOT).as_posix() for p in NOTEBOOKS)]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    before = {n: (tmp_path / n).read_text(encoding="utf-8") for n in names}
    url = "https://github.com/example/wb-1996"
    tool.write(url, root=tmp_path)
    assert tool.address(tmp_path) == url and tool.disagreements(tmp_path) == []
    config = (tmp_path / "_config.yml").read_text(encoding="utf-8")
    for line in (f'  url: "{url}"', '  binderhub_url: "https://mybinder.org"',
                 '  colab_url: "https://colab.research.google.com"',
                 "  use_repository_button: true", f'      project_address: "{url}"'):
        assert line in config.splitlines(), line
    assert f'repository-code: "{url}"' in (tmp_path / "CITATION.cff").read_text()
    assert f'Repository = "{url}"' in (tmp_path / "pyproject.toml").read_text()
    for path in NOTEBOOKS:
        first = _cells(tmp_path / path.relative_to(ROOT))[0]
        assert first["id"] == "colab" and first["metadata"]["tags"] == ["remove-cell"]
        code = _src(first)
        assert _run_cell(code, monkeypatch, colab=False) == [], "a no-op off Colab"
        calls = _run_cell(code, monkeypatch, colab=True)
        assert calls == [
            "%pip install -q -r "
            "https://raw.githubusercontent.com/example/wb-1996/main/requirements.txt",
            f'%pip install -q --no-deps "wbmodel @ git+{url}"',
            "%sx curl -fsSLO "
            "https://raw.githubusercontent.com/example/wb-1996/main/book/seed_guide.py"], calls
    with pytest.raises(SystemExit, match="GitHub repository"):
        tool.write("https://example.org/wb", root=tmp_path)
    tool.write("", root=tmp_path)
    assert {n: (tmp_path / n).read_text(encoding="utf-8") for n in names} == before


def test_alt_text_reads_the_math_as_it_prints():
    """A figure's alt text is its caption, with the LaTeX of its math as the characters a
    reader sees (not "sqrtI - I_rh" or "langle Mrangle")."""
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from accessible_book import _plain

    assert _plain(r"f \propto \sqrt{I - I_{rh}}") == "f ∝ √(I − I_rh)"
    assert _plain(r"e^{-t/10\,\mathrm{ms}}") == "e^(-t/10 ms)"
    assert _plain(r"critical \langle M \rangle, g_{syn}/\langle M\rangle") == \
        "critical ⟨M⟩, g_syn/⟨M⟩"
    assert _plain(r"\frac{1}{\alpha F + \beta} \approx 0.08") == "1/(α F + β) ≈ 0.08"
    assert _plain(r"\tau_{syn} = 10\;\text{ms}") == "τ_syn = 10 ms"


def test_launch_buttons_stay_on_the_notebooks():
    """Once an address is set the theme offers Binder and Colab on MyST pages with code
    (the intro) too, where Colab cannot open the file; the book's extension keeps them on
    the notebooks, and adds the whole book's PDF to every page's download menu."""
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    import offline_book

    def page(source):
        return {"sourcename": source, "pathto": lambda name, kind: f"../{name}",
                "header_buttons": [
                    {"label": "launch-buttons", "buttons": []},
                    {"label": "download-buttons", "buttons": [
                        {"label": "download-pdf-button", "text": ".pdf"}]}]}

    for source, launch in (("book/intro.md", False), ("book/03_gamma_rhythm.ipynb", True)):
        context = page(source)
        offline_book._launch_notebooks_only(None, "x", None, context, None)
        offline_book._offer_the_book_pdf(None, "x", None, context, None)
        labels = [b["label"] for b in context["header_buttons"]]
        assert ("launch-buttons" in labels) == launch, (source, labels)
        menu = context["header_buttons"][-1]["buttons"]
        assert [b["text"] for b in menu] == ["print this page", "the book (.pdf)"]
        assert menu[-1]["url"] == f"../{offline_book.BOOK_PDF}"
        assert offline_book.BOOK_PDF == project_tools.load("pdf").NAME


def test_figures_are_renumbered_by_chapter():
    """What Sphinx numbered through the book (Fig. 12, 14) becomes (chapter, k) in the
    order of the page, the title gets the chapter's number and no other heading does;
    the guide's figures are G.k, the intro keeps Sphinx's."""
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from chapter_numbers import _number_by_chapter, chapter_of
    from docutils import nodes

    assert [chapter_of(d) for d in ("book/03_gamma_rhythm", "book/09_stability",
                                    "book/from_the_guide", "book/intro", "book/report")] \
        == [3, 9, "G", None, None]

    def toc(*anchors):
        lst = nodes.bullet_list()
        for a in anchors:
            lst += nodes.reference(anchorname=a)
        return lst

    env = types.SimpleNamespace(
        toc_fignumbers={"book/03_gamma_rhythm": {"figure": {"b": (14,), "a": (12,)}},
                        "book/from_the_guide": {"figure": {"x": (3,)}},
                        "book/intro": {"figure": {"y": (1,)}}},
        found_docs={"book/03_gamma_rhythm", "book/intro"}, toc_secnumbers={},
        tocs={"book/03_gamma_rhythm": toc("", "#network", "#summary"),
              "book/intro": toc("")})
    rewrite = _number_by_chapter(None, env)
    assert env.toc_fignumbers["book/03_gamma_rhythm"]["figure"] == {"a": (3, 1), "b": (3, 2)}
    assert env.toc_fignumbers["book/from_the_guide"]["figure"] == {"x": ("G", 1)}
    assert env.toc_fignumbers["book/intro"]["figure"] == {"y": (1,)}
    assert env.toc_secnumbers == {"book/03_gamma_rhythm": {"": (3,), "#network": (),
                                                           "#summary": ()}}
    assert sorted(rewrite) == ["book/03_gamma_rhythm", "book/from_the_guide"]
