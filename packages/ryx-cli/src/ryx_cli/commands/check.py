"""placeholder."""

NAME = "check"


def command() -> None:
    """TODO."""
