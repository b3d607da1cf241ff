"""placeholder."""

NAME = "sqlmigrate"


def command() -> None:
    """TODO."""
