"""`safezone serve` as an operator runs it: a real uvicorn process on 127.0.0.1, on an empty
database, which builds and activates the default border's zones before it answers."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

STARTUP_LIMIT_S = 180
# The installed command when there is one; the same entry point through this Python otherwise.
SAFEZONE = [shutil.which("safezone")] if shutil.which("safezone") else [
    sys.executable, "-c", "from safezone.entrypoints.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(tmp_path: Path):
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [*SAFEZONE, "serve", "--port", str(port), "--db", str(tmp_path / "s.db")],
        stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path, env={**os.environ, "SAFEZONE_RATE_PER_MINUTE": "6000"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_LIMIT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"safezone serve exited with {process.returncode}:\n{(tmp_path / 'serve.log').read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("safezone serve did not answer in time")
            time.sleep(0.25)
        yield base, tmp_path / "serve.log"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_serve_builds_the_default_zones_and_answers_over_http(served):
    base, log = served
    printed = log.read_text()
    assert "building the RUS-UKR zones" in printed and "is active" in printed
    # Sumy, about 30 km from the border.
    here = httpx.get(f"{base}/api/where", params={"lat": 50.9174, "lon": 34.7991}, timeout=30).json()
    assert here["inside"] and here["area"]["side"] == "UKR" and here["time_to_shelter_s"] is not None
    assert here["alerts"] == [] and here["zone_set_version"] == 1
    schema = httpx.get(f"{base}/openapi.json", timeout=10).json()
    assert "/api/where" in schema["paths"] and "/api/operator/alerts/{alert_id}/approve" in schema["paths"]
    assert httpx.get(f"{base}/api/alerts", timeout=10).json()["count"] == 0
    refused = httpx.post(f"{base}/api/operator/alerts", json={}, timeout=10)
    assert refused.status_code == 401
