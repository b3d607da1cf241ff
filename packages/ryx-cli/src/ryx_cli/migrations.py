"""The migration runner as the commands use it: built from the settings, with a progress line per migration."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ryx_migrate.runner import MigrationRunner

from ryx_cli.output import Console
from ryx_cli.runner import Invocation

StepRunner = Callable[..., Awaitable[None]]


def make_runner(inv: Invocation, *, dry_run: bool = False, schema: str = "") -> MigrationRunner:
    """Return a MigrationRunner over the project's models, migrations directory and history table.

    ``--database`` limits it to that alias; otherwise it visits every configured alias.
    """
    settings = inv.settings
    return MigrationRunner(
        inv.models,
        dry_run=dry_run,
        alias_filter=settings.alias if settings.alias_given else None,
        schema=schema,
        migrations_dir=settings.migrations_dir,
        no_interactive=True,
        history_table=settings.history_table,
    )


class ProgressRunner(MigrationRunner):
    """A runner that shows each migration while it runs: ``[2/5] Applying 0002_x… OK (0.31s)``."""

    def __init__(self, *args: Any, console: Console, total: int, **kwargs: Any) -> None:
        """Count the steps against ``total`` (from the plan)."""
        super().__init__(*args, **kwargs)
        self.console = console
        self.total = total
        self.done = 0

    def executor(self, alias: str) -> Any:
        """Return the alias's executor, its `run_step` wrapped in a progress line (the runner has no hook)."""
        executor = super().executor(alias)
        run_step: StepRunner = executor.run_step

        async def with_progress(step: Any, migration: Any, *, fake: bool = False) -> None:
            self.done += 1
            verb = "Unapplying" if step.backwards else "Applying"
            suffix = " (fake: recorded only)" if fake else ""
            where = f" on {alias!r}" if len(self.aliases()) > 1 else ""
            with self.console.step(f"[{self.done}/{self.total}] {verb} {step.label}{where}{suffix}"):
                await run_step(step, migration, fake=fake)

        setattr(executor, "run_step", with_progress)  # noqa: B010 -- replaces the bound method on this instance only
        return executor


def progress_runner(inv: Invocation, total: int, *, schema: str = "") -> ProgressRunner:
    """Return a `ProgressRunner` configured like `make_runner`."""
    settings = inv.settings
    return ProgressRunner(
        inv.models,
        console=inv.console,
        total=total,
        alias_filter=settings.alias if settings.alias_given else None,
        schema=schema,
        migrations_dir=settings.migrations_dir,
        no_interactive=True,
        history_table=settings.history_table,
    )


__all__ = ["ProgressRunner", "make_runner", "progress_runner"]
