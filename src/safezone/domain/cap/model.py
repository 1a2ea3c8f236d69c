"""The typed model of a whole CAP 1.2 message: alert, info, resource, area.

Plain frozen dataclasses with tuples, so two messages compare equal when their content is
equal (that is what the XML round trip is tested against). Field names follow the standard in
snake_case; `None` means the optional element is absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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

DEFAULT_LANGUAGE = "en-US"


@dataclass(frozen=True)
class NamedValue:
    """eventCode, parameter and geocode: a system-specific name and its value."""

    value_name: str
    value: str


@dataclass(frozen=True)
class Reference:
    """One earlier message, as `sender,identifier,sent` in <references>."""

    sender: str
    identifier: str
    sent: datetime


@dataclass(frozen=True)
class Polygon:
    """A closed ring of (lat, lon) WGS 84 pairs, first pair repeated last."""

    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Circle:
    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class Area:
    area_desc: str
    polygons: tuple[Polygon, ...] = ()
    circles: tuple[Circle, ...] = ()
    geocodes: tuple[NamedValue, ...] = ()
    altitude: float | None = None  # feet above mean sea level
    ceiling: float | None = None


@dataclass(frozen=True)
class Resource:
    resource_desc: str
    mime_type: str | None  # required in 1.2, optional in 1.1
    size: int | None = None
    uri: str | None = None
    deref_uri: str | None = None
    digest: str | None = None


@dataclass(frozen=True)
class Info:
    categories: tuple[Category, ...]
    event: str
    urgency: Urgency
    severity: Severity
    certainty: Certainty
    language: str = DEFAULT_LANGUAGE
    response_types: tuple[ResponseType, ...] = ()
    audience: str | None = None
    event_codes: tuple[NamedValue, ...] = ()
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    contact: str | None = None
    parameters: tuple[NamedValue, ...] = ()
    resources: tuple[Resource, ...] = ()
    areas: tuple[Area, ...] = ()


@dataclass(frozen=True)
class Alert:
    identifier: str
    sender: str
    sent: datetime
    status: Status
    msg_type: MsgType
    scope: Scope
    source: str | None = None
    restriction: str | None = None
    addresses: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    note: str | None = None
    references: tuple[Reference, ...] = ()
    incidents: tuple[str, ...] = ()
    infos: tuple[Info, ...] = ()
    # Enveloped XML signatures, kept as opaque XML text: the domain neither reads nor checks them.
    signatures: tuple[str, ...] = ()

    @property
    def reference(self) -> Reference:
        """How a later Update or Cancel names this message."""
        return Reference(self.sender, self.identifier, self.sent)

    @property
    def expires(self) -> datetime | None:
        """When the last of its info blocks expires; None if any has no end."""
        ends = [info.expires for info in self.infos]
        if not ends or any(e is None for e in ends):
            return None
        return max(e for e in ends if e is not None)
