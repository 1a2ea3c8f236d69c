"""The stages of an alert chain, what each says in CAP, and which steps lead from one to the next.

    early warning ──escalate──▶ alert ──remind──▶ stay in shelter ──remind──▶ …
          │                       │                     │
          └──stand down           └──all-clear──────────┴──all-clear   (or cancel, or expiry)

People ask for stages rather than a single alarm: a warning minutes ahead ("get ready"), the
alarm itself ("take shelter now"), a reminder to stay while the danger lasts, and an
authoritative "you may leave the shelter" instead of a timer. Each stage maps onto CAP
(`msgType` comes from the step: a new chain starts with an Alert, every later stage is an
Update of the chain) and is named in a `<parameter>` so receivers need not guess it from the
response type.

An all-clear is only for areas under an alert: an early warning that is not followed by an
alert is stood down (a Cancel), never "cleared", so nobody reads "you may leave the shelter"
who was never told to go there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Mapping

from safezone.domain.cap.enums import Certainty, ResponseType, Severity, Urgency

STAGE_PARAMETER = "SAFEZONE-STAGE"
STAND_DOWN = "stand-down"  # the parameter's value on a Cancel that stands an early warning down


class AlertStage(StrEnum):
    EARLY_WARNING = "early-warning"
    ALERT = "alert"
    STAY_IN_SHELTER = "stay-in-shelter"
    ALL_CLEAR = "all-clear"


@dataclass(frozen=True)
class StageCap:
    """How a stage reads in CAP: what to do, how soon, how bad, how sure."""

    response_type: ResponseType
    urgency: Urgency
    severity: Severity
    certainty: Certainty


CAP_OF_STAGE: dict[AlertStage, StageCap] = {
    # Alerts are expected within minutes: get ready ("responsive action should be taken soon").
    AlertStage.EARLY_WARNING: StageCap(ResponseType.PREPARE, Urgency.EXPECTED, Severity.SEVERE, Certainty.LIKELY),
    # Take shelter now.
    AlertStage.ALERT: StageCap(ResponseType.SHELTER, Urgency.IMMEDIATE, Severity.EXTREME, Certainty.LIKELY),
    # Still dangerous: stay where you are.
    AlertStage.STAY_IN_SHELTER: StageCap(ResponseType.SHELTER, Urgency.IMMEDIATE, Severity.EXTREME,
                                         Certainty.LIKELY),
    # The danger is over (CAP: an all-clear has urgency Past).
    AlertStage.ALL_CLEAR: StageCap(ResponseType.ALL_CLEAR, Urgency.PAST, Severity.MINOR, Certainty.OBSERVED),
}

# The stages during which people are told to be in a shelter: only they can be cleared or reminded.
UNDER_ALERT = frozenset({AlertStage.ALERT, AlertStage.STAY_IN_SHELTER})

DEFAULT_LIFETIMES: dict[AlertStage, timedelta] = {
    AlertStage.EARLY_WARNING: timedelta(minutes=15),
    AlertStage.ALERT: timedelta(minutes=60),
    AlertStage.STAY_IN_SHELTER: timedelta(minutes=30),
    AlertStage.ALL_CLEAR: timedelta(minutes=60),
}


# How long before the alarm an early warning comes, when a threat-class file does not say: 2 min.
# Conservative, so the exposure report never counts more time than people are likely to get:
# the early warnings announced "within minutes" ahead of launches from afar (Israel's Home Front
# Command sends them since 2024; press reports speak of 2 to 10 min before the sirens) come, at
# the short end, about 2 minutes ahead. Local authorities set their own (`early_warning_lead_s`).
DEFAULT_EARLY_WARNING_LEAD_S = 120
MAX_EARLY_WARNING_LEAD_S = 3600


class StageRefused(ValueError):
    """A step the chain's stage does not allow; the message says what would."""


@dataclass(frozen=True)
class StagePlan:
    """Which stages a threat class uses and how long each stays in force unless told.

    Every class uses the alert stage; the others are the operator's choice (a class whose
    warning is immediate everywhere has no early warning to give)."""

    used: frozenset[AlertStage] = frozenset(AlertStage)
    lifetimes: Mapping[AlertStage, timedelta] = field(default_factory=lambda: dict(DEFAULT_LIFETIMES))
    early_warning_lead_s: int = DEFAULT_EARLY_WARNING_LEAD_S  # how long before the alarm its early warning comes

    def __post_init__(self) -> None:
        if AlertStage.ALERT not in self.used:
            raise ValueError("every threat class uses the 'alert' stage")
        missing = [s.value for s in self.used if s not in self.lifetimes]
        if missing:
            raise ValueError(f"no lifetime for {', '.join(missing)}")

    @property
    def lead_time_s(self) -> int | None:
        """Seconds its early warning comes before the alarm; None for a class without one."""
        return self.early_warning_lead_s if AlertStage.EARLY_WARNING in self.used else None

    def lifetime(self, stage: AlertStage) -> timedelta:
        return self.lifetimes[stage]

    def require(self, stage: AlertStage, threat: str) -> None:
        if stage not in self.used:
            used = ", ".join(s.value for s in AlertStage if s in self.used)
            raise StageRefused(f"threat class {threat!r} does not use the {stage.value} stage (it uses: {used})")


def check_step(current: AlertStage, wanted: AlertStage) -> None:
    """Whether a chain at `current` may move to `wanted`: escalate an early warning, remind or
    clear an alert. Updates that keep the stage are always allowed."""
    if wanted is current and wanted is not AlertStage.ALL_CLEAR:
        return
    if wanted is AlertStage.ALERT and current is AlertStage.EARLY_WARNING:
        return
    if wanted in (AlertStage.STAY_IN_SHELTER, AlertStage.ALL_CLEAR) and current in UNDER_ALERT:
        return
    if wanted is AlertStage.ALL_CLEAR:
        raise StageRefused(f"no all-clear for areas that are not under alert (this is {_a(current)}); "
                           "stand an early warning down instead")
    if wanted is AlertStage.STAY_IN_SHELTER:
        raise StageRefused(f"a stay-in-shelter reminder needs an alert in force, not {_a(current)}")
    raise StageRefused(f"{_a(current)} cannot become {_a(wanted)}")


def check_stand_down(current: AlertStage) -> None:
    if current is not AlertStage.EARLY_WARNING:
        raise StageRefused(f"only an early warning is stood down; {_a(current)} ends with an all-clear or a cancel")


def _a(stage: AlertStage) -> str:
    return f"an {stage.value}" if stage.value[0] in "ae" else f"a {stage.value}"
