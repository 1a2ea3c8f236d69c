"""Message identifiers: unique, and free of the characters CAP forbids (space, comma, <, &)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

from safezone.domain.cap.issues import CapCompositionError
from safezone.domain.cap.rules import identifier_problem

_UNSAFE = re.compile(r"[^A-Za-z0-9._:@-]")


def new_identifier(prefix: str, sent: datetime) -> str:
    """`<prefix>.<sent, UTC, compact>.<random>`: sortable by time, unique without a registry."""
    clean = _UNSAFE.sub("-", prefix).strip("-") or "safezone"
    stamp = sent.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{clean}.{stamp}.{uuid.uuid4().hex[:16]}"


def checked(text: str, what: str) -> str:
    """`text` if CAP accepts it as an identifier or sender; else a composition error."""
    problem = identifier_problem(text, what)
    if problem:
        raise CapCompositionError(problem)
    return text
