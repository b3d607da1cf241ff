"""ryx_cli: the `ryx` command line."""

__version__ = "0.2.0"
