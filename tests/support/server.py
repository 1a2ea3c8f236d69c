"""`safezone serve` as a real process on 127.0.0.1 (a port of its own), for tests that need a
real HTTP server: uvicorn's own handling of connections, bodies and headers, or a browser."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

STARTUP_LIMIT_S = 180
# The installed command when there is one; the same entry point through this Python otherwise.
SAFEZONE = [shutil.which("safezone")] if shutil.which("safezone") else [
    sys.executable, "-c", "from safezone.entrypoints.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(workdir: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run `safezone serve ARGS` until it answers /healthz; yield its base URL; stop it after.

    Its output goes to workdir/serve.log, shown if it fails to start.
    """
    port = free_port()
    log_path = workdir / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([*SAFEZONE, "serve", "--port", str(port), *args], stdout=log,
                                   stderr=subprocess.STDOUT, cwd=workdir, env={**os.environ, **(env or {})})
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(base, process, log_path)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_healthy(base: str, process: subprocess.Popen | None = None, log_path: Path | None = None) -> None:
    """Wait for `base` to answer /healthz 200; fail with the log if `process` exits first."""
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while True:
        if process is not None and process.poll() is not None:
            shown = log_path.read_text() if log_path is not None else ""
            pytest.fail(f"safezone serve exited with {process.returncode}:\n{shown}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{base} did not answer in time")
        time.sleep(0.1)
