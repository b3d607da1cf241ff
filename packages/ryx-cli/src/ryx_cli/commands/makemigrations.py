"""`ryx makemigrations`: write the next migration files from the models (--check for CI, --dry-run, --empty)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ryx_cli.describe import app_title, show_operations, shown_path
from ryx_cli.errors import EXIT_FAILURE, UsageError
from ryx_cli.output import ask_yes_no
from ryx_cli.runner import Invocation, run, with_global_options

NAME = "makemigrations"


def _question(candidate: object) -> str:
    """Return the rename question for an autodetector candidate."""
    kind, model, old, new = (getattr(candidate, a) for a in ("kind", "model", "old", "new"))
    if kind == "model":
        return f"Did you rename the model {old} to {new}?"
    return f"Did you rename {model}.{old} to {model}.{new}?"


@with_global_options
def command(
    apps: Annotated[
        list[str] | None, typer.Argument(metavar="[APP]...", help="Only these apps (Meta.app_label).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 when the models have changes without a migration.")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be written; write nothing.")] = False,
    empty: Annotated[
        bool, typer.Option("--empty", help="Write an empty migration (for RunSQL/RunPython) for one app.")
    ] = False,
    name: Annotated[
        str | None, typer.Option("--name", "-n", metavar="NAME", help="Name of the new migration file.")
    ] = None,
    no_input: Annotated[
        bool,
        typer.Option("--no-input", "--no-interactive", help="Ask nothing: a possible rename is a removal + addition."),
    ] = False,
) -> None:
    """Compare the models with the migration files and write the migrations that bring the files up to date.

    A model or field that disappeared while an identical one appeared may be a rename: on a terminal you are
    asked; without one (or with --no-input) the answer is no. Exit code 1 with --check when changes are pending.
    """

    async def body(inv: Invocation) -> int:
        from ryx_migrate.autodetect import Autodetector

        settings = inv.settings
        selected = list(apps or [])
        if empty:
            return _write_empty(inv, selected, name)
        answers: dict[object, bool] = {}

        def renamed(candidate: object) -> bool:
            if candidate not in answers:
                answers[candidate] = ask_yes_no(_question(candidate), default=False, no_input=no_input)
            return answers[candidate]

        detectors = [
            Autodetector(inv.models, settings.migrations_dir, app_label=app, renames=renamed) for app in selected
        ] or [Autodetector(inv.models, settings.migrations_dir, renames=renamed)]
        changes: dict[str, list[Any]] = {}
        for detector in detectors:
            detector.rename_candidates()  # ask every rename question before anything is shown
            changes.update(detector.changes())
            for warning in detector.warnings:
                inv.console.warn(warning)
        if not changes:
            inv.console.ok("No changes detected: the migrations match the models")
            return 0
        if check or dry_run:
            for app, operations in sorted(changes.items()):
                inv.console.heading(f"Changes for {app_title(app)} without a migration:")
                show_operations(inv.console, operations)
            if check:
                inv.console.error("the models have changes that no migration covers: run `ryx makemigrations`")
                return EXIT_FAILURE
            inv.console.line("(dry run: nothing was written)", "dim")
            return 0
        for detector in detectors:
            before = detector.changes()
            for path in detector.write_migrations(name=name):
                app = path.parent.name if path.parent != settings.migrations_dir else ""
                inv.console.heading(f"Migrations for {app_title(app)}:")
                inv.console.line(f"  {inv.console.style(shown_path(path), 'name')}")
                show_operations(inv.console, list(before.get(app, [])), indent="    ")
        return 0

    run(body)


def _write_empty(inv: Invocation, apps: list[str], name: str | None) -> int:
    """Write an empty migration of one app (the unnamed app by default) after its latest one."""
    from ryx_migrate.autodetect import Autodetector
    from ryx_migrate.writer import write_file

    if len(apps) > 1:
        raise UsageError("--empty writes one migration: give at most one app")
    app = apps[0] if apps else ""
    known = {m._meta.app_label for m in inv.models}
    if app not in known:
        raise UsageError(f"no model has app_label {app!r}; known apps: {', '.join(sorted(map(repr, known)))}")
    detector = Autodetector(inv.models, inv.settings.migrations_dir, app_label=app)
    path = write_file(inv.settings.migrations_dir, app, [], detector.graph.leaves(app), name=name)
    inv.console.heading(f"Empty migration for {app_title(app)}:")
    inv.console.line(f"  {inv.console.style(shown_path(path), 'name')}")
    inv.console.line("  Add RunSQL/RunPython operations to it, then run `ryx migrate`.", "dim")
    return 0
