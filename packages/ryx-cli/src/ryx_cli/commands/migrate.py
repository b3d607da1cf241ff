"""placeholder."""

NAME = "migrate"


def command() -> None:
    """TODO."""
