"""placeholder."""

NAME = "squashmigrations"


def command() -> None:
    """TODO."""
