"""The Typer application behind `ryx` and `python -m ryx`: global options, built-in and plugin commands."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from ryx_cli.commands import register
from ryx_cli.output import Console
from ryx_cli.plugin_commands import add_plugin_command
from ryx_cli.plugins import discover, get_commands
from ryx_cli.runner import global_options
from ryx_cli.settings import GlobalOptions, configured_plugins

HELP = """Ryx: migrations, inspection and shells for Ryx projects.

Settings come from [tool.ryx] in pyproject.toml or from ryx.toml (the nearest one above the working
directory), then RYX_DATABASE_URL / RYX_DB_<ALIAS>_URL, then the options. Exit codes: 0 success,
1 failure (or pending changes for `makemigrations --check`), 2 usage or configuration error.
"""


def _root(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            "--url",
            "-u",
            metavar="URL",
            help="URL of the selected alias (default 'default').",
            show_default=False,
        ),
    ] = None,
    urls: Annotated[
        str | None,
        typer.Option(
            "--urls", metavar="ALIAS=URL,...", help="Several aliases: 'default=URL,replica=URL'.", show_default=False
        ),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option("--database", "--db", "-d", metavar="ALIAS", help="The alias to work on.", show_default=False),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", metavar="FILE", help="The config file (default: the nearest).", show_default=False
        ),
    ] = None,
    models: Annotated[
        list[str] | None,
        typer.Option("--models", "-m", metavar="MODULE", help="A module that defines models (repeatable)."),
    ] = None,
    migrations: Annotated[
        Path | None,
        typer.Option("--migrations", "--dir", metavar="DIR", help="The migrations directory.", show_default=False),
    ] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours (NO_COLOR=1 does the same).")] = False,
    traceback: Annotated[bool, typer.Option("--traceback", help="Show the full traceback of an error.")] = False,
) -> None:
    """Keep the options given before the command name; those given after it override them."""
    global_options(ctx).merge(
        database_url=database_url,
        urls=urls,
        database=database,
        config=config,
        models=models,
        migrations=migrations,
        no_color=no_color,
        traceback=traceback,
    )


def _config_from_argv(argv: Sequence[str], commands: set[str]) -> Path | None:
    """Find a --config given on the command line (the plugins it lists must exist before parsing).

    ``-c`` counts only before the command name: after it, ``shell -c``/``dbshell -c`` take a command.
    """
    before_command = True
    for i, arg in enumerate(argv):
        if arg in commands:
            before_command = False
        if arg.startswith("--config="):
            return Path(arg.split("=", 1)[1])
        if (arg == "--config" or (arg == "-c" and before_command)) and i + 1 < len(argv):
            return Path(argv[i + 1])
    return None


def build_app(argv: Sequence[str] | None = None, *, load_plugins: bool = True) -> typer.Typer:
    """Build the `ryx` application: built-in commands, then the plugins' (from entry points and the config)."""
    app = typer.Typer(
        name="ryx",
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    register(app)
    if load_plugins:
        builtin = {str(info.name) for info in app.registered_commands}
        args = list(sys.argv[1:] if argv is None else argv)
        configured, root = configured_plugins(GlobalOptions(config=_config_from_argv(args, builtin)))
        if configured and root is not None and str(root) not in sys.path:
            sys.path.insert(0, str(root))  # the project's own plugins import like its models do
        failures = discover(configured)
        console = Console()
        for failure in failures:
            console.warn(f"could not load the {failure.source}: {failure.error}")
        for name, command_class in get_commands().items():
            if name in builtin:
                console.warn(f"the plugin command {name!r} clashes with a built-in command and is ignored")
                continue
            add_plugin_command(app, command_class)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    """Run `ryx` (the console script and `python -m ryx`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    build_app(args)(args=args, prog_name="ryx")


__all__ = ["build_app", "main"]
