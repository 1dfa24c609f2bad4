"""What someone adopting the project needs: a licence, a citation that validates, one
version everywhere, a changelog, pinned JupyterLab, and the terms stated where they read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import yaml

import wbmodel

ROOT = Path(__file__).resolve().parents[1]
#: The Citation File Format 1.2.0 schema, copied from cffconvert 2.0.0's wheel
#: (cffconvert/schemas/1.2.0/schema.json: the official schema of citation-file-format).
CFF_SCHEMA = Path(__file__).parent / "data" / "cff-1.2.0.schema.json"


def _version() -> str:
    return re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(),
                     re.M).group(1)


def test_the_citation_file_validates_against_cff_1_2():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    schema = json.loads(CFF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(cff)
    assert cff["cff-version"] == "1.2.0" and cff["license"] == "MIT"
    paper = cff["references"][0]
    assert paper["doi"] == "10.1523/JNEUROSCI.16-20-06402.1996" and paper["year"] == 1996


def test_one_version_everywhere():
    v = _version()
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert wbmodel.__version__ == v == str(cff["version"]) == "0.2.0"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    # the newest release first, under what is not released yet (if anything)
    headings = re.findall(r"^## (\S+)", changelog, re.M)
    assert headings[0] in ("Unreleased", v), headings
    assert [h for h in headings if h != "Unreleased"][0] == v, "the newest release first"
    assert headings.count("Unreleased") <= 1
    assert f"version {v}" in (ROOT / "README.md").read_text(encoding="utf-8")


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
