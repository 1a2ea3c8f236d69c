from tests.support.app import api, clock, container  # noqa: F401  (fixtures)
