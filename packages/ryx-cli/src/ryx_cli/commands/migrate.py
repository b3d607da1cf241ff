"""`ryx migrate`: apply (or unapply, to a target or `zero`) the migrations on every alias, with progress."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import typer
from ryx_migrate.executor import PlanStep

from ryx_cli.migrations import make_runner, progress_runner
from ryx_cli.project import connected
from ryx_cli.runner import Invocation, run, with_global_options

NAME = "migrate"


@with_global_options
def command(
    target: Annotated[
        str | None,
        typer.Argument(
            metavar="[TARGET]",
            help="Migrate to this migration (a name, a number prefix such as 0002, app:name), or 'zero' to "
            "unapply everything. Default: apply everything.",
        ),
    ] = None,
    fake: Annotated[
        bool, typer.Option("--fake", help="Record the migrations as applied (or unapplied) without running them.")
    ] = False,
    plan: Annotated[
        bool, typer.Option("--plan", "--dry-run", help="Show what would run, with its SQL; change nothing.")
    ] = False,
    schema: Annotated[
        str, typer.Option("--schema", metavar="SCHEMA", help="PostgreSQL schema of models without Meta.schema.")
    ] = "",
    no_input: Annotated[
        bool, typer.Option("--no-input", "--no-interactive", help="Accepted for compatibility: migrate never asks.")
    ] = False,
) -> None:
    """Apply the migrations on every configured database alias (or only --database).

    With no migration files at all, the models' tables are created directly. Each migration runs in a
    transaction where the database allows it, under a lock that keeps two deployers apart.
    """

    async def body(inv: Invocation) -> int:
        settings = inv.settings
        _ = inv.models  # import the models before connecting: a broken module is reported first
        async with connected(settings) as aliases:
            steps = await make_runner(inv, schema=schema).plan(target)
            if plan:
                return _show_plan(inv, steps)
            if not steps:
                inv.console.ok(f"No migrations to apply on {', '.join(map(repr, aliases))}")
                return 0
            forwards = sum(not s.backwards for s in steps)
            backwards = len(steps) - forwards
            what = ", ".join(
                part
                for part in (f"{forwards} to apply" if forwards else "", f"{backwards} to unapply" if backwards else "")
                if part
            )
            inv.console.heading(f"Running migrations ({what}):")
            done = await progress_runner(inv, len(steps), schema=schema).migrate(target, fake=fake)
        verb = "recorded (fake)" if fake else "done"
        inv.console.ok(f"{len(done)} migration step(s) {verb}")
        return 0

    run(body)


def _show_plan(inv: Invocation, steps: Sequence[PlanStep]) -> int:
    """Print what would run, with the SQL of each step."""
    if not steps:
        inv.console.ok("Nothing to do: every migration is applied")
        return 0
    inv.console.heading("Planned operations (nothing was changed):")
    for step in steps:
        inv.console.line(f"  {inv.console.style(str(step), 'name')}")
        for sql in step.sql:
            inv.console.line(f"    {inv.console.style(sql, 'sql')}")
    return 0
