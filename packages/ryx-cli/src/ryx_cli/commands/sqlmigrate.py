"""`ryx sqlmigrate`: the SQL a migration runs, for the selected database's dialect or any other (no connection)."""

from __future__ import annotations

from typing import Annotated

import typer

from ryx_cli.errors import UsageError
from ryx_cli.migrations import make_runner
from ryx_cli.runner import Invocation, run, with_global_options

NAME = "sqlmigrate"
DIALECTS = ("postgres", "mysql", "mariadb", "sqlite")


@with_global_options
def command(
    migration: Annotated[
        str, typer.Argument(metavar="MIGRATION", help="The migration: its name, a number prefix (0002) or app:name.")
    ],
    dialect: Annotated[
        str | None,
        typer.Option(
            "--dialect",
            "--backend",
            metavar="DIALECT",
            help="postgres, mysql, mariadb, sqlite, or 'all'. Default: that of the selected alias's URL.",
        ),
    ] = None,
    backwards: Annotated[bool, typer.Option("--backwards", help="The SQL that unapplies the migration.")] = False,
) -> None:
    """Print the SQL statements of one migration, without connecting to the database."""

    async def body(inv: Invocation) -> int:
        if dialect is None:
            chosen = [inv.settings.dialect()]
        elif dialect == "all":
            chosen = list(DIALECTS)
        elif dialect in DIALECTS or dialect == "postgresql":
            chosen = ["postgres" if dialect == "postgresql" else dialect]
        else:
            raise UsageError(f"unknown dialect {dialect!r}: choose one of {', '.join(DIALECTS)}, or all")
        runner = make_runner(inv)
        for name in chosen:
            statements = runner.sql_for(migration, name, backwards=backwards)
            if len(chosen) > 1:
                inv.console.line(f"-- {name}", "dim")
            if not statements:
                inv.console.line("-- (no SQL: this migration changes no table)", "dim")
            for sql in statements:
                inv.console.line(sql if sql.rstrip().endswith(";") or sql.startswith("--") else f"{sql};")
            if len(chosen) > 1:
                inv.console.line()
        return 0

    run(body)
