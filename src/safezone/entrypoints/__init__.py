"""Thin entry points (CLI, later the web app and the worker), wired in `safezone.bootstrap`."""
