"""How a CAP problem is reported: where it is (element path, line) and what is wrong.

Errors break the standard; warnings break only its recommended practice, so a receiver may
still act on the message. Keeping them apart lets the CLI fail on errors alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class IssueLevel(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    level: IssueLevel
    path: str
    message: str
    line: int | None = None

    def at_line(self, line: int | None) -> "Issue":
        return replace(self, line=line)

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{self.level}: {where}{self.path}: {self.message}"


def error(path: str, message: str, line: int | None = None) -> Issue:
    return Issue(IssueLevel.ERROR, path, message, line)


def warning(path: str, message: str, line: int | None = None) -> Issue:
    return Issue(IssueLevel.WARNING, path, message, line)


def errors_in(issues: list[Issue]) -> list[Issue]:
    return [i for i in issues if i.level is IssueLevel.ERROR]


class CapError(Exception):
    """Base of every CAP domain error."""


class CapParseError(CapError):
    """A message we refuse to read: hostile, malformed or invalid. Carries the reasons."""

    def __init__(self, message: str, line: int | None = None, issues: list[Issue] | None = None):
        self.reason = message
        self.line = line
        self.issues = list(issues or [])
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{message}")


class CapCompositionError(CapError):
    """Our own objects cannot make a valid message (no areas, no texts, bad identifier...)."""
