"""How large a message we publish may be, and how a large alert is made to fit.

Every message we issue must be one that every receiver accepts. Aggregators and feed readers
ask for feeds of at most about 1 MB, and CAP readers, ours included (`safe.DEFAULT_MAX_BYTES`),
refuse larger messages from others. So no message we issue exceeds PUBLISH_LIMIT_BYTES.

A new alert or an update may use at most WARNING_SHARE of it. The rest is room for what must
always follow it — its Cancel or all-clear repeat its areas with other texts and reference the
whole chain of messages — so an alert in force can always be ended.

A large alert is first written without indentation, then with fewer points per area polygon
(each polygon still covers its whole area: coverings only grow), and refused only when even
the fewest points do not fit. An ending is cut to fewer points the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from safezone.adapters.cap_xml.writer import to_xml
from safezone.domain.cap.compose import DEFAULT_MAX_POINTS
from safezone.domain.cap.model import Alert
from safezone.domain.errors import InputError

PUBLISH_LIMIT_BYTES = 1_000_000
WARNING_SHARE = 0.96
WARNING_BUDGET_BYTES = int(PUBLISH_LIMIT_BYTES * WARNING_SHARE)
# Points per area polygon, tried in turn: an H3 cell has 7 with its closing point, 5 is a
# four-cornered ring, the fewest a covering can have.
POINTS_STEPS = (DEFAULT_MAX_POINTS, 8, 6, 5)


class MessageTooLarge(InputError):
    """A message that could not be published: bigger than receivers accept."""

    def __init__(self, message: str, *, size: int, limit: int, field: str) -> None:
        super().__init__(message, field=field)
        self.size = size
        self.limit = limit


@dataclass(frozen=True)
class Publishable:
    """A message and the exact bytes we publish it as, within the limit."""

    message: Alert
    xml: bytes
    max_points: int  # points per area polygon it was written with


def fit_warning(compose: Callable[[int], Alert], *, at_issue: bool = False) -> Publishable:
    """A new alert or update within WARNING_BUDGET_BYTES, composed by `compose(max_points)`.

    At issue, a message that fitted when it was composed may use the whole publish limit rather
    than fail for a few bytes: an approved alert always issues.
    """
    return _fit(compose, budget=WARNING_BUDGET_BYTES, limit=PUBLISH_LIMIT_BYTES if at_issue else WARNING_BUDGET_BYTES,
                what="the alert", field="areas",
                advice=f"a new alert or update may use {WARNING_BUDGET_BYTES:,} bytes ({WARNING_SHARE:.0%} of the "
                       f"{PUBLISH_LIMIT_BYTES:,}-byte publish limit, so that its cancel and all-clear always fit): "
                       "choose fewer areas or languages, or split the warning")


def fit_ending(compose: Callable[[int], Alert], kind: str) -> Publishable:
    """A cancel or all-clear within PUBLISH_LIMIT_BYTES, from `compose(max_points)`."""
    return _fit(compose, budget=PUBLISH_LIMIT_BYTES, limit=PUBLISH_LIMIT_BYTES, what=f"the {kind}", field="texts",
                advice=f"the publish limit is {PUBLISH_LIMIT_BYTES:,} bytes: shorten the texts or note, or end the "
                       "alert in the templates' words, which always fit")


def _fit(compose: Callable[[int], Alert], *, budget: int, limit: int, what: str, field: str,
         advice: str) -> Publishable:
    """The first of: indented at full detail, then compact with ever fewer points, that fits
    `budget`; else the smallest if it fits `limit`; else MessageTooLarge."""
    for points in POINTS_STEPS:
        message = compose(points)
        if points == POINTS_STEPS[0]:  # indented reads better, when it fits
            pretty = to_xml(message, pretty=True)
            if len(pretty) <= budget:  # indenting only adds white space: the compact one fits too
                return Publishable(message, pretty, points)
        smallest = Publishable(message, to_xml(message, pretty=False), points)
        if len(smallest.xml) <= budget:
            return smallest
    size = len(smallest.xml)
    if size <= limit:
        return smallest
    raise MessageTooLarge(f"{what} would be a CAP message of {size:,} bytes even with {POINTS_STEPS[-1]} points per "
                          f"area polygon; {advice}", size=size, limit=limit, field=field)
