"""What every command shares: the one place that prints, errors turned into messages, progress,
and safe file writing.

Every value a command prints — user, file, shelter and place names, CAP texts, audit details —
is data, never markup: the consoles below interpret no rich markup and no emoji codes, so
`School No. 3 [basement]` prints as is and a `[/]` in a name cannot crash a command. Style,
where there is any, comes from `Text` objects made here, never from markup in a string.
Lines are printed whole (no wrapping at the terminal width), so output stays easy to parse.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from safezone.domain.errors import InputError

stderr = Console(stderr=True, highlight=False, markup=False, emoji=False)
stdout = Console(highlight=False, markup=False, emoji=False)

EXIT_BAD_INPUT = 2


def say(*values: object, err: bool = False) -> None:
    """Print values literally, separated by spaces, as one line on stdout (stderr with `err`)."""
    (stderr if err else stdout).print(*(str(value) for value in values), soft_wrap=True)


def fail(message: str, label: str = "error:") -> None:
    """A refusal on stderr: a red label, then the message literally."""
    stderr.print(Text(label, style="bold red"), message, soft_wrap=True)


def show_table(headings: Sequence[str], rows: Iterable[Sequence[object]], *, title: str | None = None,
               caption: str | None = None, right: Iterable[str] = ()) -> None:
    """A table of literal values on stdout; headings named in `right` are right-aligned.

    A cell may be a `Text` (a styled verdict, say); any other value prints as `str(value)`.
    """
    aligned = set(right)
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    for heading in headings:
        table.add_column(heading, justify="right" if heading in aligned else "left")
    for row in rows:
        table.add_row(*(cell if isinstance(cell, Text) else Text(str(cell)) for cell in row))
    stdout.print(table)


def reports_bad_input(command: Callable) -> Callable:
    """Turn an InputError into one clear line on stderr and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except InputError as error:
            fail(str(error))
            sys.exit(EXIT_BAD_INPUT)

    return wrapper


class StepProgress:
    """Prints each step of a long job as it starts, with the time since the job began."""

    def __init__(self, quiet: bool = False) -> None:
        self.started = time.perf_counter()
        self.quiet = quiet

    def __call__(self, message: str) -> None:
        if not self.quiet:
            stderr.print(Text(f"{time.perf_counter() - self.started:6.2f}s", style="dim"), f"{message}…",
                         soft_wrap=True)


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
    say(f"{label}: {path}", err=True)
