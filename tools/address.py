"""The project's public address, written once and copied from there by this tool.

The one source is ``address`` under ``[tool.wbmodel]`` in ``pyproject.toml``: the URL of the
public repository (a GitHub repository: Binder and Colab read it). Empty (today) means the
project has none yet, and then the book shows no repository, Binder or Colab button, the
notebooks carry no install cell, and the citation names the project without a URL.

    python tools/address.py                 # check that every place agrees (exit 1 if not)
    python tools/address.py --set URL       # set the address, and write it everywhere
    python tools/address.py --unset         # no public address

What it writes: ``_config.yml`` (``repository.url``, the launch buttons, the repository
button, the intro's ``project_address`` substitution), ``CITATION.cff``
(``repository-code``), ``pyproject.toml``'s ``[project.urls]`` and, in every notebook of
the book, the first cell: Colab's install cell, from ``tools/colab_cell.txt`` (one template;
no notebook holds a cell of its own).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("colab_cell.txt")
BINDER, COLAB = "https://mybinder.org", "https://colab.research.google.com"


def address(root: Path = ROOT) -> str:
    """The public address, from pyproject.toml ("" when there is none)."""
    with open(root / "pyproject.toml", "rb") as f:
        return tomllib.load(f).get("tool", {}).get("wbmodel", {}).get("address", "")


def raw_url(url: str) -> str:
    """Where a GitHub repository's files are served as they are, on its main branch."""
    m = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)/?", url)
    if not m:
        raise SystemExit(f"the address must be a GitHub repository "
                         f"(https://github.com/OWNER/NAME), got {url!r}")
    return f"https://raw.githubusercontent.com/{m.group(1)}/{m.group(2)}/main"


def colab_source(url: str) -> str:
    """The notebooks' install cell for ``url``."""
    return TEMPLATE.read_text(encoding="utf-8").format(address=url, raw=raw_url(url)).rstrip()


def notebooks(root: Path = ROOT) -> list[Path]:
    """The book's notebooks (each gets the install cell when there is an address)."""
    return sorted((root / "book").glob("*.ipynb"))


def _sub(pattern: str, repl: str, text: str, where: str) -> str:
    new, n = re.subn(pattern, repl, text, count=1, flags=re.M)
    if n != 1:
        raise SystemExit(f"{where}: cannot find {pattern!r}")
    return new


def expected(root: Path = ROOT) -> dict:
    """What each place must say for the address in pyproject.toml: path -> its text."""
    url = address(root)
    out = {}
    config = (root / "_config.yml").read_text(encoding="utf-8")
    config = _sub(r"^  url: .*$", f'  url: "{url}"', config, "_config.yml repository.url")
    config = _sub(r"^  binderhub_url: .*$", f'  binderhub_url: "{BINDER if url else ""}"',
                  config, "_config.yml launch_buttons.binderhub_url")
    config = _sub(r"^  colab_url: .*$", f'  colab_url: "{COLAB if url else ""}"', config,
                  "_config.yml launch_buttons.colab_url")
    config = _sub(r"^  use_repository_button: .*$",
                  f"  use_repository_button: {'true' if url else 'false'}", config,
                  "_config.yml html.use_repository_button")
    config = _sub(r"^      project_address: .*$", f'      project_address: "{url}"', config,
                  "_config.yml myst_substitutions.project_address")
    out["_config.yml"] = config
    cff = (root / "CITATION.cff").read_text(encoding="utf-8")
    cff = re.sub(r'^repository-code: .*\n', "", cff, flags=re.M)
    if url:
        cff = _sub(r"^(license: .*\n)", rf'\1repository-code: "{url}"\n', cff, "CITATION.cff")
    out["CITATION.cff"] = cff
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    pyproject = re.sub(r'^\[project\.urls\]\n(?:[^\[\n].*\n)*\n?', "", pyproject, flags=re.M)
    if url:
        pyproject = _sub(r"^(\[tool\.wbmodel\]\n)",
                         rf'[project.urls]\nRepository = "{url}"\n\n\1', pyproject,
                         "pyproject.toml")
    out["pyproject.toml"] = pyproject
    for path in notebooks(root):
        nb = json.loads(path.read_text(encoding="utf-8"))
        nb["cells"] = [c for c in nb["cells"] if c.get("id") != "colab"]
        if url:
            lines = colab_source(url).splitlines(keepends=True)
            nb["cells"].insert(0, {"cell_type": "code", "execution_count": None, "id": "colab",
                                   "metadata": {"tags": ["remove-cell"]}, "outputs": [],
                                   "source": lines})
        out[path.relative_to(root).as_posix()] = (
            json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return out


def disagreements(root: Path = ROOT) -> list[str]:
    """The places that do not say what pyproject.toml's address implies."""
    return [name for name, text in expected(root).items()
            if (root / name).read_text(encoding="utf-8") != text]


def write(url: str, root: Path = ROOT) -> None:
    """Set the address in pyproject.toml, then write every place from it."""
    if url:
        raw_url(url)  # refuse what Binder and Colab cannot open
    path = root / "pyproject.toml"
    path.write_text(_sub(r'^address = ".*"$', f'address = "{url}"',
                         path.read_text(encoding="utf-8"), "pyproject.toml [tool.wbmodel]"),
                    encoding="utf-8")
    for name, text in expected(root).items():
        (root / name).write_text(text, encoding="utf-8")


def main(argv=None) -> int:
    """The command line (see the module's docstring); 0 when every place agrees."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--set", metavar="URL", help="the public repository's address")
    group.add_argument("--unset", action="store_true", help="no public address")
    args = ap.parse_args(argv)
    if args.set is not None or args.unset:
        write("" if args.unset else args.set.rstrip("/"))
    bad = disagreements()
    url = address() or "(none)"
    if bad:
        print(f"address {url}; these places disagree: {', '.join(bad)}; "
              "run python tools/address.py --set URL (or --unset)", file=sys.stderr)
        return 1
    print(f"address {url}: every place agrees")
    return 0


if __name__ == "__main__":
    sys.exit(main())
