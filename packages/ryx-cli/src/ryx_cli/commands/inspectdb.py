"""`ryx inspectdb`: model classes for the tables of an existing database, as Python that imports and runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ryx_cli.describe import shown_path
from ryx_cli.errors import UsageError
from ryx_cli.project import connected
from ryx_cli.runner import Invocation, run, with_global_options
from ryx_cli.settings import DEFAULT_HISTORY_TABLE

NAME = "inspectdb"


@with_global_options
def command(
    tables: Annotated[
        list[str] | None,
        typer.Option("--table", "-t", metavar="TABLE", help="Only this table (repeatable). Default: every table."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write the models here instead of stdout.")
    ] = None,
    schema: Annotated[
        str | None, typer.Option("--schema", metavar="SCHEMA", help="PostgreSQL schema (default: the current one).")
    ] = None,
) -> None:
    """Print Ryx models for the tables of the selected database alias (--database).

    The models say `managed = False`: migrations leave those tables alone until you remove that line.
    Foreign keys become ForeignKey fields; a type Ryx cannot map is flagged with a comment.
    """

    async def body(inv: Invocation) -> int:
        from ryx_migrate.inspectdb import render_models
        from ryx_migrate.introspect import introspect, table_names

        settings = inv.settings
        alias = settings.alias
        async with connected(settings, [alias]):
            existing = await table_names(alias, schema=schema)
            if tables:
                missing = [t for t in tables if t not in existing]
                if missing:
                    raise UsageError(
                        f"no table {', '.join(map(repr, missing))} on {alias!r}; "
                        f"the tables are: {', '.join(existing) or 'none'}"
                    )
            wanted = list(tables) if tables else [t for t in existing if t != settings.history_table]
            database = await introspect(alias, tables=wanted, schema=schema)
        source = render_models(database, tables=wanted, source=f"the {alias!r} database")
        if output is None:
            inv.console.line(source.rstrip("\n"))
        else:
            output.write_text(source)
            inv.console.ok(f"wrote {len(wanted)} model(s) to {shown_path(output.resolve())}")
        return 0

    run(body)


__all__ = ["DEFAULT_HISTORY_TABLE", "command"]
