"""The README's first ten minutes, run exactly as written: start the service on an empty folder,
add an issuer and an approver, log in with curl, compose, submit, approve and issue an Exercise
alert, and read it in the feed; and the start-up banner fits an 80-column terminal."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from safezone.entrypoints.cli.serve import banner
from tests.support.server import free_port

README = Path(__file__).parents[2] / "README.md"
MARKER = "<!-- newcomer: tests/accounts/test_newcomer.py runs this block -->"
LIMIT_S = 300


def newcomer_block() -> str:
    """The shell block right after the marker in the README."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index(MARKER) + len(MARKER):]
    found = re.match(r"\s*```sh\n(.*?)```", after, re.S)
    assert found, "the newcomer block must follow its marker"
    return found.group(1)


def test_the_readme_path_issues_an_exercise_alert_read_in_the_feed(tmp_path):
    block = newcomer_block()
    first, rest = block.split("\n", 1)
    assert first == "export SAFEZONE_PORT=8000 S=http://127.0.0.1:8000"
    port = free_port()  # the only change: a port of the test's own instead of 8000
    script = "\n".join([
        "set -euo pipefail",
        'trap \'kill $(jobs -p) 2>/dev/null; wait\' EXIT',
        first.replace("8000", str(port)),
        rest,
    ])
    env = {**os.environ, "COLUMNS": "80"}
    env.pop("SAFEZONE_DB", None)
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=LIMIT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert ["submitted", "approved", "issued"] == [line for line in lines if line in ("submitted", "approved", "issued")]
    titles = [line for line in lines if line.startswith("<title>")]
    assert len(titles) == 2 and "EXERCISE" in titles[1].upper(), titles
    assert (tmp_path / "safezone.db").exists()
    _banner_fits_80_columns(lines, port)


def _banner_fits_80_columns(lines: list[str], port: int) -> None:
    """One item a line; no line wrapped into a stray "; " or longer than 80 columns (the
    database line names a temporary folder here, so only its label is checked)."""
    start = lines.index(f"safezone is serving on http://127.0.0.1:{port}")
    banner = lines[start:start + 6]
    labels = [line.split()[0] for line in banner[1:]]
    assert labels == ["database", "API", "alert", "health", "operators"], banner
    assert all(len(line) <= 80 for line in banner if not line.lstrip().startswith("database")), banner
    assert not any(line.lstrip().startswith(";") for line in lines)


def test_the_default_banner_fits_80_columns_one_item_a_line():
    lines = banner("http://127.0.0.1:8000", "sqlite:////home/olena/safezone.db")
    assert max(len(line) for line in lines) <= 80
    assert not any(";" in line for line in lines)
