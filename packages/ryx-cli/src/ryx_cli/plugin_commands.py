"""Plugin commands as Typer commands: their arguments go, untouched, to the argparse parser the command declares."""

from __future__ import annotations

import argparse
from typing import NoReturn

import typer

from ryx_cli.plugins import Command
from ryx_cli.runner import Invocation, run


class _Parser(argparse.ArgumentParser):
    """An argparse parser that reports errors with the CLI's usage exit code instead of exiting the process."""

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            typer.echo(message.rstrip(), err=True)
        raise typer.Exit(status)

    def error(self, message: str) -> NoReturn:
        self.print_usage()
        self.exit(2, f"{self.prog}: error: {message}")


def add_plugin_command(app: typer.Typer, command_class: type[Command]) -> None:
    """Add ``ryx <name> ...`` for a plugin command to ``app``."""

    def invoke(ctx: typer.Context) -> None:
        parser = _Parser(prog=f"ryx {command_class.name}", description=command_class.description or command_class.help)
        command = command_class()
        command.add_arguments(parser)
        args = parser.parse_args(ctx.args)

        async def body(inv: Invocation) -> int:
            command.configure(inv.settings)
            command.console = inv.console
            return int(await command.execute(args) or 0)

        run(body)

    app.command(
        command_class.name,
        help=command_class.help or command_class.description,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        add_help_option=False,
    )(invoke)


__all__ = ["add_plugin_command"]
