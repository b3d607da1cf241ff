"""`ryx flush`: delete every row of the project's tables on one alias, in foreign-key order, in one transaction."""

from __future__ import annotations

from typing import Annotated

import ryx
import ryx_core
import typer
from ryx.transaction import current_tx

from ryx_cli.deletion import deletion_plan
from ryx_cli.errors import CommandError
from ryx_cli.output import ask_text
from ryx_cli.project import connected
from ryx_cli.routing import models_on
from ryx_cli.runner import Invocation, run, with_global_options

NAME = "flush"


@with_global_options
def command(
    yes: Annotated[bool, typer.Option("--yes", "-y", "--force", help="Do not ask for confirmation.")] = False,
    no_input: Annotated[
        bool, typer.Option("--no-input", "--no-interactive", help="Never ask; without --yes, refuse.")
    ] = False,
) -> None:
    """Delete every row of the project's tables on one alias (--database), keeping the tables.

    Children go before the tables they refer to, all in one transaction: an error deletes nothing.
    """

    async def body(inv: Invocation) -> int:
        settings = inv.settings
        alias = settings.alias
        settings.url_for(alias)  # before asking anything: a missing URL is a usage error
        models = models_on(inv.models, alias)
        if not models:
            inv.console.warn(f"no models of the project live on the alias {alias!r}; nothing to flush")
            return 0
        plan = deletion_plan(models)
        tables = ", ".join(m._meta.table_name for m in models)
        if not yes:
            inv.console.line(f"This deletes every row of {len(models)} table(s) on {alias!r}: {tables}.")
            answer = ask_text("Type 'yes' to continue", no_input=no_input)
            if answer is None:
                raise CommandError("nothing was deleted: no answer to confirm with (pass --yes to skip the question)")
            if answer.strip().lower() != "yes":
                raise CommandError("flush cancelled; nothing was deleted")
        deleted = 0
        async with connected(settings, [alias]), ryx.transaction(alias):
            tx = current_tx(alias)
            for step in plan:
                meta = step.model._meta
                query = ryx_core.Query(meta.table_name, schema=meta.schema or None)
                if step.column is not None:
                    await query.update({step.column: None}, alias=alias, tx=tx)
                else:
                    deleted += await query.delete(alias=alias, tx=tx)
        inv.console.ok(f"flushed {len(models)} table(s) on {alias!r}: {deleted} row(s) deleted")
        return 0

    run(body)
