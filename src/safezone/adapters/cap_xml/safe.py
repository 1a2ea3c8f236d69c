"""Reading XML from strangers without being hurt by it.

Other agencies' messages arrive over the network; a hostile one can try entity expansion
(billion laughs), external entities or DTDs that reach into our files or the network, or
sheer size. We refuse a message over the size limit before parsing, refuse any DOCTYPE before
parsing (CAP needs none), and parse with entity resolution, DTD loading, network access and
huge trees all off, so what slips past the first two checks still cannot expand or fetch.
"""

from __future__ import annotations

import codecs
import re
from typing import BinaryIO

from lxml import etree

from safezone.domain.cap.issues import CapParseError

DEFAULT_MAX_BYTES = 1_000_000
_CHUNK = 64 * 1024

_DOCTYPE = re.compile(r"<!DOCTYPE|<!ENTITY")
_FIRST_ELEMENT = re.compile(r"<[A-Za-z_]")
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def read_limited(stream: BinaryIO, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """All of `stream`, or a CapParseError once it proves longer than `max_bytes`.

    Never takes more than `max_bytes + 1` bytes from it, so an endless source (/dev/zero, a
    pipe, a sender that keeps talking) costs no more memory or time than a message at the limit.
    """
    chunks: list[bytes] = []
    left = max_bytes + 1
    while left > 0:
        chunk = stream.read(min(left, _CHUNK))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        left -= len(chunk)
    raise CapParseError(f"message is larger than the limit; the limit is {max_bytes:,} bytes "
                        "and reading stopped there")


def load_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """The root element of `data`, or a CapParseError saying why we refuse it."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("CAP input must be bytes: the XML declaration names its encoding")
    if len(data) > max_bytes:
        raise CapParseError(f"message is {len(data):,} bytes; the limit is {max_bytes:,} bytes")
    if not data.strip():
        raise CapParseError("message is empty")
    _refuse_doctype(bytes(data))
    try:
        root = etree.fromstring(bytes(data), _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno and exc.lineno > 0 else None
        raise CapParseError(f"not well-formed XML: {exc.msg}", line=line) from None
    if root.getroottree().docinfo.doctype:  # belt and braces for encodings the scan missed
        raise CapParseError("DTDs are not allowed in CAP messages (found a DOCTYPE)", line=1)
    return root


def _refuse_doctype(data: bytes) -> None:
    """A DOCTYPE (or ENTITY) in the prolog, before the root element, is refused outright."""
    prolog = _prolog_text(data)
    found = _DOCTYPE.search(prolog)
    if not found:
        return
    first = _FIRST_ELEMENT.search(prolog)
    if first is None or found.start() < first.start():
        line = prolog.count("\n", 0, found.start()) + 1
        raise CapParseError("DTDs are not allowed in CAP messages (found a DOCTYPE)", line=line)


def _prolog_text(data: bytes) -> str:
    """The document as text, whatever its encoding, good enough to find markup in."""
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    if data[:4] == b"<\x00?\x00":
        return data.decode("utf-16-le", errors="replace")
    if data[:4] == b"\x00<\x00?":
        return data.decode("utf-16-be", errors="replace")
    return data.decode("latin-1")  # every byte maps; ASCII markup stays readable
