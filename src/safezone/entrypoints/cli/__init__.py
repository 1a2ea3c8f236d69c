"""The `safezone` command. Each command group lives in a module of its own, named here and
imported only when it runs (or when help lists it).

Why not at import: `safezone serve --workers N` has uvicorn spawn each worker, and
multiprocessing's spawn first runs the `safezone` script again in the new process, before
uvicorn starts the thread that answers its health check. Importing every command there (the web
app, the zone builder, the reports) was most of a new worker's start: a worker replacing a
killed one stayed silent to the health check for all of it, and on a loaded machine uvicorn
took it for hung and killed it (see README, *Several worker processes*)."""

from __future__ import annotations

import importlib

import click

from safezone import __version__

# Command name -> "module:attribute" of its click command or group.
COMMANDS = {
    "zones": "safezone.entrypoints.cli.zones:zones",
    "cap": "safezone.entrypoints.cli.cap:cap",
    "db": "safezone.entrypoints.cli.db:db",
    "shelters": "safezone.entrypoints.cli.shelters:shelters",
    "report": "safezone.entrypoints.cli.report:report",
    "users": "safezone.entrypoints.cli.users:users",
    "audit": "safezone.entrypoints.cli.audit:audit",
    "serve": "safezone.entrypoints.cli.serve:serve",
    "worker": "safezone.entrypoints.cli.worker:worker",
    "incidents": "safezone.entrypoints.cli.incidents:incidents",
    "effectiveness": "safezone.entrypoints.cli.effectiveness:effectiveness",
}


class LazyGroup(click.Group):
    """A group whose subcommands (COMMANDS) are imported when asked for by name."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, attribute = COMMANDS[cmd_name].split(":")
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="safezone")
def main() -> None:
    """Safety zones, shelters and CAP 1.2 warnings for communities near a border."""
