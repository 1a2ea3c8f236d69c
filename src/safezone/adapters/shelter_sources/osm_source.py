"""Civil-defence shelters from an OpenStreetMap extract (.osm.pbf), read with pyrosm.

Tags read as a shelter for people under fire (OSM wiki, checked 2026-11):
- `amenity=shelter` + `shelter_type=bomb_shelter` — the documented value for a bomb / air-raid
  shelter (the common tagging in Ukraine, Israel and elsewhere);
- `military=bunker` + `bunker_type=bomb_shelter` — a hardened shelter for civilians, as the
  wiki defines that bunker type;
- `shelter_type=bomb` — an older, undocumented variant still found (e.g. in Helsinki).
Deliberately NOT read, because counting them would overstate protection: other
`shelter_type` values (bus stops, picnic and weather shelters), `military=bunker` or
`building=bunker` without `bunker_type=bomb_shelter` (mostly disused fortifications, not
open to civilians), `emergency=assembly_point` (an open-air gathering place) and
`social_facility=shelter` (lodging for homeless or displaced people).

Fields: `name` (else `name:en`, else "unnamed shelter"), `capacity`, `wheelchair`
(yes → accessible, no/limited → not step-free), `opening_hours`, `check_date` (OSM's "last
verified on the ground"). A way or relation is placed at its representative point. The source
id is the element, e.g. `node/317543438`.
"""

from __future__ import annotations

import json
import math
import warnings

from safezone.adapters.shelter_sources.collect import SourceRows, check_size
from safezone.adapters.shelter_sources.fields import Located, Record
from safezone.domain.errors import InputError

SHELTER_TYPES = ("bomb_shelter", "bomb")
BUNKER_TYPES = ("bomb_shelter",)
TAGS_READ = ("name", "name:en", "capacity", "wheelchair", "opening_hours", "check_date",
             "amenity", "military", "shelter_type", "bunker_type")
WHEELCHAIR = {"yes": "yes", "designated": "yes", "no": "no", "limited": "no"}


def is_civil_defence_shelter(tags: dict[str, str]) -> bool:
    """The tag rule of the module docstring."""
    if tags.get("shelter_type") in SHELTER_TYPES:
        return True
    return tags.get("military") == "bunker" and tags.get("bunker_type") in BUNKER_TYPES


def read_osm(path: str, source: str, *, max_bytes: int) -> SourceRows:
    import pyrosm  # imported here: it pulls in geopandas, which CSV imports need not wait for

    check_size(path, max_bytes)
    rows = SourceRows(file=path, format="osm", source=source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pyrosm warns when an extract holds no match
            frame = pyrosm.OSM(path).get_data_by_custom_criteria(
                custom_filter={"shelter_type": list(SHELTER_TYPES), "bunker_type": list(BUNKER_TYPES)},
                osm_keys_to_keep=["shelter_type", "bunker_type"],
                filter_type="keep",
                keep_nodes=True,
                keep_ways=True,
                keep_relations=True,
            )
    except Exception as broken:  # pyrosm raises assorted errors on a file that is not PBF
        raise InputError(f"not a readable OpenStreetMap .osm.pbf extract ({type(broken).__name__}: {broken})", file=path) from None
    if frame is None:
        return rows
    for record in frame.to_dict("records"):
        tags = _tags(record)
        if not is_civil_defence_shelter(tags):
            continue
        ref = f"{record.get('osm_type', 'node')}/{int(record['id'])}"
        point = record["geometry"].representative_point() if record.get("geometry") is not None else None
        if point is None or point.is_empty:
            rows.problem(InputError("the element has no usable geometry", file=path, field=ref), claimed=ref)
            continue
        values = {
            "id": ref,
            "name": tags.get("name") or tags.get("name:en") or "unnamed shelter",
            "capacity": tags.get("capacity"),
            "kind": "bunker" if tags.get("military") == "bunker" else "bomb_shelter",
            "accessible": WHEELCHAIR.get(tags.get("wheelchair", "")),
            "opening": tags.get("opening_hours"),
            "last_verified": tags.get("check_date"),
        }
        rows.add(Record(values, lat=point.y, lon=point.x), Located(path, prefix=f"{ref} "))
    return rows


def _tags(record: dict) -> dict[str, str]:
    """Tags from pyrosm's own columns and its JSON `tags` column, as one dict of strings."""
    tags: dict[str, str] = {}
    raw = record.get("tags")
    if isinstance(raw, str) and raw:
        try:
            tags.update({k: str(v) for k, v in json.loads(raw).items()})
        except (ValueError, AttributeError):
            pass
    elif isinstance(raw, dict):
        tags.update({k: str(v) for k, v in raw.items()})
    for key in TAGS_READ:
        value = record.get(key)
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            tags[key] = str(value)
    return tags
