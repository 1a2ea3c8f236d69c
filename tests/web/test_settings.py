"""Every setting is checked at start: a bad one stops `safezone serve` with one line naming it
and exit code 2, never a traceback or a service that breaks later (a session of NaN hours)."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from safezone.bootstrap import Settings
from safezone.domain.errors import InputError
from tests.support.server import SAFEZONE

BAD_SETTINGS = [
    ("SAFEZONE_SESSION_HOURS", "nan"), ("SAFEZONE_SESSION_HOURS", "0"), ("SAFEZONE_SESSION_HOURS", "-1"),
    ("SAFEZONE_SESSION_HOURS", "1e9"), ("SAFEZONE_SESSION_HOURS", "inf"), ("SAFEZONE_SESSION_HOURS", "eight"),
    ("SAFEZONE_RATE_PER_MINUTE", "0"), ("SAFEZONE_RATE_PER_MINUTE", "nan"), ("SAFEZONE_RATE_BURST", "0.5"),
    ("SAFEZONE_LOGIN_RATE_PER_MINUTE", "-3"), ("SAFEZONE_LOGIN_BURST", "0"),
    ("SAFEZONE_OPERATOR_RATE_PER_MINUTE", "1e12"), ("SAFEZONE_OPERATOR_BURST", "x"),
    ("SAFEZONE_FEED_RETENTION_HOURS", "nan"), ("SAFEZONE_READY_TIMEOUT_S", "0"),
    ("SAFEZONE_SECURE_COOKIES", "maybe"), ("SAFEZONE_PUBLIC_URL", "warn.example.org"),
    ("SAFEZONE_PUBLIC_URL", "ftp://warn.example.org"), ("SAFEZONE_PUBLIC_URL", "https://warn.example.org/?a=1"),
    ("SAFEZONE_SENDER", "civil protection"), ("SAFEZONE_SENDER_NAME", "bad\x1bname"), ("SAFEZONE_CONTACT", " "),
    ("SAFEZONE_TRUSTED_PROXIES", "10.0.0.0/8,proxy.local"), ("SAFEZONE_TRUSTED_HOSTS", "warn.example.org,ev il"),
    ("SAFEZONE_THREATS", "/no/such/threats.toml"), ("SAFEZONE_TEMPLATES", "/no/such/templates.toml"),
]


@pytest.mark.parametrize("name, value", BAD_SETTINGS)
def test_a_bad_setting_is_refused_naming_it(name, value):
    with pytest.raises(InputError) as refused:
        Settings.from_environ({name: value})
    assert refused.value.field == name
    culprit = value.split(",")[-1]  # in a list, the entry at fault
    assert repr(culprit) in str(refused.value) or "no file" in str(refused.value)
    assert "\n" not in str(refused.value)


def test_good_settings_are_read():
    settings = Settings.from_environ({
        "SAFEZONE_SESSION_HOURS": "12", "SAFEZONE_RATE_PER_MINUTE": "120", "SAFEZONE_SECURE_COOKIES": "Yes",
        "SAFEZONE_PUBLIC_URL": "https://warn.example.org/", "SAFEZONE_TRUSTED_PROXIES": "10.0.0.0/8, ::1",
        "SAFEZONE_TRUSTED_HOSTS": "Warn.Example.org,*.example.net", "SAFEZONE_LOGIN_BURST": "5"})
    assert settings.session_lifetime == timedelta(hours=12) and settings.public_rate_per_minute == 120
    assert settings.secure_cookies and settings.public_url == "https://warn.example.org"
    assert settings.trusted_proxies == ("10.0.0.0/8", "::1")
    assert settings.trusted_hosts == ("warn.example.org", "*.example.net") and settings.login_burst == 5
    assert Settings.from_environ({}) == Settings()


def test_flags_win_over_the_environment_and_are_named_when_wrong():
    env = {"SAFEZONE_PUBLIC_URL": "https://a.example.org"}
    assert Settings.from_environ(env, public_url="https://b.example.org").public_url == "https://b.example.org"
    with pytest.raises(InputError) as refused:
        Settings.from_environ(env, trusted_hosts=("not a host",))
    assert refused.value.field == "--trusted-host"


def test_settings_made_in_code_are_checked_too():
    with pytest.raises(InputError, match="between 1 and 1,000,000"):
        Settings(public_rate_per_minute=0)
    with pytest.raises(InputError, match="hours"):
        Settings(session_lifetime=timedelta(0))


def _run(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*SAFEZONE, *args], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize("name, value", [("SAFEZONE_SESSION_HOURS", "nan"), ("SAFEZONE_SESSION_HOURS", "1e9"),
                                         ("SAFEZONE_RATE_PER_MINUTE", "0"), ("SAFEZONE_TRUSTED_HOSTS", "a b")])
def test_serve_stops_with_one_line_and_exit_2(tmp_path, name, value):
    done = _run(tmp_path, "serve", "--no-default-zones", "--db", str(tmp_path / "s.db"), env={name: value})
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and name in lines[0], done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "s.db").exists()


def test_serve_refuses_a_database_it_cannot_reach_in_one_line(tmp_path):
    done = _run(tmp_path, "serve", "--no-default-zones", "--quiet", "--db", "postgresql://nobody@127.0.0.1:1/none")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and "cannot open the database" in done.stderr


def test_db_activate_refuses_a_version_beyond_any_id(tmp_path):
    done = _run(tmp_path, "db", "activate", "99999999999999999999999", "--db", str(tmp_path / "a.db"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "99999999999999999999999 is not in the range 1<=x<=2147483647" in done.stderr
