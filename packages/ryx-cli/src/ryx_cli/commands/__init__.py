"""The built-in commands of `ryx`, one module each; `register()` adds them to the Typer application."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add every built-in command to ``app``."""
    from ryx_cli.commands import (
        check,
        dbshell,
        flush,
        inspectdb,
        makemigrations,
        migrate,
        shell,
        showmigrations,
        sqlmigrate,
        squashmigrations,
        version,
    )

    for module in (
        makemigrations,
        migrate,
        showmigrations,
        sqlmigrate,
        squashmigrations,
        inspectdb,
        check,
        flush,
        shell,
        dbshell,
        version,
    ):
        app.command(module.NAME, help=module.command.__doc__)(module.command)


__all__ = ["register"]
