"""The `safezone` script imports its commands only when one runs: each worker of `safezone serve
--workers N` is spawned by running the script again before uvicorn's health check is answered,
so what the script imports up front delays that answer in every new worker."""

from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner

from safezone.entrypoints.cli import COMMANDS, main

HEAVY = ("fastapi", "sqlalchemy", "uvicorn", "shapely", "safezone.entrypoints.web", "safezone.entrypoints.cli.serve")


def test_importing_the_script_loads_no_command():
    probe = f"import sys, safezone.entrypoints.cli; print([m for m in {HEAVY!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_every_command_is_listed_and_found_under_its_name():
    context = click.Context(main)
    assert main.list_commands(context) == sorted(COMMANDS)
    for name in COMMANDS:
        command = main.get_command(context, name)
        assert isinstance(command, click.Command) and command.name == name
    assert main.get_command(context, "nonsense") is None
    listed = CliRunner().invoke(main, ["--help"])
    assert listed.exit_code == 0 and all(f"  {name} " in listed.output for name in COMMANDS)
