"""`ryx squashmigrations`: replace a run of migrations of one app by one migration with the same effect."""

from __future__ import annotations

from typing import Annotated

import typer

from ryx_cli.describe import shown_path
from ryx_cli.migrations import make_runner
from ryx_cli.runner import Invocation, run, with_global_options

NAME = "squashmigrations"


@with_global_options
def command(
    start: Annotated[str, typer.Argument(metavar="START", help="First migration to squash (name or number prefix).")],
    end: Annotated[str, typer.Argument(metavar="END", help="Last migration to squash (name or number prefix).")],
    name: Annotated[
        str | None, typer.Option("--name", "-n", metavar="NAME", help="Name of the squashed migration file.")
    ] = None,
) -> None:
    """Write one migration that replaces START..END (their operations, optimised).

    The squashed migration lists what it replaces: databases that applied the originals keep working,
    new ones apply the squashed file. Delete the originals once every database has moved past them.
    """

    async def body(inv: Invocation) -> int:
        path = make_runner(inv).squash(start, end, name=name)
        inv.console.ok(f"squashed {start}..{end} into {inv.console.style(shown_path(path), 'name')}")
        return 0

    run(body)
