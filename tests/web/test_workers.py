"""`safezone serve --workers N`: several worker processes on one port, each assembling its own
container (web.factory). On SQLite, the embedded default, more than one is refused clearly."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.server import SAFEZONE


def test_several_workers_on_sqlite_are_refused_with_a_clear_message(tmp_path: Path):
    done = subprocess.run([*SAFEZONE, "serve", "--workers", "2", "--db", str(tmp_path / "x.db")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--workers 2 needs PostgreSQL" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.db").exists()  # refused before anything is written
