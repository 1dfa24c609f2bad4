"""Make a release: ``make release VERSION=x.y.z`` (or ``python tools/release.py x.y.z``).

Refuses unless the working tree is clean, the CHANGELOG's "Unreleased" section says what
changed, the version is newer than the current one and the tests pass (``make test``, or
the command given with ``--tests``). Then, dated today (or ``--date``), it writes the
version everywhere it appears: the CHANGELOG ("Unreleased" becomes "x.y.z — date"),
``wbmodel.__version__`` (which ``pyproject.toml`` reads), ``CITATION.cff`` (version and
date-released), and the README's and the intro's citations. It commits nothing:
review the diff, commit and tag.
"""

from __future__ import annotations

import argparse
import datetime
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSION = re.compile(r"\d+\.\d+\.\d+")


def current(root: Path = ROOT) -> tuple[str, str]:
    """The current version and its release date, from the CHANGELOG's newest release."""
    text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    m = re.search(r"^## (\d+\.\d+\.\d+) — (\d{4}-\d\d-\d\d)$", text, re.M)
    return m.group(1), m.group(2)


def _key(v: str) -> tuple:
    return tuple(int(x) for x in v.split("."))


def _edits(root: Path, edits: list) -> dict:
    """Name -> its new text, for (name, old, new) replacements; each old must occur once.

    Computed whole before anything is written, so a release never stops half-written.
    """
    out = {}
    for name, old, new in edits:
        text = out.get(name) or (root / name).read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise SystemExit(f"{name}: expected {old!r} once, found it {text.count(old)} times")
        out[name] = text.replace(old, new)
    return out


def release(version: str, date: str, tests: str, root: Path = ROOT) -> None:
    """Check, test, then write ``version`` and ``date`` everywhere (see the module)."""
    if not VERSION.fullmatch(version):
        raise SystemExit(f"VERSION must be x.y.z, got {version!r}")
    if not re.fullmatch(r"\d{4}-\d\d-\d\d", date):
        raise SystemExit(f"the date must be YYYY-MM-DD, got {date!r}")
    datetime.date.fromisoformat(date)  # a real day
    old, old_date = current(root)
    if _key(version) <= _key(old):
        raise SystemExit(f"{version} is not newer than the current {old}")
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True,
                           text=True, check=True).stdout
    if dirty.strip():
        raise SystemExit(f"the working tree is not clean:\n{dirty}")
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    m = re.search(r"^## Unreleased\n(.*?)(?=^## )", changelog, re.M | re.S)
    if not m or not m.group(1).strip():
        raise SystemExit("CHANGELOG.md has no \"Unreleased\" section saying what changed")
    texts = _edits(root, [
        ("CHANGELOG.md", "## Unreleased\n", f"## {version} — {date}\n"),
        ("wbmodel/__init__.py", f'__version__ = "{old}"', f'__version__ = "{version}"'),
        ("CITATION.cff", f"version: {old}\ndate-released: \"{old_date}\"",
         f"version: {version}\ndate-released: \"{date}\""),
        ("README.md", f"(version {old}, {old_date})", f"(version {version}, {date})"),
        ("book/intro.md", f"version {old}, released {old_date}.",
         f"version {version}, released {date}.")])
    if subprocess.run(tests, shell=True, cwd=root).returncode:
        raise SystemExit(f"the tests failed ({tests}): no release")
    for name, text in texts.items():
        (root / name).write_text(text, encoding="utf-8")
    print(f"{old} -> {version} ({date}); review `git diff`, then commit and tag v{version}")


def main(argv=None) -> int:
    """The command line (see the module's docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("version")
    ap.add_argument("--date", default=datetime.date.today().isoformat())
    ap.add_argument("--tests", default="make test", help="the test command (make test)")
    args = ap.parse_args(argv)
    release(args.version, args.date, args.tests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
