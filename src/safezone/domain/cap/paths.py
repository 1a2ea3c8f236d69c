"""Element paths such as `/alert/info[2]/area[1]/polygon[1]`.

Rules on the model and the XML reader both name places this way, so an adapter can map a
rule's path to the line it came from. Elements that may repeat always carry their index.
"""

from __future__ import annotations

REPEATABLE = frozenset(
    {"code", "info", "category", "responseType", "eventCode", "parameter", "resource",
     "area", "polygon", "circle", "geocode", "Signature"}
)

ROOT = "/alert"


def child(parent: str, name: str, index: int = 0) -> str:
    """The path of the `index`-th (0-based) `name` under `parent`."""
    if name in REPEATABLE:
        return f"{parent}/{name}[{index + 1}]"
    return f"{parent}/{name}"
