"""What someone adopting the project needs: a licence, a citation that validates, one
version everywhere, a changelog, pinned JupyterLab, and the terms stated where they read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import project_tools
import pytest
import yaml

import wbmodel

ROOT = Path(__file__).resolve().parents[1]
#: The Citation File Format 1.2.0 schema, copied from cffconvert 2.0.0's wheel
#: (cffconvert/schemas/1.2.0/schema.json: the official schema of citation-file-format).
CFF_SCHEMA = Path(__file__).parent / "data" / "cff-1.2.0.schema.json"


def _version() -> str:
    """The version, written once: wbmodel.__version__, which pyproject.toml reads."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject
    assert not re.search(r'^version = "', pyproject, re.M), "no second copy"
    assert 'version = { attr = "wbmodel.__version__" }' in pyproject
    return re.search(r'^__version__ = "([^"]+)"',
                     (ROOT / "wbmodel" / "__init__.py").read_text(), re.M).group(1)


def test_the_citation_file_validates_against_cff_1_2():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    schema = json.loads(CFF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(cff)
    assert cff["cff-version"] == "1.2.0" and cff["license"] == "MIT"
    paper = cff["references"][0]
    assert paper["doi"] == "10.1523/JNEUROSCI.16-20-06402.1996" and paper["year"] == 1996


def test_one_version_everywhere():
    """One version and one release date: pyproject, __version__, CITATION.cff, the
    CHANGELOG's newest release, the README's and the intro's citations; and the tables the
    package ships say which release measured them, on a date not before it."""
    v = _version()
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert wbmodel.__version__ == v == str(cff["version"])
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    # the newest release first, under what is not released yet (if anything)
    headings = re.findall(r"^## (\S+)", changelog, re.M)
    assert headings[0] in ("Unreleased", v), headings
    releases = dict(re.findall(r"^## (\d+\.\d+\.\d+) — (\d{4}-\d\d-\d\d)$", changelog, re.M))
    assert [h for h in headings if h != "Unreleased"][0] == v, "the newest release first"
    assert headings.count("Unreleased") <= 1
    date = releases[v]
    assert str(cff["date-released"]) == date
    assert f"(version {v}, {date})" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"version {v}, released {date}." in (ROOT / "book" / "intro.md").read_text(
        encoding="utf-8")
    cross = json.loads((ROOT / "wbmodel" / "data" / "cross_simulator.json").read_text())
    made_with = cross["versions"]["wbmodel"]
    assert made_with in releases and cross["date"] >= releases[made_with], (
        "the cross-simulator table was measured with a release, on or after its date")
    results = (ROOT / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8")
    assert f"measured on {cross['date']} with wbmodel {made_with}" in results


def test_the_licences_are_stated_where_people_read():
    lic = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert lic.startswith("MIT License") and "CC BY 4.0" in lic
    assert 'license-files = ["LICENSE"]' in (ROOT / "pyproject.toml").read_text()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in readme and "MIT" in readme
    assert "CC BY 4.0" in (ROOT / "_config.yml").read_text(encoding="utf-8"), "the footer"
    intro = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    last = re.findall(r"^## (.+)$", intro, re.M)[-1]
    assert last == "How to cite", "the introduction ends with how to cite"


def test_jupyterlab_is_pinned_with_everything_it_brings():
    pins = {}
    for line in (ROOT / "requirements-lab.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-r"):
            name, sep, version = line.partition("==")
            assert sep and version, f"{line!r} is not pinned"
            pins[name.lower().replace("_", "-")] = version
    assert pins["jupyterlab"] == "4.6.6" and "jupyterlab-widgets" in pins
    make = (ROOT / "Makefile").read_text()
    lab = make[make.index("\nlab:"):].split("\n\n")[0]
    assert "pip install" not in lab, "make lab installs nothing unpinned"
    assert "requirements-lab.txt" in make


def test_a_release_writes_one_version_and_date_everywhere(tmp_path):
    """On a copy of the files it touches, in a git repository of their own."""
    import shutil
    import subprocess

    tool = project_tools.load("release")
    names = ["CHANGELOG.md", "wbmodel/__init__.py", "CITATION.cff", "README.md",
             "book/intro.md"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    changelog = tmp_path / "CHANGELOG.md"
    if "## Unreleased\n" not in changelog.read_text(encoding="utf-8"):  # just released
        changelog.write_text(changelog.read_text(encoding="utf-8").replace(
            "\n## ", "\n## Unreleased\n\n- a change\n\n## ", 1), encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    old, _ = tool.current(tmp_path)
    major, minor, _ = (int(x) for x in old.split("."))
    new = f"{major}.{minor + 1}.0"
    before = {n: (tmp_path / n).read_text(encoding="utf-8") for n in names}
    with pytest.raises(SystemExit, match="tests failed"):
        tool.release(new, "2027-01-02", "false", root=tmp_path)
    with pytest.raises(SystemExit, match="not newer"):
        tool.release(old, "2027-01-02", "true", root=tmp_path)
    (tmp_path / "README.md").write_text(before["README.md"] + "\nedited\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="not clean"):
        tool.release(new, "2027-01-02", "true", root=tmp_path)
    (tmp_path / "README.md").write_text(before["README.md"], encoding="utf-8")
    assert {n: (tmp_path / n).read_text(encoding="utf-8") for n in names} == before
    with pytest.raises(SystemExit, match="YYYY-MM-DD"):
        tool.release(new, "20270102", "true", root=tmp_path)
    tool.release(new, "2027-01-02", "true", root=tmp_path)
    assert tool.current(tmp_path) == (new, "2027-01-02")
    assert f'__version__ = "{new}"' in (tmp_path / "wbmodel/__init__.py").read_text()
    cff = yaml.safe_load((tmp_path / "CITATION.cff").read_text(encoding="utf-8"))
    assert (str(cff["version"]), str(cff["date-released"])) == (new, "2027-01-02")
    assert f"(version {new}, 2027-01-02)" in (tmp_path / "README.md").read_text()
    assert f"version {new}, released 2027-01-02." in (tmp_path / "book/intro.md").read_text()


def test_no_constants_doc_is_read_as_its_type():
    """Napoleon reads the first line of a constant's ``#:`` comment as "type: text" when it
    holds a colon, so the API page showed "Type: The quantity fields of WBParams" and a
    description starting mid-sentence (UNITS, RANGES, PRESETS, FIG3). Every such comment,
    run through napoleon as the API page's build runs it, keeps its words as text."""
    import inspect
    import pkgutil

    from sphinx.ext.napoleon import Config
    from sphinx.ext.napoleon.docstring import NumpyDocstring

    def as_type(first_line, what, name):
        return ":type:" in str(NumpyDocstring([first_line], Config(), what=what, name=name))

    read_as_type = []
    for path in sorted((ROOT / "wbmodel").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if line.lstrip().startswith("#:") and not lines[i - 1].lstrip().startswith("#:"):
                first = line.split("#:", 1)[1].strip()
                if as_type(first, "data", "wbmodel.X"):
                    read_as_type.append(f"{path.relative_to(ROOT)}:{i + 1}: {first}")
    # and the properties, whose docstrings napoleon reads the same way
    for info in pkgutil.walk_packages(wbmodel.__path__, "wbmodel."):
        if info.name.startswith(("wbmodel.peers", "wbmodel.__main__")):
            continue
        module = __import__(info.name, fromlist=["_"])
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != info.name:
                continue
            for name, member in vars(cls).items():
                if isinstance(member, property) and member.__doc__:
                    first = inspect.cleandoc(member.__doc__).splitlines()[0]
                    if as_type(first, "property", f"{cls_name}.{name}"):
                        read_as_type.append(f"{info.name}.{cls_name}.{name}: {first}")
    assert not read_as_type, read_as_type
