"""The app on each database with delivery settings for tests: plain-http endpoints allowed
(local receivers), and a subscription bucket large enough for the tests' own traffic."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from safezone.adapters.channels.settings import DeliverySettings
from safezone.bootstrap import Container
from safezone.entrypoints.web import create_app
from tests.support.app import Api, clock, make_container  # noqa: F401  (fixtures)

TEST_DELIVERY = DeliverySettings(allow_http=True, subscribe_rate_per_minute=60_000, subscribe_burst=10_000,
                                 poll_s=0.01)


@pytest.fixture
def container(db_url: str, sample_zones: Any, clock: Any) -> Iterator[Container]:
    built = make_container(db_url, sample_zones, clock, delivery=TEST_DELIVERY)
    yield built
    built.close()


@pytest.fixture
def api(container: Container) -> Iterator[Api]:
    client = Api(create_app(container, sweep=False))
    yield client
    client.close()
