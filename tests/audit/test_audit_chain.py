"""The hash chain itself: its canonical form, and what `verify_chain` says about each kind of damage.

These run on entries in memory; tests/audit/test_audit_log.py does the same damage to real
databases behind the application's back.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safezone.domain.audit import (
    GENESIS,
    AuditEntry,
    ChainHead,
    canonical_bytes,
    canonical_details,
    chain_next,
    entry_hash,
    verify_chain,
)

START = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def build(count: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    head = ChainHead(0, GENESIS)
    for i in range(count):
        entry = chain_next(head, START + timedelta(seconds=i), "alice", "alert.submitted", f"alert-{i}", {"n": i})
        entries.append(entry)
        head = ChainHead(entry.seq, entry.hash)
    return entries


def head_of(entries: list[AuditEntry]) -> ChainHead:
    return ChainHead(entries[-1].seq, entries[-1].hash)


def kinds(problems) -> list[tuple[int, str]]:
    return [(p.seq, p.kind) for p in problems]


def renumber(entries: list[AuditEntry]) -> list[AuditEntry]:
    """What a careless intruder leaves: the rows keep their hashes but get new numbers 1..n."""
    return [replace(e, seq=i + 1) for i, e in enumerate(entries)]


def test_the_canonical_form_is_sorted_compact_utf8_json_with_utc_times_and_never_changes():
    entry = AuditEntry(1, START, "alice", "user.added", "bob", {"ä": 1.5, "roles": ["issuer"]}, GENESIS)
    expected = (
        '{"action":"user.added","actor":"alice","at":"2026-11-27T12:00:00.000000Z",'
        '"details":{"roles":["issuer"],"ä":1.5},"prev_hash":"' + "0" * 64 + '","seq":1,"subject":"bob"}'
    )
    assert canonical_bytes(entry) == expected.encode("utf-8")
    assert entry_hash(entry) == hashlib.sha256(expected.encode("utf-8")).hexdigest()
    # Pinned: entries written today must verify with every later version of safezone.
    assert entry_hash(entry) == "f9a96bf398b250bcec0f86765eee0a5f3f036a5402c4ccace5e8ed4734177ca2"


def test_the_same_instant_in_another_zone_hashes_the_same():
    kyiv = timezone(timedelta(hours=2))
    here = AuditEntry(1, START, "a", "b", "c")
    there = replace(here, at=START.astimezone(kyiv))
    assert entry_hash(here) == entry_hash(there)


def test_each_entry_carries_the_hash_of_the_one_before():
    entries = build(5)
    assert entries[0].prev_hash == GENESIS
    for before, after in zip(entries, entries[1:]):
        assert after.prev_hash == before.hash
        assert after.seq == before.seq + 1
    assert verify_chain(entries, head_of(entries)) == []


def test_an_empty_log_is_intact():
    assert verify_chain([], ChainHead(0, GENESIS)) == []


def test_a_changed_entry_is_named():
    entries = build(8)
    entries[3] = replace(entries[3], details={"n": 999})
    problems = verify_chain(entries, head_of(entries))
    assert kinds(problems) == [(4, "changed")]
    assert problems[0].message == "its content no longer matches its hash"
    assert str(problems[0]).startswith("#4 changed")


def test_a_changed_and_rehashed_entry_shows_through_the_next_link():
    entries = build(8)
    forged = replace(entries[3], actor="mallory")
    entries[3] = replace(forged, hash=entry_hash(forged))
    assert kinds(verify_chain(entries, head_of(entries))) == [(4, "rewritten")]


def test_a_rewritten_last_entry_shows_against_the_chain_head():
    entries = build(8)
    head = head_of(entries)
    forged = replace(entries[-1], subject="nothing happened")
    entries[-1] = replace(forged, hash=entry_hash(forged))
    assert kinds(verify_chain(entries, head)) == [(8, "rewritten")]


def test_a_removed_entry_is_named():
    entries = build(8)
    del entries[4]
    problems = verify_chain(entries, ChainHead(8, build(8)[-1].hash))
    assert kinds(problems) == [(5, "missing")]
    assert "#5 removed" in problems[0].message


def test_removed_entries_then_renumbered_show_as_moved():
    entries = build(8)
    del entries[2]
    problems = verify_chain(renumber(entries))
    assert kinds(problems) == [(3, "moved"), (4, "moved"), (5, "moved"), (6, "moved"), (7, "moved")]
    assert problems[0].message == "this entry was recorded as #4"


def test_the_first_entry_removed():
    entries = build(4)
    assert kinds(verify_chain(entries[1:])) == [(1, "missing")]


def test_entries_cut_off_the_end_are_found_through_the_chain_head():
    entries = build(8)
    head = head_of(entries)
    problems = verify_chain(entries[:6], head)
    assert kinds(problems) == [(7, "missing")]
    assert "#7–#8" in problems[0].message


def test_two_neighbours_swapped():
    entries = build(8)
    entries[4], entries[5] = replace(entries[5], seq=5), replace(entries[4], seq=6)
    problems = verify_chain(entries, head_of(build(8)))
    assert kinds(problems) == [(5, "moved"), (6, "moved")]
    assert [p.message for p in problems] == ["this entry was recorded as #6", "this entry was recorded as #5"]


def test_two_distant_entries_swapped():
    entries = build(12)
    entries[2], entries[9] = replace(entries[9], seq=3), replace(entries[2], seq=10)
    problems = verify_chain(entries, head_of(build(12)))
    assert kinds(problems) == [(3, "moved"), (10, "moved")]


def test_an_entry_inserted_in_the_middle():
    entries = build(8)
    before = entries[2]
    forged = AuditEntry(4, before.at, "mallory", "alert.approved", "alert-x", {}, before.hash)
    forged = replace(forged, hash=entry_hash(forged))
    tampered = entries[:3] + [forged] + [replace(e, seq=e.seq + 1) for e in entries[3:]]
    problems = verify_chain(tampered)
    assert problems[0].seq == 4 and problems[0].kind == "inserted"
    assert kinds(problems[1:]) == [(seq, "moved") for seq in range(5, 10)]


def test_an_entry_with_a_made_up_hash_inserted_in_the_middle():
    entries = build(6)
    forged = AuditEntry(3, START, "mallory", "x", "y", {}, "f" * 64, "e" * 64)
    tampered = entries[:2] + [forged] + [replace(e, seq=e.seq + 1) for e in entries[2:]]
    assert kinds(verify_chain(tampered))[0] == (3, "inserted")


def test_a_well_forged_entry_appended_at_the_end_is_caught_by_the_chain_head():
    entries = build(5)
    head = head_of(entries)
    forged = chain_next(head, START, "mallory", "alert.approved", "alert-x", {})
    assert verify_chain(entries + [forged]) == []  # a bare chain cannot tell...
    assert kinds(verify_chain(entries + [forged], head)) == [(6, "inserted")]  # ...its head can


def test_a_first_entry_that_does_not_start_from_genesis():
    entries = build(3)
    forged = replace(entries[0], prev_hash="1" * 64)
    entries[0] = replace(forged, hash=entry_hash(forged))
    assert (1, "unlinked") in kinds(verify_chain(entries))


@pytest.mark.parametrize(
    "details, complaint",
    [
        ({"x": float("nan")}, "finite"),
        ({"x": float("inf")}, "finite"),
        ({1: "a"}, "keys must be strings"),
        ({"when": START}, "datetime is not allowed"),
        ({"x": "y" * 70_000}, "too large"),
    ],
)
def test_details_are_plain_json_values(details, complaint):
    with pytest.raises(ValueError, match=complaint):
        canonical_details(details)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        entry_hash(AuditEntry(1, datetime(2026, 11, 27), "a", "b", "c"))


def _tamper(entries: list[AuditEntry], kind: str, i: int, j: int) -> tuple[list[AuditEntry], set[int]]:
    """One act of tampering at positions i (and j); returns the log and the numbers to be named."""
    log = list(entries)
    if kind == "change":
        log[i] = replace(log[i], subject="edited")
        return log, {i + 1}
    if kind == "remove":
        del log[i]
        return log, {i + 1}
    if kind == "swap":
        log[i], log[j] = replace(log[j], seq=i + 1), replace(log[i], seq=j + 1)
        return log, {i + 1, j + 1}
    forged = chain_next(ChainHead(i, GENESIS if i == 0 else log[i - 1].hash), START, "mallory", "x", "y", {})
    return log[:i] + [forged] + [replace(e, seq=e.seq + 1) for e in log[i:]], {i + 1}


@given(
    size=st.integers(min_value=2, max_value=25),
    kind=st.sampled_from(["change", "remove", "swap", "insert"]),
    data=st.data(),
)
@settings(max_examples=300, deadline=None)
def test_any_single_act_of_tampering_is_found_where_it_was_done(size, kind, data):
    entries = build(size)
    i = data.draw(st.integers(min_value=0, max_value=size - 2), label="i")
    j = data.draw(st.integers(min_value=i + 1, max_value=size - 1), label="j")
    tampered, named = _tamper(entries, kind, i, j)
    problems = verify_chain(tampered, head_of(entries))
    assert problems, f"{kind} at {i}/{j} went unnoticed"
    assert named <= {p.seq for p in problems}
    if kind != "insert":  # an insertion also moves every later entry; other damage stays where it is
        assert {p.seq for p in problems} == named
