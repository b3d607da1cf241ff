"""ryx_migrate: migrations for Ryx (state, autodetector, operations, files, runner)."""

__version__ = "0.2.0"
