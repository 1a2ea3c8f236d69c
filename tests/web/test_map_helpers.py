"""`/api/areas/search` and `/api/shelters.geojson`, the map helpers of the pages: alert areas found
by a place name (the area's own or a settlement's inside it), shelters in a window; bad input is a
clear 4xx. SQLite and PostgreSQL."""

from __future__ import annotations


def test_areas_are_found_by_their_name_or_a_settlement_in_them(api):
    answer = api.get("/api/areas/search", params={"q": "gate"}).json()
    assert [a["id"] for a in answer["areas"]] == ["BBB-0-1", "AAA-0-1"]  # Eastgate has more people
    hamlet = api.get("/api/areas/search", params={"q": "  HAMLET "}).json()["areas"]
    assert [(a["id"], a["matched"], a["time_to_shelter_s"]) for a in hamlet] == [("BBB-0-1", "Hamlet", 15)]
    west, south, east, north = hamlet[0]["bbox"]
    assert west < 30.03 < east and south < 50.8 < north
    assert api.get("/api/areas/search", params={"q": "westgate north"}).json()["areas"][0]["id"] == "AAA-0-1"
    assert api.get("/api/areas/search", params={"q": "nowhere"}).json() == {"count": 0, "areas": []}


def test_a_whole_name_comes_before_a_longer_one(api):
    names = [a["matched"] for a in api.get("/api/areas/search", params={"q": "westgate"}).json()["areas"]]
    assert names == ["Westgate"]  # one area, named by its whole-name match


def test_bad_searches_are_refused_clearly(api):
    short = api.get("/api/areas/search", params={"q": "w"})
    assert short.status_code == 422 and "q" in short.text
    spaces = api.get("/api/areas/search", params={"q": "  w "})
    assert spaces.status_code == 400 and "at least two letters" in spaces.text
    assert api.get("/api/areas/search", params={"q": "x" * 101}).status_code == 422
    assert api.get("/api/areas/search").status_code == 422


def test_shelters_in_a_window_with_what_a_resident_needs(api, container, tmp_path):
    from safezone.services.shelters import import_shelters

    csv = tmp_path / "s.csv"
    csv.write_text("id,name,lat,lon,capacity,kind,accessible,opening\n"
                   "a,School basement,50.501,29.982,120,basement,yes,24/7\n"
                   "b,Far shelter,50.2,29.8,,bunker,,\n", encoding="utf-8")
    import_shelters(container.database, str(csv), source="city")
    answer = api.get("/api/shelters.geojson", params={"bbox": "29.95,50.45,30.0,50.55"})
    assert answer.headers["content-type"].startswith("application/geo+json")
    (feature,) = answer.json()["features"]
    assert feature["geometry"]["coordinates"] == [29.982, 50.501]
    properties = dict(feature["properties"])
    assert isinstance(properties.pop("id"), int)  # what a report about this shelter names
    assert properties == {"name": "School basement", "lat": 50.501, "lon": 29.982, "kind": "basement",
                                     "capacity": 120, "accessible": True, "opening": "24/7"}
    where = api.get("/api/where", params={"lat": 50.5, "lon": 29.985}).json()
    assert where["shelters"][0]["opening"] == "24/7"
    bad = api.get("/api/shelters.geojson", params={"bbox": "a,b"})
    assert bad.status_code == 400 and "bbox" in bad.text
    assert api.get("/api/shelters.geojson").status_code == 422
