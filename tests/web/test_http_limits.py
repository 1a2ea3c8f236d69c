"""What only a real server shows, on a real uvicorn (`safezone serve`) on 127.0.0.1: a huge body
is refused before it is read, a 500 leaves the keep-alive connection open, and a client on
loopback cannot choose its own address with X-Forwarded-For."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from safezone.entrypoints.web.bodylimit import DEFAULT_LIMIT, limit_for
from tests.support.server import SAFEZONE, serving

MB = 1024 * 1024
PASSWORD = "operator has a long password"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("served")
    db = workdir / "safezone.db"
    subprocess.run([*SAFEZONE, "users", "add", "issuer1", "--role", "issuer", "--password-stdin", "--db", str(db)],
                   input=f"{PASSWORD}\n", text=True, check=True, capture_output=True)
    with serving(workdir, "--db", str(db), "--no-default-zones", env={"SAFEZONE_RATE_PER_MINUTE": "6000"}) as base:
        yield base, db


def _address(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").split(":")
    return host, int(port)


def _read_response(sock: socket.socket, limit_s: float = 10) -> tuple[int, dict]:
    """The status and JSON body of one response on a raw socket (Content-Length framed)."""
    sock.settimeout(limit_s)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    while len(body) < int(headers["content-length"]):
        body += sock.recv(65536)
    return int(lines[0].split()[1]), json.loads(body)


def test_a_declared_400_mb_body_is_refused_before_it_is_read(server):
    base, _ = server
    started = time.monotonic()
    with socket.create_connection(_address(base), timeout=10) as sock:
        sock.sendall(b"POST /api/operator/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 400000000\r\n\r\n" + b"[" * 65536)
        status, body = _read_response(sock)
    # Refused for its size, before the missing login was even looked at.
    assert status == 413 and body["error"] == "body_too_large" and "400,000,000 bytes" in body["reason"]
    assert time.monotonic() - started < 5


def test_a_chunked_body_is_counted_as_it_arrives_and_cut_at_the_limit(server):
    base, _ = server
    limit = limit_for("/api/operator/login")
    sent = 0
    with socket.create_connection(_address(base), timeout=10) as sock:
        sock.sendall(b"POST /api/operator/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 1024
        sock.setblocking(False)
        answered = False
        # Up to 400 MB if the server never stopped us; it must answer long before that.
        while sent < 400 * MB and not answered:
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            except BlockingIOError:
                pass
            try:
                answered = bool(sock.recv(1, socket.MSG_PEEK))
            except BlockingIOError:
                pass
        sock.setblocking(True)
        status, body = _read_response(sock)
    assert status == 413 and body["error"] == "body_too_large" and f"{limit:,} bytes" in body["reason"]
    assert sent < 8 * MB, f"the server read {sent:,} bytes before refusing a body limited to {limit:,}"


def test_a_body_within_the_limit_still_gets_through_to_authentication(server):
    base, _ = server
    areas = [f"UKR-{i}-{i}" for i in range(DEFAULT_LIMIT // 8)]  # more than the default limit allows
    body = json.dumps({"status": "Actual", "threat": "short range", "areas": areas}).encode()
    assert DEFAULT_LIMIT < len(body) < limit_for("/api/operator/alerts")
    within = httpx.post(f"{base}/api/operator/alerts", content=body, headers={"Content-Type": "application/json"},
                        timeout=10)
    assert within.status_code == 401  # 2 MB may be posted here: now the missing login counts


def test_a_500_leaves_the_keep_alive_connection_open(server, tmp_path):
    base, db = server
    ports: list[int] = []

    def remember_port(response: httpx.Response) -> None:  # called while the connection is in use
        ports.append(response.extensions["network_stream"].get_extra_info("client_addr")[1])

    with httpx.Client(base_url=base, timeout=10, event_hooks={"response": [remember_port]}) as client:
        assert client.get("/api/alerts").status_code == 200
        # A bug-shaped failure: the table the answer reads is gone (not an outage, so a 500).
        with sqlite3.connect(db) as broken:
            broken.execute("ALTER TABLE alerts RENAME TO alerts_away")
        try:
            failed = client.get("/api/alerts/1")  # read per request (the list is a prepared snapshot)
            after = client.get("/healthz")
        finally:
            with sqlite3.connect(db) as mended:
                mended.execute("ALTER TABLE alerts_away RENAME TO alerts")
    assert failed.status_code == 500 and failed.json()["error"] == "internal"
    assert failed.headers["x-content-type-options"] == "nosniff"
    assert after.status_code == 200
    assert len(set(ports)) == 1, "the server closed the connection after the 500"


def test_head_is_answered_on_public_gets_over_http(server):
    base, _ = server
    for path in ("/api/alerts", "/feeds/alerts.atom", "/healthz", "/openapi.json", "/docs"):
        got, head = httpx.get(base + path, timeout=10), httpx.head(base + path, timeout=10)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"" and head.headers["content-type"] == got.headers["content-type"], path


def test_forwarded_for_from_loopback_is_not_believed_by_default(tmp_path):
    env = {"SAFEZONE_RATE_PER_MINUTE": "1", "SAFEZONE_RATE_BURST": "3"}
    with serving(tmp_path, "--db", str(tmp_path / "a.db"), "--no-default-zones", env=env) as base:
        codes = [httpx.get(f"{base}/api/alerts", headers={"X-Forwarded-For": f"203.0.113.{i}"}, timeout=10).status_code
                 for i in range(5)]
        assert codes == [200, 200, 200, 429, 429]  # one address, however many it claims
        # Other buckets are untouched by the public flood.
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
        assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200
        login = httpx.post(f"{base}/api/operator/login", json={"username": "nobody", "password": "x" * 12}, timeout=10)
        assert login.status_code == 401


def test_forwarded_for_from_a_trusted_proxy_names_the_client(tmp_path):
    env = {"SAFEZONE_RATE_PER_MINUTE": "1", "SAFEZONE_RATE_BURST": "2"}
    with serving(tmp_path, "--db", str(tmp_path / "b.db"), "--no-default-zones", "--trusted-proxy", "127.0.0.1",
                 env=env) as base:
        def get(client: str) -> int:
            return httpx.get(f"{base}/api/alerts", headers={"X-Forwarded-For": client}, timeout=10).status_code

        assert [get("203.0.113.7") for _ in range(3)] == [200, 200, 429]
        assert get("203.0.113.8") == 200  # another client behind the same proxy has its own bucket
