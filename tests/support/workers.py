"""Which process of `safezone serve --workers N` answered: every worker's request ids start with
a random prefix of its own (web.observe.new_request_id), and its live stream's opening comment
names its process id. The kernel hands each new connection to one worker, unpredictably, so a
check that must reach every worker asks on fresh connections until each has answered."""

from __future__ import annotations

import collections
import re
import threading
import time
from typing import Callable

import httpx

PREFIX_LEN = 16  # hex digits of a worker's request-id prefix


def worker_of(answer: httpx.Response) -> str:
    """The worker that gave `answer`: its request-id prefix."""
    return answer.headers["x-request-id"][:PREFIX_LEN]


def from_each_worker(base: str, path: str, done: Callable[[httpx.Response], bool], *, workers: int = 2,
                     headers: Callable[[], dict] = dict, limit_s: float = 20) -> dict[str, httpx.Response]:
    """The latest answer of each of `workers` processes to GET `path`, asked on fresh
    connections until every one has answered with `done(answer)` true (a worker learns of a
    change by its own watcher, within one interval: it may answer the old state first)."""
    latest: dict[str, httpx.Response] = {}
    deadline = time.monotonic() + limit_s
    while len(latest) < workers or not all(done(answer) for answer in latest.values()):
        assert time.monotonic() < deadline, (path, {w: (a.status_code, done(a)) for w, a in latest.items()})
        answer = httpx.get(f"{base}{path}", headers=headers(), timeout=10)
        latest[worker_of(answer)] = answer
        time.sleep(0.02)
    return latest


def worker_pids(base: str, workers: int = 2, headers: Callable[[], dict] = dict) -> dict[str, int]:
    """Each worker's process id by its request-id prefix, from live streams opened (and closed
    at once) until every worker was reached."""
    pids: dict[str, int] = {}
    for _ in range(40 * workers):
        with httpx.stream("GET", f"{base}/api/stream", headers=headers(), timeout=10) as answer:
            for line in answer.iter_lines():
                if found := re.search(r"\(process (\d+)\)", line):
                    pids[worker_of(answer)] = int(found.group(1))
                    break
        if len(pids) == workers:
            return pids
    raise AssertionError(f"{40 * workers} streams reached only the workers {pids}")


class Readers:
    """Public readers on threads of their own, each on its own connection (kept alive); every
    answer's time, path, status (or the transport error's name: a connection cut by a killed
    worker) and worker."""

    def __init__(self, base: str, paths: list[str], headers: Callable[[], dict] = dict, pause_s: float = 0) -> None:
        self.answers: list[tuple[float, str, int | str, str | None]] = []
        self.stop = threading.Event()
        self.pause_s = pause_s
        self.threads = [threading.Thread(target=self._read, args=(base, path, headers()), daemon=True)
                        for path in paths]

    def _read(self, base: str, path: str, headers: dict) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            while not self.stop.is_set():
                try:
                    answer = client.get(path)
                    self.answers.append((time.monotonic(), path, answer.status_code, worker_of(answer)))
                except httpx.TransportError as cut:
                    self.answers.append((time.monotonic(), path, type(cut).__name__, None))
                self.stop.wait(self.pause_s)

    def __enter__(self) -> "Readers":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)

    def between(self, start: float, end: float) -> collections.Counter:
        """(path, status) counted over the answers that came back from `start` to `end`."""
        return collections.Counter((path, status) for at, path, status, _ in self.answers if start <= at <= end)

    def workers_since(self, start: float) -> set[str]:
        """The workers that answered a read after `start`."""
        return {worker for at, _, _, worker in self.answers if at >= start and worker is not None}
