"""CAP XML at the edge: write CAP 1.2, read CAP 1.2 and 1.1 safely, validate."""

from safezone.adapters.cap_xml.api import CheckResult, check, check_stream, parse, parse_own, validate
from safezone.adapters.cap_xml.safe import DEFAULT_MAX_BYTES, load_xml
from safezone.adapters.cap_xml.writer import CAP_MIME_TYPE, to_element, to_xml

__all__ = [
    "CAP_MIME_TYPE", "CheckResult", "DEFAULT_MAX_BYTES", "check", "check_stream", "load_xml", "parse",
    "parse_own", "to_element", "to_xml", "validate",
]
