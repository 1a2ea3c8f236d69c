"""`safezone audit verify` and `safezone audit show`, as an auditor runs them."""

from __future__ import annotations

import re

from click.testing import CliRunner

from safezone.entrypoints.cli import main
from tests.audit.tampering import swap, tamper


def run(db_url: str, *args: str):
    return CliRunner().invoke(main, [*args, "--db", db_url], catch_exceptions=False)


def test_an_intact_log_verifies_with_exit_code_0(db_url, logged):
    result = run(db_url, "audit", "verify")
    assert result.exit_code == 0
    with logged.unit_of_work() as uow:
        head = uow.audit.head()
    assert result.output == f"8 entries, chain intact (last #8, hash {head.hash})\n"


def test_an_empty_log_verifies_too(db_url, database):
    result = run(db_url, "audit", "verify")
    assert result.exit_code == 0 and result.output.startswith("0 entries, chain intact")


def test_a_damaged_log_fails_with_exit_code_1_naming_each_bad_entry(db_url, logged):
    tamper(db_url, "UPDATE audit_log SET subject = 'alert-9' WHERE seq = 3", *swap(5, 7), "DELETE FROM audit_log WHERE seq = 8")
    result = CliRunner().invoke(main, ["audit", "verify", "--db", db_url])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [
        "entry #3 changed: its content no longer matches its hash",
        "entry #5 moved: this entry was recorded as #7",
        "entry #7 moved: this entry was recorded as #5",
        "entry #8 missing: entry #8 removed",
    ]
    assert "audit log damaged: 4 problem(s) in 7 entries" in result.stderr


def test_show_prints_the_latest_entries(db_url, logged):
    result = run(db_url, "audit", "show", "--last", "2")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r'#7  \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z  olena  alert\.submitted  alert-4  \{.*\}', lines[0])
    assert lines[1].endswith('{"areas": ["UKR-1-5"], "n": 5}')


def test_show_never_prints_secrets(db_url, logged):
    from tests.audit.conftest import PASSWORD

    output = run(db_url, "audit", "show", "--last", "100").output
    assert "login.succeeded" in output and PASSWORD not in output


def test_show_refuses_a_silly_count(db_url, database):
    assert run(db_url, "audit", "show", "--last", "0").exit_code == 2


def test_an_unreachable_database_is_a_clear_error(tmp_path):
    result = run("postgresql://nobody@127.0.0.1:1/none", "audit", "verify")
    assert result.exit_code == 2 and "cannot open the database" in result.output
