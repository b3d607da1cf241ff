"""placeholder."""

NAME = "makemigrations"


def command() -> None:
    """TODO."""
