"""Alert areas are named like places, and their places are known by their names in Ukrainian
and Russian where GeoNames has them."""

from __future__ import annotations

import re

import pytest
from shapely.geometry import box

from safezone.domain.naming import name_areas
from safezone.domain.placenames import PlaceNames, choose_names, language_of
from safezone.domain.settlements import SettlementIndex
from safezone.domain.zones import AlertArea, Settlement


@pytest.mark.parametrize("form, language", [
    ("Попівка", "uk"), ("Курськ", "uk"), ("Сумы", "ru"), ("Тёткино", "ru"), ("Суми", ""), ("Белгород", ""),
    ("Sumy", None), ("Бiлгород", None), ("Беларусь ў", None), ("Ниж.Сыроватка", None), ("Сумы і", None),
])
def test_the_letters_tell_ukrainian_from_russian(form, language):
    assert language_of(form) == language


@pytest.mark.parametrize("name, alternates, expected", [
    # Real GeoNames cities500 rows (abridged).
    ("Sumy", ["Sumy", "Soumy", "Суми", "Сумы", "סומי"], {"uk": "Суми", "ru": "Сумы"}),
    ("Tëtkino", ["Tetkino", "Теткино", "Тьоткіно", "Тёткино", "Тітчине"], {"uk": "Тьоткіно", "ru": "Тёткино"}),
    ("Belgorod", ["Belgorod", "Белгарад", "Белгород", "Белгород шаары", "Бєлгород", "Білгород"],
     {"uk": "Бєлгород", "ru": "Белгород"}),
    ("Kursk", ["Kursk", "Курск", "Курськ"], {"uk": "Курськ", "ru": "Курск"}),
    ("Kharkiv", ["Kharkiv", "Харків", "Харков", "Харьков"], {"uk": "Харків", "ru": "Харьков"}),
    # Only a form with shared letters: either reader reads it, so both get it.
    ("Basy", ["Basy", "Баси"], {"uk": "Баси", "ru": "Баси"}),
    # Only a Ukrainian form: still Cyrillic in a Russian text rather than Latin letters.
    ("Mykolaivka", ["Mykolaivka", "Миколаївка"], {"uk": "Миколаївка", "ru": "Миколаївка"}),
    # No Cyrillic at all (like Pivnichna Saltivka, Severnyy, Yats’kivka on the RUS-UKR border):
    # the place keeps the name GeoNames writes it with.
    ("Pivnichna Saltivka", ["Pivnichna Saltivka"], {}),
])
def test_a_place_is_named_in_each_language_where_the_data_has_a_cyrillic_name(name, alternates, expected):
    assert choose_names(name, alternates) == expected


def test_place_names_are_looked_up_by_geonames_id():
    names = PlaceNames.from_rows([(692194, {"uk": "Суми", "ru": "Сумы"}), (5, {"uk": "Баси"})])
    assert names.of(692194) == (("uk", "Суми"), ("ru", "Сумы"))
    assert names.of(5) == (("uk", "Баси"),)
    assert names.of(6) == ()


def _area(area_id: str, cell, band: int = 0, settlements=()) -> AlertArea:
    return AlertArea(area_id, "", "UKR", band, 0.0, 5.0, 0, cell, tuple(settlements))


def test_areas_near_one_place_are_told_apart_by_direction_and_distance_not_by_a_number():
    village = Settlement(1, "Popivka", 50.0, 30.0, 900, "UA")
    other = Settlement(2, "Popivka", 51.0, 31.0, 700, "UA")
    index = SettlementIndex.from_settlements([village, other])
    step = 0.1  # about 7 km of latitude
    areas = [
        _area("with-village", box(29.95, 49.95, 30.05, 50.05), settlements=[village]),
        _area("with-other", box(30.95, 50.95, 31.05, 51.05), settlements=[other]),
        _area("north", box(29.95, 49.95 + step, 30.05, 50.05 + step)),
        _area("south", box(29.95, 49.95 - step, 30.05, 50.05 - step)),
        _area("south, next band", box(29.95, 49.95 - step, 30.05, 50.05 - step), band=1),
        _area("alone", box(30.45, 50.45, 30.55, 50.55), band=2),
    ]
    names = PlaceNames.from_rows([(1, {"uk": "Попівка", "ru": "Поповка"})])
    named = {a.id: a for a in name_areas(areas, index, names)}
    assert named["with-village"].name == "Popivka, area 1" and named["with-other"].name == "Popivka, area 2"
    assert named["north"].name == "Popivka, 11 km north" and named["south"].name == "Popivka, 11 km south"
    assert named["south, next band"].name == "near Popivka"  # alone near Popivka in its band
    assert named["north"].naming.names == (("uk", "Попівка"), ("ru", "Поповка"))
    assert named["alone"].naming.near and named["alone"].naming.direction is None


def test_no_area_of_the_real_border_is_named_like_an_address(rus_ukr):
    names = [a.name for a in rus_ukr.areas]
    # Never "near Tëtkino 2": a number only ever says which area it is.
    # (Zuhres-2 is a place's own name.)
    assert not [n for n in names if re.search(r"\s\d+$", n) and not re.search(r", area \d+$", n)]
    assert len({(a.side, a.band, a.name) for a in rus_ukr.areas}) == len(rus_ukr.areas)
    tetkino = [a.naming for a in rus_ukr.areas if a.naming.place == "Tëtkino" and a.side == "RUS"]
    assert tetkino and all(n.names == (("uk", "Тьоткіно"), ("ru", "Тёткино")) for n in tetkino)
