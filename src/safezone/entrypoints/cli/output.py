"""What every command shares: errors turned into messages, progress, and safe file writing."""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import click
from rich.console import Console

from safezone.domain.errors import InputError

stderr = Console(stderr=True, highlight=False)
stdout = Console(highlight=False)

EXIT_BAD_INPUT = 2


def reports_bad_input(command: Callable) -> Callable:
    """Turn an InputError into one clear line on stderr and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except InputError as error:
            stderr.print(f"[bold red]error:[/] {error}", markup=True, soft_wrap=True)
            sys.exit(EXIT_BAD_INPUT)

    return wrapper


class StepProgress:
    """Prints each step of a long job as it starts, with the time since the job began."""

    def __init__(self, quiet: bool = False) -> None:
        self.started = time.perf_counter()
        self.quiet = quiet

    def __call__(self, message: str) -> None:
        if not self.quiet:
            stderr.print(f"[dim]{time.perf_counter() - self.started:6.2f}s[/] {message}…", markup=True)


def write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as handle:
        handle.write(text)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(handle.name, 0o666 & ~umask)
    os.replace(handle.name, path)


def echo_path(label: str, path: Path) -> None:
    click.echo(f"{label}: {path}", err=True)
