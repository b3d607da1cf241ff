"""`ryx showmigrations`: every migration file and whether it is applied, per database alias."""

from __future__ import annotations

from itertools import groupby
from typing import Annotated

import typer

from ryx_cli.describe import shown_path
from ryx_cli.migrations import make_runner
from ryx_cli.project import connected
from ryx_cli.runner import Invocation, run, with_global_options

NAME = "showmigrations"


@with_global_options
def command(
    unapplied: Annotated[bool, typer.Option("--unapplied", help="Only the migrations not applied yet.")] = False,
) -> None:
    """List the migrations of the project, [X] applied or [ ] not, on each alias (or only --database)."""

    async def body(inv: Invocation) -> int:
        runner = make_runner(inv)
        if not runner.files():
            inv.console.line(f"No migration files in {shown_path(inv.settings.migrations_dir)}.")
            inv.console.line("Run `ryx makemigrations` to write the first one.", "dim")
            return 0
        async with connected(inv.settings):
            statuses = await runner.showmigrations()
        for alias, rows in groupby(statuses, key=lambda s: s.alias):
            inv.console.heading(f"{alias}:")
            shown = 0
            for status in rows:
                if unapplied and status.applied:
                    continue
                shown += 1
                if status.applied:
                    when = status.applied_at.strftime("%Y-%m-%d %H:%M:%S") if status.applied_at else ""
                    inv.console.line(
                        f"  {inv.console.style('[X]', 'ok')} {status.label}  {inv.console.style(when, 'dim')}"
                    )
                else:
                    inv.console.line(f"  [ ] {status.label}")
            if not shown:
                inv.console.line("  (every migration is applied)", "dim")
        return 0

    run(body)
