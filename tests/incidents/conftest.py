from __future__ import annotations

import pytest

from safezone.services import accounts
from tests.support.app import PASSWORD, api, clock, container, login  # noqa: F401  (fixtures)


@pytest.fixture
def analyst(api, container, clock):
    """erin, an analyst (and nothing else)."""
    with container.database.unit_of_work() as uow:
        accounts.add_user(uow, "erin", PASSWORD, ["analyst"], now=clock())
        uow.commit()
    return login(api, "erin")
