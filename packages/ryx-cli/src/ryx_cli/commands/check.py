"""`ryx check`: the models are valid, the migrations are up to date, and each database matches them."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from ryx.exceptions import RyxError

from ryx_cli.errors import EXIT_FAILURE
from ryx_cli.migrations import make_runner
from ryx_cli.output import Console
from ryx_cli.project import connected
from ryx_cli.runner import Invocation, run, with_global_options

NAME = "check"


def model_problems(models: list[Any]) -> list[str]:
    """Return what is wrong with the models themselves: relation targets, index and constraint field names."""
    problems = []
    for model in models:
        meta = model._meta
        try:
            meta.check_references()
        except RyxError as exc:
            problems.append(f"{model.__name__}: {exc}")
        for f in meta.relation_fields:
            try:
                _ = f.target_field
            except RyxError as exc:
                problems.append(f"{model.__name__}.{f.name}: {exc}")
    return problems


def _report(console: Console, title: str, problems: list[str], ok: str) -> bool:
    """Print one section's outcome; return whether it passed."""
    if not problems:
        console.ok(f"{title}: {ok}")
        return True
    console.line(f"{console.style('✗', 'error')} {title}:")
    for problem in problems:
        console.item("-", problem, "error")
    return False


@with_global_options
def command(
    skip_database: Annotated[
        bool, typer.Option("--skip-database", help="Check the models and the migration files only (no connection).")
    ] = False,
) -> None:
    """Check that the models are valid, the migrations are up to date and each database matches them.

    Exit code 0 when everything holds, 1 otherwise (a line per problem says what to run).
    """

    async def body(inv: Invocation) -> int:
        from ryx_migrate.autodetect import Autodetector

        console = inv.console
        models = inv.models
        passed = _report(console, "models", model_problems(models), f"{len(models)} model(s) are valid")

        detector = Autodetector(models, inv.settings.migrations_dir)
        pending = [f"{op.describe()}" for op in detector.detect()]
        if pending:
            pending.append("run `ryx makemigrations` to write a migration for these changes")
        passed &= _report(console, "migrations", pending, "the migration files match the models")
        if skip_database:
            return 0 if passed else EXIT_FAILURE

        runner = make_runner(inv)
        async with connected(inv.settings) as aliases:
            statuses = await runner.showmigrations() if runner.files() else []
            for alias in aliases:
                problems = [
                    f"migration {s.label} is not applied (run `ryx migrate`)"
                    for s in statuses
                    if s.alias == alias and not s.applied
                ]
                if not problems:
                    problems = await runner.check_database(alias)
                passed &= _report(console, f"database {alias!r}", problems, "matches the migrations")
        return 0 if passed else EXIT_FAILURE

    run(body)
