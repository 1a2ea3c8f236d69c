"""`safezone cap`: check CAP messages from anyone, and read them as a person would."""

from __future__ import annotations

from pathlib import Path

import click

from safezone.adapters.cap_xml import DEFAULT_MAX_BYTES, CheckResult, check_stream
from safezone.entrypoints.cli.output import say
from safezone.domain.cap.enums import Status
from safezone.domain.cap.model import Alert, Area, Info
from safezone.domain.cap.times import format_cap_time

_MAX_BYTES = click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
                          show_default=True, help="Refuse larger messages before parsing.")
_MESSAGE_FILE = click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path)  # '-': stdin
_BANNERS = {
    Status.EXERCISE: "*** EXERCISE: not a real alert ***",
    Status.TEST: "*** TEST: not a real alert ***",
    Status.DRAFT: "*** DRAFT: not issued ***",
    Status.SYSTEM: "*** SYSTEM message: not for the public ***",
}


@click.group()
def cap() -> None:
    """CAP 1.2 messages: validate them and show them."""


@cap.command()
@click.argument("files", nargs=-1, required=True, type=_MESSAGE_FILE)
@_MAX_BYTES
def validate(files: tuple[Path, ...], max_bytes: int) -> None:
    """Check each FILE ('-' for standard input) against the CAP schema and the standard's
    rules; exit 1 if any has errors."""
    failed = 0
    for path in files:
        result = _check_file(path, max_bytes)
        say(f"{path}: {_verdict(result)}")
        for issue in result.issues:
            say(f"  {issue}")
        failed += not result.ok
    if len(files) > 1:
        say(f"{len(files) - failed} of {len(files)} valid")
    if failed:
        raise SystemExit(1)


@cap.command()
@click.argument("file", type=_MESSAGE_FILE)
@_MAX_BYTES
def show(file: Path, max_bytes: int) -> None:
    """A readable summary of the CAP message in FILE ('-' for standard input)."""
    result = _check_file(file, max_bytes)
    if result.alert is None:
        say(f"{file}: cannot be read as CAP", err=True)
        for issue in result.errors:
            say(f"  {issue}", err=True)
        raise SystemExit(2)
    say("\n".join(summary_lines(result.alert, result.version or "?")))
    for issue in result.issues:
        say(f"  {issue}", err=True)


def summary_lines(alert: Alert, version: str) -> list[str]:
    """The message as a person reads it: banner, who and when, then each info block."""
    lines = [_BANNERS[alert.status]] if alert.status in _BANNERS else []
    lines += [
        f"{alert.msg_type} ({alert.status}, {alert.scope}) CAP {version}",
        f"  identifier: {alert.identifier}",
        f"  sender:     {alert.sender}",
        f"  sent:       {format_cap_time(alert.sent)}",
    ]
    if alert.references:
        lines.append(f"  replaces:   {', '.join(r.identifier for r in alert.references)}")
    if alert.note:
        lines.append(f"  note:       {alert.note}")
    if alert.signatures:
        lines.append(f"  signed:     {len(alert.signatures)} XML signature(s), not verified here")
    for info in alert.infos:
        lines += _info_lines(info)
    return lines


def _info_lines(info: Info) -> list[str]:
    lines = [
        "",
        f"[{info.language}] {info.headline or info.event}",
        f"  event:      {info.event} ({', '.join(info.categories)})",
        f"  urgency {info.urgency}, severity {info.severity}, certainty {info.certainty}",
    ]
    if info.response_types:
        lines.append(f"  response:   {', '.join(info.response_types)}")
    for name in ("effective", "onset", "expires"):
        moment = getattr(info, name)
        if moment is not None:
            lines.append(f"  {name + ':':<11} {format_cap_time(moment)}")
    for name in ("description", "instruction", "web", "contact"):
        text = getattr(info, name)
        if text:
            lines.append(f"  {name + ':':<11} {' '.join(text.split())}")
    lines += [f"  resource:   {r.resource_desc} ({r.mime_type or 'type unknown'})" for r in info.resources]
    lines += [_area_line(area) for area in info.areas]
    return lines


def _area_line(area: Area) -> str:
    parts = [f"{len(p.points)}-point polygon" for p in area.polygons]
    parts += [f"circle {c.radius_km} km around {c.lat},{c.lon}" if c.radius_km else f"point {c.lat},{c.lon}"
              for c in area.circles]
    parts += [f"{g.value_name}={g.value}" for g in area.geocodes]
    return f"  area:       {area.area_desc}" + (f" ({'; '.join(parts)})" if parts else "")


def _check_file(path: Path, max_bytes: int) -> CheckResult:
    """One file's result, whatever the file does: a run over many files goes on to the next."""
    try:
        if str(path) == "-":
            return check_stream(click.get_binary_stream("stdin"), max_bytes=max_bytes)
        with path.open("rb") as stream:
            return check_stream(stream, max_bytes=max_bytes)
    except OSError as exc:
        return CheckResult.refused(f"cannot read the file: {exc.strerror or exc}")
    except Exception as exc:  # noqa: BLE001 - a bug of ours must not hide the other files' results
        return CheckResult.refused(f"could not be checked ({type(exc).__name__}: {exc}); please report this as a bug")


def _verdict(result: CheckResult) -> str:
    if result.ok:
        warned = f", {len(result.warnings)} warning(s)" if result.warnings else ""
        return f"valid CAP {result.version}{warned}"
    return f"INVALID: {len(result.errors)} error(s), {len(result.warnings)} warning(s)"
