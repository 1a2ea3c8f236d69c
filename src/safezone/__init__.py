"""safezone: safety zones, shelters and CAP 1.2 warnings for communities near a border."""

__version__ = "0.1.0"
