"""The `safezone` command. Each command group lives in a module of its own, added here."""

from __future__ import annotations

import click

from safezone import __version__


@click.group()
@click.version_option(__version__, prog_name="safezone")
def main() -> None:
    """Safety zones, shelters and CAP 1.2 warnings for communities near a border."""


from safezone.entrypoints.cli import zones  # noqa: E402  (groups register after `main` exists)
from safezone.entrypoints.cli import cap  # noqa: E402

main.add_command(zones.zones)
main.add_command(cap.cap)

from safezone.entrypoints.cli import db, report, shelters  # noqa: E402

main.add_command(db.db)
main.add_command(shelters.shelters)
main.add_command(report.report)

from safezone.entrypoints.cli import users  # noqa: E402
from safezone.entrypoints.cli import audit  # noqa: E402

main.add_command(users.users)
main.add_command(audit.audit)

from safezone.entrypoints.cli import serve  # noqa: E402

main.add_command(serve.serve)

from safezone.entrypoints.cli import worker  # noqa: E402

main.add_command(worker.worker)

from safezone.entrypoints.cli import incidents  # noqa: E402

main.add_command(incidents.incidents)

from safezone.entrypoints.cli import effectiveness  # noqa: E402

main.add_command(effectiveness.effectiveness)
