"""`safezone cap validate` and `safezone cap show`, as an operator runs them."""

from __future__ import annotations

import os
import threading
import time

from click.testing import CliRunner

from safezone.entrypoints.cli import main
from tests.cap.conftest import SAMPLES, with_cap_prefix

VALID = SAMPLES / "valid"


def _run(*args: str):
    return CliRunner().invoke(main, ["cap", *args])


def test_validate_summarises_each_file_and_exits_0_when_all_are_valid() -> None:
    files = sorted(str(p) for p in VALID.glob("*.xml"))
    result = _run("validate", *files)
    assert result.exit_code == 0, result.output
    assert f"{len(files)} of {len(files)} valid" in result.output
    assert "flood_pt_cap11_latin1.xml: valid CAP 1.1, 1 warning(s)" in result.output
    assert "tsunami_signed.xml: valid CAP 1.2" in result.output


def test_validate_exits_non_zero_and_says_where_each_error_is() -> None:
    result = _run("validate", str(VALID / "earthquake_es_en.xml"), str(SAMPLES / "invalid" / "rules_broken.xml"))
    assert result.exit_code == 1
    assert "rules_broken.xml: INVALID: 9 error(s)" in result.output
    assert "error: line 19: /alert/info[1]/area[1]/polygon[1]: polygon is not closed" in result.output
    assert "1 of 2 valid" in result.output


def test_validate_names_the_reason_for_hostile_input() -> None:
    result = _run("validate", str(SAMPLES / "hostile" / "billion_laughs.xml"))
    assert result.exit_code == 1
    assert "error: line 2: /: DTDs are not allowed" in result.output


def test_validate_honours_a_size_limit() -> None:
    result = _run("validate", "--max-bytes", "500", str(VALID / "earthquake_es_en.xml"))
    assert result.exit_code == 1
    assert "the limit is 500 bytes" in result.output


def test_validate_refuses_a_missing_file_with_exit_2() -> None:
    result = _run("validate", str(SAMPLES / "no-such-file.xml"))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_show_gives_a_readable_summary_in_every_language() -> None:
    result = _run("show", str(VALID / "civil_danger_update_fr_ar.xml"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Update (Actual, Public) CAP 1.2"
    assert "  replaces:   protection-civile.example.org.2026-11-27T1400.cd-0007" in lines
    assert "[fr-FR] Danger civil : restez à l'abri, zone étendue au quartier de la gare" in lines
    assert "[ar] خطر مدني: ابقوا في الداخل، توسيع المنطقة لتشمل حي المحطة" in lines
    assert "  response:   Shelter, Avoid" in lines
    assert "  area:       Centre-ville et quartier de la gare (6-point polygon; INSEE=69381)" in lines


def test_show_marks_tests_and_exercises_first() -> None:
    result = _run("show", str(VALID / "cancel_test_en.xml"))
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "*** TEST: not a real alert ***"


def test_show_mentions_a_signature_and_circles() -> None:
    signed = _run("show", str(VALID / "tsunami_signed.xml"))
    assert "signed:     1 XML signature(s), not verified here" in signed.output
    quake = _run("show", str(VALID / "earthquake_es_en.xml"))
    assert "circle 150.0 km around -33.05,-72.1" in quake.output


def test_show_refuses_a_broken_message_with_exit_2() -> None:
    result = _run("show", str(SAMPLES / "invalid" / "schema_broken.xml"))
    assert result.exit_code == 2
    assert "cannot be read as CAP" in result.output
    assert "line 12: /alert/info[1]/urgency" in result.output


def test_validate_goes_on_to_the_next_file_whatever_one_file_does(tmp_path) -> None:
    """A schema-invalid message with a `cap:` prefix used to stop the run with a traceback."""
    prefixed = tmp_path / "prefixed_broken.xml"
    prefixed.write_bytes(with_cap_prefix((SAMPLES / "invalid" / "schema_broken.xml").read_bytes()))
    first, last = VALID / "cancel_test_en.xml", VALID / "earthquake_es_en.xml"
    result = _run("validate", str(first), str(prefixed), str(last))
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{prefixed}: INVALID: 2 error(s), 0 warning(s)" in result.output
    assert "error: line 12: /alert/info[1]/urgency: Element 'urgency'" in result.output
    assert f"{last}: valid CAP 1.2" in result.output
    assert "2 of 3 valid" in result.output


def test_a_file_that_cannot_be_read_is_reported_and_the_run_goes_on() -> None:
    last = VALID / "earthquake_es_en.xml"
    result = _run("validate", "/proc/self/mem", str(last))  # exists, but reading it fails (EIO)
    assert result.exit_code == 1, result.output
    assert "/proc/self/mem: INVALID: 1 error(s)" in result.output
    assert "error: /: cannot read the file: Input/output error" in result.output
    assert f"{last}: valid CAP 1.2" in result.output


def test_validate_stops_reading_an_endless_file_at_the_limit() -> None:
    """`cap validate /dev/zero` used to read until memory ran out (23 GB)."""
    start = time.perf_counter()
    result = _run("validate", "--max-bytes", "1000", "/dev/zero")
    assert result.exit_code == 1
    assert "/dev/zero: INVALID: 1 error(s)" in result.output
    assert "the limit is 1,000 bytes and reading stopped there" in result.output
    assert time.perf_counter() - start < 2


def test_validate_stops_reading_a_pipe_at_the_limit(tmp_path) -> None:
    """A sender that never stops writing is cut off: the writer learns the pipe is closed
    having got little more than the limit (plus what the pipe itself buffers) through."""
    fifo = tmp_path / "feed"
    os.mkfifo(fifo)
    written = []

    def writer() -> None:
        with open(fifo, "wb", buffering=0) as pipe:
            total = 0
            try:
                while total < 64 * 1024 * 1024:  # bounded, should the reader never stop
                    total += pipe.write(b"<" * 4096)
            except BrokenPipeError:
                pass
            written.append(total)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    result = _run("validate", "--max-bytes", "10000", str(fifo))
    thread.join(timeout=10)
    assert result.exit_code == 1, result.output
    assert "the limit is 10,000 bytes and reading stopped there" in result.output
    assert written and written[0] <= 10_001 + 1024 * 1024  # the limit, the pipe's buffer, one write


def test_validate_reads_standard_input_as_dash() -> None:
    data = (VALID / "cancel_test_en.xml").read_bytes()
    result = CliRunner().invoke(main, ["cap", "validate", "-"], input=data)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("-: valid CAP 1.2")
    endless = CliRunner().invoke(main, ["cap", "show", "--max-bytes", "100", "-"], input=b"<" * 10_000)
    assert endless.exit_code == 2
    assert "the limit is 100 bytes and reading stopped there" in endless.output


def test_show_calls_a_circle_of_radius_zero_a_point_and_reads_prefixed_messages() -> None:
    corpus = SAMPLES.parent / "corpus"
    quake = _run("show", str(corpus / "usgs_earthquake_point.xml"))
    assert quake.exit_code == 0, quake.output
    assert "  area:       41 km SSW of an example town, Alaska (point 59.8741,-152.9077)" in quake.output
    tornado = _run("show", str(corpus / "nws_cap12_ipaws_prefixed.xml"))
    assert tornado.exit_code == 0, tornado.output
    assert "[en-US] Tornado Warning issued December 1 at 2:52PM CST" in tornado.output
