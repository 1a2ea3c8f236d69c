"""The audit log's entries and their hash chain: what makes tampering show.

Each entry is hashed (SHA-256) over a canonical serialisation of all its fields, including
its sequence number and the hash of the entry before it (64 zeros for the first). Changing,
removing, inserting or reordering an entry therefore breaks either its own hash or a link, and
`verify_chain` says which entry and how.

The canonical form is fixed forever (old entries must verify): JSON with sorted keys, no
whitespace, UTF-8 without escaping, times as ISO 8601 UTC with microseconds and a `Z`.

A chain without a secret cannot stop someone who rewrites *every* entry from some point on
and recomputes all hashes; the chain head (last sequence number and hash), kept apart and
written down outside the system, is what catches that — `safezone audit verify` prints it.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

GENESIS = "0" * 64
MAX_DETAILS_BYTES = 64 * 1024


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: Mapping[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS
    hash: str = ""


@dataclass(frozen=True)
class ChainHead:
    """Where the chain ended when last appended to: the log's own record of its length."""

    seq: int
    hash: str


@dataclass(frozen=True)
class Problem:
    """One bad entry: which (by sequence number), what kind of damage, in words."""

    seq: int
    kind: str  # changed | moved | missing | inserted | rewritten | unlinked
    message: str

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}: {self.message}"


def utc_text(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds and `Z`: one spelling for one instant."""
    if moment.tzinfo is None:
        raise ValueError("audit times must carry a time zone")
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def canonical_details(details: Mapping[str, Any]) -> str:
    """The details as canonical JSON text; refuses what JSON cannot carry exactly."""
    _check_json(details, "details")
    text = json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    if len(text.encode("utf-8")) > MAX_DETAILS_BYTES:
        raise ValueError(f"audit details too large: more than {MAX_DETAILS_BYTES} bytes")
    return text


def canonical_bytes(entry: AuditEntry) -> bytes:
    """Everything an entry says except its own hash, in the fixed canonical form."""
    body = {
        "action": entry.action,
        "actor": entry.actor,
        "at": utc_text(entry.at),
        "details": entry.details,
        "prev_hash": entry.prev_hash,
        "seq": entry.seq,
        "subject": entry.subject,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical_bytes(entry)).hexdigest()


def chain_next(head: ChainHead, at: datetime, actor: str, action: str, subject: str, details: Mapping[str, Any]) -> AuditEntry:
    """The entry that follows `head`, sealed with its hash."""
    canonical_details(details)
    draft = AuditEntry(head.seq + 1, at, actor, action, subject, dict(details), head.hash)
    return AuditEntry(**{**draft.__dict__, "hash": entry_hash(draft)})


def verify_chain(entries: Sequence[AuditEntry], head: ChainHead | None = None) -> list[Problem]:
    """Every problem in a log read in sequence order; an empty list means the chain is intact.

    Kinds: *changed* (content no longer matches its hash), *moved* (the entry was recorded
    under another sequence number: swapped or renumbered), *missing* (a gap), *inserted* (an
    entry that was not in the chain), *rewritten* (changed and re-hashed: the next entry, or
    the chain head, still holds the old hash), *unlinked* (a broken link nothing else explains).
    """
    ordered = list(entries)
    by_hash = {e.hash: e for e in ordered}
    recorded = {e.seq: _recorded_seq(e, by_hash) for e in ordered}
    moved = {seq: at for seq, at in recorded.items() if at is not None and at != seq}
    damage = [_damage(i, ordered, recorded, moved) for i in range(len(ordered))]
    problems = [d for d in damage if d is not None]
    for index, entry in enumerate(ordered):
        expected_seq = 1 if index == 0 else ordered[index - 1].seq + 1
        if entry.seq > expected_seq:
            problems.append(_missing(expected_seq, entry.seq - 1))
        if index + 1 < len(ordered) and damage[index] is None and damage[index + 1] is None:
            following = ordered[index + 1]
            if following.seq == entry.seq + 1 and following.prev_hash != entry.hash:
                message = f"changed and re-hashed: entry #{following.seq} was chained to a different #{entry.seq}"
                problems.append(Problem(entry.seq, "rewritten", message))
    if ordered and ordered[0].seq == 1 and damage[0] is None and ordered[0].prev_hash != GENESIS:
        problems.append(Problem(1, "unlinked", "the first entry does not start from the genesis hash"))
    if head is not None:
        problems.extend(_against_head(ordered, head, recorded))
    unique = {(p.seq, p.kind): p for p in problems}
    return sorted(unique.values(), key=lambda p: p.seq)


def _recorded_seq(entry: AuditEntry, by_hash: Mapping[str, AuditEntry]) -> int | None:
    """The sequence number the entry's hash was sealed with, if it is a plausible one; else None."""
    candidates = [entry.seq, entry.seq - 1, entry.seq + 1]
    if entry.prev_hash == GENESIS:
        candidates.append(1)
    elif entry.prev_hash in by_hash:
        candidates.append(by_hash[entry.prev_hash].seq + 1)
    for seq in candidates:
        if seq >= 1 and entry_hash(AuditEntry(**{**entry.__dict__, "seq": seq})) == entry.hash:
            return seq
    return None


def _damage(index: int, ordered: Sequence[AuditEntry], recorded: Mapping[int, int | None], moved: Mapping[int, int]) -> Problem | None:
    """What is wrong with one entry on its own: moved, inserted before a moved one, or changed."""
    entry = ordered[index]
    following = ordered[index + 1] if index + 1 < len(ordered) else None
    if entry.seq in moved:
        return Problem(entry.seq, "moved", f"this entry was recorded as #{moved[entry.seq]}")
    if following is not None and moved.get(following.seq) == entry.seq:
        return Problem(entry.seq, "inserted", f"not in the chain: the entry recorded as #{entry.seq} follows it")
    if recorded[entry.seq] is None:
        return Problem(entry.seq, "changed", "its content no longer matches its hash")
    return None


def _missing(first: int, last: int) -> Problem:
    span = f"#{first}" if first == last else f"#{first}–#{last}"
    return Problem(first, "missing", f"entr{'y' if first == last else 'ies'} {span} removed")


def _against_head(ordered: Sequence[AuditEntry], head: ChainHead, recorded: Mapping[int, int | None]) -> list[Problem]:
    """Damage at the end of the log, which only the separately kept head can show.

    Entries are placed by the number their hash was sealed with (where it could be found), so
    an entry moved elsewhere is not taken for one appended after the end.
    """
    original = {e.seq: recorded[e.seq] or e.seq for e in ordered}
    problems = [
        Problem(e.seq, "inserted", f"after the last entry the log recorded (#{head.seq})")
        for e in ordered
        if original[e.seq] > head.seq
    ]
    top = max((seq for seq in original.values() if seq <= head.seq), default=0)
    if top < head.seq:
        problems.append(_missing(top + 1, head.seq))
    elif head.seq > 0 and all(e.hash != head.hash for e in ordered):
        last = next(e for e in ordered if original[e.seq] == head.seq)
        problems.append(Problem(last.seq, "rewritten", "changed and re-hashed: the chain head holds a different hash"))
    return problems


def _check_json(value: Any, where: str) -> None:
    """Only what JSON carries exactly: str keys, str/int/float/bool/None, lists, dicts."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"audit {where}: keys must be strings, not {type(key).__name__}")
            _check_json(item, f"{where}.{key}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_json(item, f"{where}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"audit {where}: {value} is not a finite number")
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        raise ValueError(f"audit {where}: {type(value).__name__} is not allowed, only JSON values")
