"""Run a snippet of JavaScript against the page's model in Node (no browser, no DOM).

``wbmodel/web/wbmodel.js`` is a DOM-free ES module: Node imports it (as a ``.mjs`` copy) and
the snippet's value, JSON, comes back. The tests skip where Node is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from wbmodel import browser as web

NODE = shutil.which("node")


def run(body: str, args=None, timeout: float = 300.0):
    """Evaluate ``body`` (JavaScript: ``wb`` is the model, ``args`` the given JSON; it ends
    with ``return value``) in Node and return the value, decoded from JSON."""
    if NODE is None:
        pytest.skip("Node is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "wbmodel.mjs"
        model.write_text(web.model_source(), encoding="utf-8")
        script = Path(tmp) / "main.mjs"
        script.write_text(
            "import * as wb from './wbmodel.mjs';\n"
            "import { readFileSync } from 'node:fs';\n"
            "const args = JSON.parse(readFileSync(0, 'utf-8'));\n"
            f"const value = (() => {{ {body} }})();\n"
            "process.stdout.write(JSON.stringify(value));\n", encoding="utf-8")
        out = subprocess.run([NODE, str(script)], input=json.dumps(args), text=True,
                             capture_output=True, timeout=timeout, cwd=tmp)
    if out.returncode:
        raise RuntimeError(f"node failed:\n{out.stderr}")
    return json.loads(out.stdout)
