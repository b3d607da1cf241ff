"""placeholder."""

NAME = "showmigrations"


def command() -> None:
    """TODO."""
