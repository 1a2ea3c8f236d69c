"""The app factory under uvicorn started by hand (`uvicorn --factory …`, as the README shows for
deployments that run their own server): uvicorn's logging config knows nothing of ours, yet the
access lines come out as JSON with their request ids, once each, at uvicorn's `--log-level`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.server import free_port, wait_until_healthy


def _hand_run(workdir: Path, *options: str) -> list[dict]:
    """Start uvicorn on the factory, ask /healthz with a request id, stop it: its JSON lines."""
    port = free_port()
    log_path = workdir / f"uvicorn-{port}.log"
    env = {**os.environ, "SAFEZONE_DB": str(workdir / "hand.db")}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "safezone.entrypoints.web.factory:from_environ",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--no-proxy-headers", *options],
            stdout=log, stderr=subprocess.STDOUT, cwd=workdir, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_healthy(base, process, log_path)
            assert httpx.get(base + "/healthz", headers={"X-Request-ID": "hand-run-1"}, timeout=10).status_code == 200
        finally:
            process.terminate()
            process.wait(timeout=20)
    lines = []
    for text in log_path.read_text().splitlines():
        try:
            lines.append(json.loads(text))
        except ValueError:
            continue  # uvicorn's own lines, in its own format
    return lines


def test_access_lines_are_json_with_the_request_id_under_uvicorn_started_by_hand(tmp_path):
    lines = _hand_run(tmp_path)
    asked = [line for line in lines if line.get("request_id") == "hand-run-1"]
    assert len(asked) == 1, lines  # one line: not lost, not written twice
    assert asked[0]["route"] == "/healthz" and asked[0]["status"] == 200 and asked[0]["logger"] == "safezone.web.requests"


def test_uvicorn_log_level_warning_keeps_access_lines_out(tmp_path):
    lines = _hand_run(tmp_path, "--log-level", "warning")
    assert not [line for line in lines if line.get("logger") == "safezone.web.requests"]
