"""The operator's settings files: threat classes and alert message templates (TOML)."""
