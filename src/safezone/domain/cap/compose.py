"""Messages from our own objects: an alert for a set of alert areas, and the Update, Cancel
and all-clear that follow it.

One <info> per language and time to shelter: the texts differ by language, and areas with
different times to shelter need their own instruction (a town with 45 s must not be told
"immediately" because a village by the border must be). Each info lists its own areas, one
<area> per alert area with its name, its id as a geocode and polygons that cover it, and says
its time to shelter in a parameter. Status has no default on purpose: whether a message is
Actual or an Exercise is always the caller's explicit choice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Mapping, Sequence

from safezone.domain.cap.cover import covering_fewer_points, covering_polygons
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
from safezone.domain.cap.identifiers import checked, new_identifier
from safezone.domain.cap.issues import CapCompositionError
from safezone.domain.cap.model import Alert, Area, Info, NamedValue, Reference
from safezone.domain.cap.times import utc_now
from safezone.domain.zones import AlertArea, by_time_to_shelter

AREA_CODE_NAME = "SAFEZONE-AREA"
TIME_TO_SHELTER_NAME = "SAFEZONE-TIME-TO-SHELTER-S"
DEFAULT_MAX_POINTS = 100


@dataclass(frozen=True)
class InfoText:
    """What a person reads, in one language."""

    headline: str
    description: str | None = None
    instruction: str | None = None
    event: str | None = None  # the event's name in this language; WarningSpec.event if None
    time_to_shelter_s: int | None = None  # for the areas with this time to shelter; None: for all
    area_names: tuple[tuple[str, str], ...] = ()  # (area id, its name in this language) for <areaDesc>


# Texts by language, or (language, text) pairs when a language has one text per time to shelter.
Texts = Mapping[str, InfoText] | Sequence[tuple[str, InfoText]]


@dataclass(frozen=True)
class WarningSpec:
    """What the operator decided: the same in every language."""

    event: str
    categories: tuple[Category, ...] = (Category.SAFETY,)
    response_types: tuple[ResponseType, ...] = (ResponseType.SHELTER,)
    urgency: Urgency = Urgency.IMMEDIATE
    severity: Severity = Severity.EXTREME
    certainty: Certainty = Certainty.LIKELY
    sender_name: str | None = None
    web: str | None = None
    contact: str | None = None
    audience: str | None = None
    event_codes: tuple[NamedValue, ...] = ()
    parameters: tuple[NamedValue, ...] = ()


def cap_area(area: AlertArea, max_points: int = DEFAULT_MAX_POINTS) -> Area:
    """One CAP area for one alert area: never smaller than the area itself."""
    try:
        polygons = covering_polygons(area.geometry, max_points)
    except ValueError as exc:
        raise CapCompositionError(f"alert area {area.id}: {exc}") from None
    return Area(
        area_desc=area.name,
        polygons=polygons,
        geocodes=(NamedValue(AREA_CODE_NAME, area.id),),
    )


def compose_alert(
    areas: Sequence[AlertArea],
    texts: Texts,
    spec: WarningSpec,
    *,
    sender: str,
    status: Status,
    expires: datetime,
    sent: datetime | None = None,
    identifier: str | None = None,
    scope: Scope = Scope.PUBLIC,
    note: str | None = None,
    effective: datetime | None = None,
    onset: datetime | None = None,
    max_points: int = DEFAULT_MAX_POINTS,
) -> Alert:
    """A new Alert for `areas`: one info block per language in `texts` and time to shelter."""
    return _compose(MsgType.ALERT, (), areas, texts, spec, sender=sender, status=status,
                    expires=expires, sent=sent, identifier=identifier, scope=scope, note=note,
                    effective=effective, onset=onset, max_points=max_points)


def compose_update(
    previous: Alert,
    areas: Sequence[AlertArea],
    texts: Texts,
    spec: WarningSpec,
    *,
    expires: datetime,
    sent: datetime | None = None,
    note: str | None = None,
    max_points: int = DEFAULT_MAX_POINTS,
) -> Alert:
    """An Update that supersedes `previous` (and everything it superseded)."""
    return _compose(MsgType.UPDATE, _chain(previous), areas, texts, spec,
                    sender=previous.sender, status=previous.status, expires=expires, sent=sent,
                    identifier=None, scope=previous.scope, note=note if note else previous.note,
                    effective=None, onset=None, max_points=max_points,
                    restriction=previous.restriction, addresses=previous.addresses)


def compose_all_clear(
    previous: Alert,
    texts: Texts,
    *,
    expires: datetime,
    sent: datetime | None = None,
    parameters: tuple[NamedValue, ...] = (),
) -> Alert:
    """The danger is over: an Update with responseType AllClear, urgency Past and certainty
    Observed, for every area of `previous`, so receivers can stand down. `parameters` go into
    every info (each also says its time to shelter)."""
    template = _first_info(previous)
    spec = WarningSpec(
        event=template.event,
        categories=template.categories,
        response_types=(ResponseType.ALL_CLEAR,),
        urgency=Urgency.PAST,
        severity=Severity.MINOR,
        certainty=Certainty.OBSERVED,
        sender_name=template.sender_name,
        web=template.web,
        contact=template.contact,
        audience=template.audience,
        event_codes=template.event_codes,
        parameters=parameters,
    )
    sent = _sent(sent)
    groups = [(_time_to_shelter(info), info.areas) for info in previous.infos if info.language == template.language]
    infos = _infos(texts, spec, groups, sent, expires, ending=True)
    return _follow_up(MsgType.UPDATE, previous, infos, sent, previous.note)


def compose_cancel(
    previous: Alert,
    *,
    note: str,
    texts: Texts | None = None,
    sent: datetime | None = None,
    parameters: tuple[NamedValue, ...] = (),
) -> Alert:
    """A Cancel of `previous`: the same info blocks (so receivers know where it applied) with
    responseType None, and texts replaced in the languages given. `parameters` replace those of
    the same name (a stand-down names itself where the early warning named its stage)."""
    sent = _sent(sent)
    given = _pairs(texts) if texts else []
    infos = []
    for info in previous.infos:
        text = _text_for(given, info.language, _time_to_shelter(info), ending=True)
        changed = replace(info, response_types=(ResponseType.NONE,),
                          parameters=_with_parameters(info.parameters, parameters))
        if text is not None:
            changed = replace(changed, headline=text.headline, description=text.description,
                              instruction=text.instruction, event=text.event or info.event)
        infos.append(changed)
    return _follow_up(MsgType.CANCEL, previous, tuple(infos), sent, note)


def with_fewer_points(message: Alert, max_points: int) -> Alert:
    """`message` with every area's polygons cut to at most `max_points` points, each still
    covering the polygon it replaces: how an ending of a large alert is made to fit."""
    def fewer(area: Area) -> Area:
        polygons = tuple(p for polygon in area.polygons for p in covering_fewer_points(polygon, max_points))
        return replace(area, polygons=polygons)

    infos = tuple(replace(info, areas=tuple(fewer(a) for a in info.areas)) for info in message.infos)
    return replace(message, infos=infos)


def _compose(msg_type: MsgType, references: tuple[Reference, ...], areas: Sequence[AlertArea],
             texts: Texts, spec: WarningSpec, *, sender: str, status: Status,
             expires: datetime, sent: datetime | None, identifier: str | None, scope: Scope,
             note: str | None, effective: datetime | None, onset: datetime | None,
             max_points: int, restriction: str | None = None,
             addresses: tuple[str, ...] = ()) -> Alert:
    if not areas:
        raise CapCompositionError("an alert needs at least one alert area")
    sent = _sent(sent)
    groups = [(seconds, tuple(cap_area(a, max_points) for a in members))
              for seconds, members in by_time_to_shelter(areas).items()]
    infos = tuple(replace(info, effective=_second(effective), onset=_second(onset))
                  for info in _infos(texts, spec, groups, sent, expires))
    return _message(msg_type, references, infos, sent,
                    sender=checked(sender, "sender"), status=status, scope=scope, note=note,
                    restriction=restriction, addresses=addresses,
                    identifier=checked(identifier or new_identifier(sender, sent), "identifier"))


def _follow_up(msg_type: MsgType, previous: Alert, infos: tuple[Info, ...], sent: datetime,
               note: str | None) -> Alert:
    """A message about `previous`: same sender, status and scope, referencing its chain."""
    return _message(msg_type, _chain(previous), infos, sent, sender=previous.sender,
                    status=previous.status, scope=previous.scope, note=note,
                    restriction=previous.restriction, addresses=previous.addresses)


def _message(msg_type: MsgType, references: tuple[Reference, ...], infos: tuple[Info, ...],
             sent: datetime, *, sender: str, status: Status, scope: Scope, note: str | None,
             restriction: str | None = None, addresses: tuple[str, ...] = (),
             identifier: str | None = None) -> Alert:
    if status is Status.EXERCISE and not (note and note.strip()):
        note = _exercise_note(infos)
    return Alert(
        identifier=identifier or new_identifier(sender, sent),
        sender=sender,
        sent=sent,
        status=status,
        msg_type=msg_type,
        scope=scope,
        restriction=restriction,
        addresses=addresses,
        note=note,
        references=references,
        infos=infos,
    )


def _exercise_note(infos: Sequence[Info]) -> str:
    """What an Exercise exercises, when nobody said: receivers are told in <note> (CAP 1.2
    recommends it, and our own validator warns without it)."""
    event = infos[0].event if infos else "a warning"
    count = len({(area.area_desc, area.geocodes) for info in infos for area in info.areas})
    return f"Exercise of the warning {event!r} for {count} alert area{'s' if count != 1 else ''}; not a real alert."


def _info(language: str, text: InfoText, spec: WarningSpec, areas: tuple[Area, ...],
          sent: datetime, expires: datetime) -> Info:
    expires = _second(expires)
    if expires is None or expires <= sent:
        raise CapCompositionError("expires must be after the message is sent")
    if not text.headline.strip():
        raise CapCompositionError(f"the {language} text has no headline")
    return Info(
        language=language,
        categories=spec.categories,
        event=text.event or spec.event,
        response_types=spec.response_types,
        urgency=spec.urgency,
        severity=spec.severity,
        certainty=spec.certainty,
        audience=spec.audience,
        event_codes=spec.event_codes,
        expires=expires,
        sender_name=spec.sender_name,
        headline=text.headline,
        description=text.description,
        instruction=text.instruction,
        web=spec.web,
        contact=spec.contact,
        parameters=spec.parameters,
        areas=areas,
    )


def _infos(texts: Texts, spec: WarningSpec, groups: Sequence[tuple[int | None, tuple[Area, ...]]],
           sent: datetime, expires: datetime, *, ending: bool = False) -> tuple[Info, ...]:
    """One info per language and group of areas sharing a time to shelter, languages first."""
    pairs = _pairs(texts)
    infos = []
    for language in dict.fromkeys(lang for lang, _ in pairs):
        for seconds, areas in groups:
            text = _text_for(pairs, language, seconds, ending=ending)
            if text is None:
                raise CapCompositionError(f"no {language} text for the areas with {seconds} s to shelter")
            parameters = spec.parameters + ((NamedValue(TIME_TO_SHELTER_NAME, str(seconds)),)
                                             if seconds is not None else ())
            infos.append(_info(language, text, replace(spec, parameters=parameters), _named(areas, text),
                               sent, expires))
    return tuple(infos)


def _named(areas: tuple[Area, ...], text: InfoText) -> tuple[Area, ...]:
    """The areas with their names in the text's language, where it gives them."""
    names = dict(text.area_names)
    if not names:
        return areas
    return tuple(replace(area, area_desc=names.get(_area_id(area), area.area_desc)) for area in areas)


def _area_id(area: Area) -> str | None:
    return next((g.value for g in area.geocodes if g.value_name == AREA_CODE_NAME), None)


def _pairs(texts: Texts) -> list[tuple[str, InfoText]]:
    pairs = list(texts.items()) if isinstance(texts, Mapping) else list(texts)
    if not pairs:
        raise CapCompositionError("an alert needs its text in at least one language")
    return pairs


def _text_for(pairs: Sequence[tuple[str, InfoText]], language: str, seconds: int | None, *,
              ending: bool = False) -> InfoText | None:
    """The text written for this language and time to shelter, else the one for all areas.
    Ending a warning must never fail for want of a text: then any text of the language will do."""
    mine = [text for lang, text in pairs if lang == language]
    exact = [t for t in mine if t.time_to_shelter_s is not None and t.time_to_shelter_s == seconds]
    general = [t for t in mine if t.time_to_shelter_s is None]
    return (exact or general or (mine if ending else []) or [None])[0]


def _with_parameters(kept: tuple[NamedValue, ...], new: tuple[NamedValue, ...]) -> tuple[NamedValue, ...]:
    names = {p.value_name for p in new}
    return tuple(p for p in kept if p.value_name not in names) + new


def _time_to_shelter(info: Info) -> int | None:
    """The time to shelter an info of ours was written for, or None (older messages, others')."""
    for parameter in info.parameters:
        if parameter.value_name == TIME_TO_SHELTER_NAME and parameter.value.strip().isdigit():
            return int(parameter.value)
    return None


def _chain(previous: Alert) -> tuple[Reference, ...]:
    """Everything `previous` referenced, then `previous` itself: receivers that missed a
    message in between still learn what is superseded."""
    seen = dict.fromkeys(previous.references + (previous.reference,))
    return tuple(seen)


def _first_info(previous: Alert) -> Info:
    if not previous.infos:
        raise CapCompositionError(f"{previous.identifier} has no info block to clear")
    return previous.infos[0]


def _sent(sent: datetime | None) -> datetime:
    moment = _second(sent) or utc_now()
    if moment.utcoffset() is None:
        raise CapCompositionError("sent needs a time zone")
    return moment


def _second(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.utcoffset() is None:
        raise CapCompositionError("CAP times need a time zone; got a naive datetime")
    return moment.replace(microsecond=0) if moment is not None else None
