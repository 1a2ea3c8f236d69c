"""CAP 1.2 in the domain: the message model, the standard's own rules, and composition from
alert areas. No XML here; `safezone.adapters.cap_xml` writes and reads the wire format."""

from safezone.domain.cap.compose import (
    AREA_CODE_NAME,
    TIME_TO_SHELTER_NAME,
    InfoText,
    WarningSpec,
    cap_area,
    compose_alert,
    compose_all_clear,
    compose_cancel,
    compose_update,
    with_fewer_points,
)
from safezone.domain.cap.cover import covering_polygons
from safezone.domain.cap.enums import (
    Category,
    Certainty,
    MsgType,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)
from safezone.domain.cap.issues import (
    CapCompositionError,
    CapError,
    CapParseError,
    Issue,
    IssueLevel,
)
from safezone.domain.cap.lifecycle import alerts_in_force, is_all_clear
from safezone.domain.cap.model import (
    Alert,
    Area,
    Circle,
    Info,
    NamedValue,
    Polygon,
    Reference,
    Resource,
)
from safezone.domain.cap.rules import check_alert
from safezone.domain.cap.times import format_cap_time, parse_cap_time

__all__ = [
    "AREA_CODE_NAME", "Alert", "Area", "CapCompositionError", "CapError", "CapParseError",
    "Category", "Certainty", "Circle", "Info", "InfoText", "Issue", "IssueLevel", "MsgType",
    "NamedValue", "Polygon", "Reference", "Resource", "ResponseType", "Scope", "Severity",
    "Status", "TIME_TO_SHELTER_NAME", "Urgency", "WarningSpec", "alerts_in_force", "cap_area", "check_alert",
    "compose_alert", "compose_all_clear", "compose_cancel", "compose_update",
    "covering_polygons", "format_cap_time", "is_all_clear", "parse_cap_time", "with_fewer_points",
]
