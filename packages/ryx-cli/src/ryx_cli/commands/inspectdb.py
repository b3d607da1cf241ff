"""placeholder."""

NAME = "inspectdb"


def command() -> None:
    """TODO."""
