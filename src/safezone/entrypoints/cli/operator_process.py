"""The operator listener's own process (`safezone serve --operator-port`).

A second port in the same process would still share its event loop, CPU time and worker threads
with the public load; a process of its own does not, and the public process also runs at a lower
priority (`PUBLIC_NICE`), so an approve is served first when the machine is saturated. It runs
the expiry sweep and the in-process delivery worker (exactly once: the public side runs neither),
and `serve` restarts it if it ever exits while serving.
"""

from __future__ import annotations

import logging
import logging.config
import multiprocessing
import os
import signal
import socket
import threading
import time
from typing import Any

from safezone.domain.errors import InputError

log = logging.getLogger("safezone.serve")
# Open live streams never end by themselves: on stop, wait this long, then close them (pages
# reconnect with Last-Event-ID to the next server).
GRACE_S = 3
PUBLIC_NICE = 5  # by default added to the public process's niceness: the operator process wins the CPU
RESTART_AFTER_S = 1.0
PARENT_CHECK_S = 1.0


def server_options(host: str, port: int, level: int) -> dict[str, Any]:
    """uvicorn's settings for every listener. proxy_headers off: uvicorn would believe
    X-Forwarded-For from loopback; ours (trusted proxies only, see web.forwarded) decides.
    Logs are JSON lines with the request id (web.jsonlog); our Observe middleware writes the
    access line, so uvicorn's own is off."""
    from safezone.entrypoints.web.jsonlog import json_logging

    return dict(host=host, port=port, log_level=level, proxy_headers=False, access_log=False,
                log_config=json_logging(level), timeout_graceful_shutdown=GRACE_S)


def check_operator_port(host: str, port: int, public_port: int) -> None:
    """Refuse, before anything starts, an operator port that is the public one or already taken
    (else its process would fail to listen, again and again, while the public side serves)."""
    if port == public_port:
        raise InputError(f"--operator-port {port} is the public port: give the operators another one",
                         field="--operator-port")
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn listens
        try:
            probe.bind((host, port))
        except OSError as taken:
            raise InputError(f"--operator-port {port}: cannot listen on {host}:{port} ({taken.strerror})",
                             field="--operator-port") from None


def _serve_operators(host: str, port: int, level: int, parent: int) -> None:
    """The child: assemble from the environment (`serve` handed its settings over) and serve."""
    import uvicorn

    from safezone.entrypoints.web.factory import from_environ
    from safezone.entrypoints.web.listeners import OPERATOR

    threading.Thread(target=_stop_with_parent, args=(parent,), daemon=True).start()
    options = server_options(host, port, level)
    logging.config.dictConfig(options["log_config"])  # before the app is made: it finds our logs in place
    uvicorn.run(from_environ(OPERATOR), **options)


def _stop_with_parent(parent: int) -> None:
    """A `serve` killed outright (SIGKILL) must not leave its operator port held by an orphan."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os.kill(os.getpid(), signal.SIGTERM)


class OperatorProcess:
    """Starts the operator listener's process, restarts it if it exits, stops it on `stop`."""

    def __init__(self, host: str, port: int, level: int) -> None:
        self._args = (host, port, level, os.getpid())
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # a restart and a stop never cross
        self._process: multiprocessing.process.BaseProcess | None = None
        self._watch = threading.Thread(target=self._supervise, name="safezone-operator-watch", daemon=True)

    def start(self) -> None:
        self._spawn()
        self._watch.start()

    def _spawn(self) -> None:
        # spawn, not fork: the parent's database pool and threads must not be copied into it.
        self._process = multiprocessing.get_context("spawn").Process(
            target=_serve_operators, args=self._args, name="safezone-operator")
        self._process.start()

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            assert self._process is not None
            self._process.join(PARENT_CHECK_S)
            if self._process.exitcode is not None and not self._stopping.is_set():
                log.error("the operator listener exited (%s); starting it again", self._process.exitcode)
                time.sleep(RESTART_AFTER_S)
                with self._lock:
                    if not self._stopping.is_set():
                        self._spawn()

    def stop(self) -> None:
        """SIGTERM (uvicorn's graceful stop), then SIGKILL if it does not end in time."""
        with self._lock:
            self._stopping.set()
        if self._process is None:
            return
        self._process.terminate()
        self._process.join(GRACE_S + 5)
        if self._process.exitcode is None:
            self._process.kill()
            self._process.join()
