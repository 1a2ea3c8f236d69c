"""`/api/where` answers its nearest shelters from memory: a change to the registry made anywhere
(an import by the command line, an edit, a `--replace` withdrawal) shows in the next answer,
and answers given while an import runs show the old registry or the new one, never a mix or an
error. Run on SQLite and on PostgreSQL (closing on a report: test_shelter_reports)."""

from __future__ import annotations

import threading

from safezone.services.shelters import import_shelters
from tests.support.app import Api

WESTGATE = {"lat": 50.45, "lon": 29.99}
HEADER = "id,name,lat,lon,capacity\n"


def names(api: Api, **params) -> list[str]:
    answer = api.get("/api/where", params={**WESTGATE, **params})
    assert answer.status_code == 200, answer.text
    return [s["name"] for s in answer.json()["shelters"]]


def imported(container, tmp_path, text_: str, **options) -> None:
    path = tmp_path / "city.csv"
    path.write_text(text_, encoding="utf-8")
    import_shelters(container.database, str(path), source="city", **options)


def test_each_registry_change_shows_in_the_next_answer(api, container, tmp_path):
    assert names(api) == []
    imported(container, tmp_path, HEADER + "a,Cellar,50.4502,29.9901,100\nb,Metro,50.4510,29.9905,2000\n")
    assert names(api) == ["Cellar", "Metro"]
    imported(container, tmp_path, HEADER + "a,Cellar under the school,50.4502,29.9901,100\n"
             "b,Metro,50.4510,29.9905,2000\nc,Library,50.4500,29.9900,40\n")
    assert names(api) == ["Library", "Cellar under the school", "Metro"]
    imported(container, tmp_path, HEADER + "b,Metro,50.4510,29.9905,2000\n", replace=True)
    assert names(api) == ["Metro"]


def _registry(prefix: str, count: int, offset: float) -> str:
    rows = [f"{prefix}{i},{prefix} {i},{50.45 + offset + (i % 40) * 0.0003:.5f},{29.99 + (i // 40) * 0.0003:.5f},10"
            for i in range(count)]
    return HEADER + "\n".join(rows) + "\n"


def test_answers_while_an_import_runs_show_the_old_registry_or_the_new_one(api, container, tmp_path):
    imported(container, tmp_path, _registry("old", 2000, 0.0))
    assert all(n.startswith("old ") for n in names(api, shelters=5))
    path = tmp_path / "new.csv"
    path.write_text(_registry("new", 2000, 0.00005), encoding="utf-8")
    done = threading.Event()
    seen: list[object] = []

    def read() -> None:
        while not done.is_set():
            try:
                seen.append(tuple(sorted({n.split()[0] for n in names(api, shelters=5)})))
            except BaseException as error:  # noqa: BLE001 - the test reads it
                seen.append(error)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        import_shelters(container.database, str(path), source="city", replace=True)
    finally:
        done.set()
        for reader in readers:
            reader.join(timeout=60)
    assert seen and set(seen) <= {("old",), ("new",)}, [s for s in seen if s not in {("old",), ("new",)}][:3]
    assert {n.split()[0] for n in names(api, shelters=5)} == {"new"}
