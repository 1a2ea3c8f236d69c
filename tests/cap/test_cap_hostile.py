"""Hostile XML is refused before it can do harm, quickly, and with a reason."""

from __future__ import annotations

import io
import time

import pytest

from safezone.adapters.cap_xml import check, check_stream, parse
from safezone.domain.cap import CapParseError
from tests.cap.conftest import SAMPLES

HOSTILE = sorted((SAMPLES / "hostile").glob("*.xml"))
FAST = 0.2  # seconds; a refused message must never cost more


def _refused(data: bytes, **options) -> tuple[CapParseError, float]:
    start = time.perf_counter()
    with pytest.raises(CapParseError) as caught:
        parse(data, **options)
    return caught.value, time.perf_counter() - start


@pytest.mark.parametrize("sample", HOSTILE, ids=lambda p: p.name)
def test_dtds_are_refused_outright(sample) -> None:
    error, seconds = _refused(sample.read_bytes())
    assert error.reason == "DTDs are not allowed in CAP messages (found a DOCTYPE)"
    assert error.line == 2
    assert seconds < FAST


def test_nothing_outside_the_message_leaks_into_it() -> None:
    result = check((SAMPLES / "hostile" / "external_entity.xml").read_bytes())
    assert result.alert is None
    assert "root:" not in str(result.issues)


def _note_of(size: int) -> bytes:
    head = (b'<?xml version="1.0" encoding="UTF-8"?>\n<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
            b"<identifier>x</identifier><sender>y</sender><sent>2026-11-27T14:00:00-00:00</sent>"
            b"<status>Actual</status><msgType>Alert</msgType><scope>Public</scope><note>")
    return head + b"A" * size + b"</note></alert>"


def test_a_50_mb_message_is_refused_by_size_before_parsing() -> None:
    error, seconds = _refused(_note_of(50 * 1024 * 1024))
    assert "the limit is 1,000,000 bytes" in error.reason
    assert seconds < FAST


def test_even_with_the_size_limit_raised_a_huge_text_node_is_refused() -> None:
    error, seconds = _refused(_note_of(50 * 1024 * 1024), max_bytes=100_000_000)
    assert "Text node too long" in error.reason
    assert seconds < 2


def test_the_size_limit_is_configurable() -> None:
    small = _note_of(10)
    assert check(small, max_bytes=len(small)).errors == []
    assert "limit is 100 bytes" in check(small, max_bytes=100).errors[0].message


def test_absurd_nesting_is_refused() -> None:
    deep = b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">' + b"<a>" * 5000 + b"</a>" * 5000 + b"</alert>"
    error, seconds = _refused(deep)
    assert "Excessive depth" in error.reason
    assert seconds < FAST


def test_a_doctype_in_utf_16_is_refused_too() -> None:
    text = ('<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE alert [<!ENTITY a "b">]>\n'
            '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>')
    error, _ = _refused(text.encode("utf-16"))
    assert "DTDs are not allowed" in error.reason


def test_a_doctype_mentioned_inside_text_is_not_a_doctype() -> None:
    data = (SAMPLES / "valid" / "cancel_test_en.xml").read_bytes()
    data = data.replace(b"with the wrong area.", b"with the wrong area. <![CDATA[<!DOCTYPE x>]]>")
    assert check(data).errors == []


def test_empty_input_is_refused_with_a_reason() -> None:
    error, _ = _refused(b"  ")
    assert error.reason == "message is empty"


class _Endless(io.RawIOBase):
    """A stream that never ends, like /dev/zero or a sender that keeps talking; it counts
    what was taken from it."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        buffer[:] = b"<" * len(buffer)
        self.given += len(buffer)
        return len(buffer)


def test_reading_a_stream_stops_one_byte_past_the_limit() -> None:
    endless = _Endless()
    result = check_stream(endless, max_bytes=100_000)
    assert endless.given == 100_001
    assert result.errors[0].message == ("message is larger than the limit; the limit is 100,000 bytes "
                                        "and reading stopped there")


def test_a_stream_within_the_limit_is_read_whole() -> None:
    data = (SAMPLES / "valid" / "cancel_test_en.xml").read_bytes()
    assert check_stream(io.BytesIO(data), max_bytes=len(data)).ok
    assert not check_stream(io.BytesIO(data), max_bytes=len(data) - 1).ok
