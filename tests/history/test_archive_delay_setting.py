"""SAFEZONE_ARCHIVE_DELAY_HOURS: 24 by default, 0 to 720, checked at start like every setting."""

from __future__ import annotations

from datetime import timedelta

import pytest

from safezone.bootstrap import Settings
from safezone.domain.errors import InputError


@pytest.mark.parametrize("value", ["nan", "-1", "721", "inf", "a day"])
def test_a_bad_archive_delay_is_refused_naming_it(value):
    with pytest.raises(InputError) as refused:
        Settings.from_environ({"SAFEZONE_ARCHIVE_DELAY_HOURS": value})
    assert refused.value.field == "SAFEZONE_ARCHIVE_DELAY_HOURS" and repr(value) in str(refused.value)


def test_the_archive_delay_is_a_day_unless_set():
    assert Settings().archive_delay == timedelta(hours=24)
    assert Settings.from_environ({"SAFEZONE_ARCHIVE_DELAY_HOURS": "0.5"}).archive_delay == timedelta(minutes=30)
    with pytest.raises(InputError):
        Settings(archive_delay=timedelta(days=31))
