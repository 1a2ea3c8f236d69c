"""Hypothesis strategies for whole CAP messages: every element, every enumeration."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from safezone.domain.cap import (
    Alert,
    Area,
    Category,
    Certainty,
    Circle,
    Info,
    MsgType,
    NamedValue,
    Polygon,
    Reference,
    Resource,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)

# Text an XML document can carry: no control characters but newline and tab, no surrogates.
text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
    | st.sampled_from("\n\t"),
    min_size=1,
    max_size=40,
)
token = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,30}", fullmatch=True)
word = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,15}", fullmatch=True).map(str.strip).filter(bool)
language = st.sampled_from(["en-US", "de-DE", "fr", "uk-UA", "ar", "he-IL", "pt-BR", "es-419"])
offsets = st.sampled_from([0, 60, -300, 120, 330, -210]).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.builds(
    lambda base, offset: base.replace(tzinfo=timezone.utc).astimezone(offset),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
    offsets,
)
coordinate = st.tuples(
    st.floats(-90, 90, allow_nan=False).map(lambda v: round(v, 6)),
    st.floats(-180, 180, allow_nan=False).map(lambda v: round(v, 6)),
)
polygon = st.lists(coordinate, min_size=3, max_size=12).map(lambda pts: Polygon(tuple(pts + pts[:1])))
circle = st.builds(
    lambda c, r: Circle(c[0], c[1], r), coordinate, st.floats(0.001, 5000).map(lambda v: round(v, 3))
)
pairs = st.lists(st.builds(NamedValue, token, text), max_size=2).map(tuple)
decimal = st.floats(-1000, 60000, allow_nan=False).map(lambda v: round(v, 2))
maybe = lambda strategy: st.none() | strategy  # noqa: E731

areas = st.builds(
    Area,
    area_desc=text,
    polygons=st.lists(polygon, max_size=2).map(tuple),
    circles=st.lists(circle, max_size=2).map(tuple),
    geocodes=pairs,
    altitude=maybe(decimal),
    ceiling=maybe(decimal),
)
resources = st.builds(
    Resource,
    resource_desc=text,
    mime_type=st.sampled_from(["image/png", "application/pdf", "audio/mpeg"]),
    size=maybe(st.integers(0, 10**9)),
    uri=maybe(token.map(lambda t: f"https://example.org/{t}")),
    deref_uri=maybe(st.binary(max_size=30).map(lambda b: __import__("base64").b64encode(b).decode())),
    digest=maybe(st.from_regex(r"[0-9a-f]{40}", fullmatch=True)),
)
infos = st.builds(
    Info,
    categories=st.lists(st.sampled_from(Category), min_size=1, max_size=3).map(tuple),
    event=text,
    urgency=st.sampled_from(Urgency),
    severity=st.sampled_from(Severity),
    certainty=st.sampled_from(Certainty),
    language=language,
    response_types=st.lists(st.sampled_from(ResponseType), max_size=2).map(tuple),
    audience=maybe(text),
    event_codes=pairs,
    effective=maybe(moments),
    onset=maybe(moments),
    expires=maybe(moments),
    sender_name=maybe(text),
    headline=maybe(text),
    description=maybe(text),
    instruction=maybe(text),
    web=maybe(token.map(lambda t: f"https://example.org/{t}")),
    contact=maybe(text),
    parameters=pairs,
    resources=st.lists(resources, max_size=2).map(tuple),
    areas=st.lists(areas, max_size=2).map(tuple),
)
references = st.lists(st.builds(Reference, token, token, moments), max_size=3).map(tuple)
alerts = st.builds(
    Alert,
    identifier=token,
    sender=token,
    sent=moments,
    status=st.sampled_from(Status),
    msg_type=st.sampled_from(MsgType),
    scope=st.sampled_from(Scope),
    source=maybe(text),
    restriction=maybe(text),
    addresses=st.lists(word, max_size=3).map(tuple),
    codes=st.lists(text, max_size=2).map(tuple),
    note=maybe(text),
    references=references,
    incidents=st.lists(word, max_size=3).map(tuple),
    infos=st.lists(infos, max_size=3).map(tuple),
)
