"""The HTTP service: `create_app` builds it on an assembled container (see safezone.bootstrap)."""

from safezone.entrypoints.web.app import create_app

__all__ = ["create_app"]
