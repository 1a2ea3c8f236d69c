"""The whole job in one call: safe load, schema, reading into the model, the standard's
rules. `check` reports; `parse` returns the model or raises; `validate` gives the issues."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

from safezone.adapters.cap_xml.names import CAP10, VERSIONS, local_name, namespace
from safezone.adapters.cap_xml.reader import read_alert
from safezone.adapters.cap_xml.safe import DEFAULT_MAX_BYTES, load_xml, read_limited
from safezone.adapters.cap_xml.schema import schema_issues
from safezone.domain.cap.issues import CapParseError, Issue, IssueLevel, error
from safezone.domain.cap.model import Alert
from safezone.domain.cap.rules import check_alert


@dataclass(frozen=True)
class CheckResult:
    """What we make of one message: its CAP version, the model if it could be built, and
    every issue, errors and warnings apart."""

    version: str | None
    alert: Alert | None
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level is IssueLevel.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level is IssueLevel.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    @classmethod
    def refused(cls, reason: str, line: int | None = None) -> "CheckResult":
        """A message refused as a whole (too large, not XML, not CAP, unreadable)."""
        return cls(None, None, [error("/", reason, line)])


def check(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CheckResult:
    """Everything wrong with `data`, never raising for anything a sender can get wrong."""
    try:
        root = load_xml(data, max_bytes=max_bytes)
    except CapParseError as exc:
        return CheckResult.refused(exc.reason, exc.line)
    version = VERSIONS.get(namespace(root.tag)) if local_name(root.tag) == "alert" else None
    if version is None:
        return CheckResult.refused(_not_cap(root.tag), root.sourceline)
    issues = schema_issues(root, version)
    if any(i.level is IssueLevel.ERROR for i in issues):
        return CheckResult(version, None, issues)
    read = read_alert(root, version)
    issues += read.issues
    if read.alert is None:
        return CheckResult(version, None, issues)
    issues += [i.at_line(_line_of(i.path, read.lines)) for i in check_alert(read.alert, version)]
    return CheckResult(version, read.alert, issues)


def check_stream(stream: BinaryIO, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CheckResult:
    """`check` on what `stream` holds, read no further than the limit needs."""
    try:
        data = read_limited(stream, max_bytes)
    except CapParseError as exc:
        return CheckResult.refused(exc.reason, exc.line)
    return check(data, max_bytes=max_bytes)


def parse(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Alert:
    """The model of a CAP 1.2 or 1.1 message; CapParseError, with every issue, if it has errors."""
    result = check(data, max_bytes=max_bytes)
    if result.alert is None or result.errors:
        first = result.errors[0]
        reason = first.message if first.path == "/" else f"{first.path}: {first.message}"
        raise CapParseError(reason, line=first.line, issues=result.issues)
    return result.alert


def parse_own(data: bytes) -> Alert:
    """A message we issued ourselves, read back from storage: not held to the size limit meant
    for incoming messages, which a large alert we published may pass."""
    return parse(data, max_bytes=max(len(data), DEFAULT_MAX_BYTES))


def validate(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Issue]:
    return check(data, max_bytes=max_bytes).issues


def _not_cap(tag: object) -> str:
    if namespace(str(tag)) == CAP10:
        return "CAP 1.0 is not supported; only CAP 1.1 and 1.2 are read"
    return f"not a CAP 1.1 or 1.2 alert: the root element is {tag}"


def _line_of(path: str, lines: dict[str, int]) -> int | None:
    """The line of `path`, or of its nearest ancestor present in the document."""
    while path:
        if path in lines:
            return lines[path]
        path = path.rsplit("/", 1)[0]
    return None
