"""Whatever a command prints is printed literally: names, file names, CAP texts, border names
and audit entries that look like rich markup (`[/]`, `[bold]`, `:smile:`) come out exactly as
stored, never interpreted and never crashing a command (it once died with MarkupError)."""

from __future__ import annotations

import csv
import dataclasses
import re
from pathlib import Path
from xml.sax.saxutils import escape

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safezone.adapters.db import Database
from safezone.entrypoints.cli import main

SAMPLES = Path(__file__).parents[1] / "cap" / "samples" / "valid"
PASSWORD = "correct horse battery staple"
FRAGMENTS = ["[", "]", "[/]", "[bold]", "[/bold]", "[red]x[/red]", "[link=http://a]", ":smile:", "\\[", "\\",
             "[basement]", "School No. 3", "a", "Ж", "=", "'"]
# Markup-like text that a reader keeps as is: no leading or trailing space, no line break.
markup_like = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6).map("".join).filter(
    lambda text: text == text.strip())
EXAMPLES = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def run(*args: str, input: str | None = None):
    # A wide terminal, so a table cell is never wrapped onto two lines (what is tested is the text).
    result = CliRunner(env={"COLUMNS": "300"}).invoke(main, list(args), input=input, catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output and "MarkupError" not in result.output
    return result


def test_a_shelter_named_like_markup_prints_as_is(tmp_path):
    """The example from the field test."""
    _shelter_round_trip(tmp_path, "School No. 3 [basement]", "shelters [/] list.csv")  # in a folder "shelters ["


@EXAMPLES
@given(name=markup_like, file_part=markup_like)
def test_shelter_names_and_file_names_print_literally(tmp_path_factory, name, file_part):
    _shelter_round_trip(tmp_path_factory.mktemp("shelters"), name, f"{file_part.replace('/', '_')}.csv")


def _shelter_round_trip(folder: Path, name: str, file_name: str) -> None:
    db = f"sqlite:///{folder / 'safezone.db'}"
    path = folder / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["id", "name", "lat", "lon", "capacity"], ["s1", name, "50.5", "30.02", "40"]])
    imported = run("shelters", "import", str(path), "--db", db)
    assert imported.exit_code == 0 and f"{path}: 1 new" in imported.output
    nearest = run("shelters", "nearest", "50.5", "30.02", "--db", db)
    assert nearest.exit_code == 0
    assert name in _table_cells(nearest.output)


@EXAMPLES
@given(name=markup_like.map(lambda text: f"{text}[/]"))  # a closing tag: never a valid user name
def test_a_refused_user_name_prints_literally_in_the_error_and_the_audit_log(tmp_path_factory, name):
    db = f"sqlite:///{tmp_path_factory.mktemp('users') / 'safezone.db'}"
    refused = run("users", "add", name, "--role", "issuer", "--password-stdin", "--db", db, input=PASSWORD)
    assert refused.exit_code == 2
    assert f"error: field 'name': invalid user name {name!r}" in refused.output
    shown = run("audit", "show", "--db", db)
    assert shown.exit_code == 0 and f"user.change_refused  {name}  " in shown.output


def test_users_are_listed_literally(tmp_path):
    db = f"sqlite:///{tmp_path / 'safezone.db'}"
    run("users", "add", "o.k@x-1_", "--role", "admin", "--password-stdin", "--db", db, input=PASSWORD)
    listing = run("users", "list", "--db", db)
    assert listing.exit_code == 0 and "o.k@x-1_" in _table_cells(listing.output)


@EXAMPLES
@given(headline=markup_like)
def test_cap_show_and_validate_print_texts_and_file_names_literally(tmp_path_factory, headline):
    xml = (SAMPLES / "weather_storm_en_de.xml").read_text(encoding="utf-8")
    xml = re.sub(r"<headline>[^<]*</headline>", lambda _: f"<headline>{escape(headline)}</headline>", xml, count=1)
    path = tmp_path_factory.mktemp("cap") / f"{headline.replace('/', '_')}.xml"
    path.write_text(xml, encoding="utf-8")
    shown = run("cap", "show", str(path))
    assert shown.exit_code == 0 and headline in shown.output
    checked = run("cap", "validate", str(path))
    assert f"{path}: " in checked.output


def _table_cells(output: str) -> list[str]:
    """The cells of a rich table as printed (box characters and padding removed)."""
    return [cell.strip() for line in output.splitlines() for cell in re.split(r"[│┃|]", line)]


@EXAMPLES
@given(border=markup_like)
def test_zone_set_border_names_print_literally(tmp_path_factory, sample_zones, border):
    db = f"sqlite:///{tmp_path_factory.mktemp('zones') / 'safezone.db'}"
    with Database(db) as database, database.unit_of_work() as uow:
        uow.zones.add(dataclasses.replace(sample_zones, border_name=border), activate=True)
        uow.commit()
    listed = run("db", "versions", "--db", db)
    assert listed.exit_code == 0 and border in _table_cells(listed.output)
