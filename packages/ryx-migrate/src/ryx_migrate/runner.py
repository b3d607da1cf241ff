"""`MigrationRunner`: apply, unapply, plan, show, print and squash migrations, on every configured alias.

With no migration files, `MigrationRunner.migrate` creates the tables of the models that do not exist yet,
directly and without prompting (for tests and scripts). The library never prompts: ``no_interactive`` is
accepted for compatibility and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import ryx_core
from ryx.exceptions import PoolNotInitialized
from ryx.transaction import transaction

from ryx_migrate.autodetect import Autodetector
from ryx_migrate.context import MigrationContext
from ryx_migrate.dialects import dialect_of, normalize_dialect
from ryx_migrate.errors import MigrationError
from ryx_migrate.executor import AliasExecutor, PlanStep, migration_actions, run_actions
from ryx_migrate.graph import MigrationGraph
from ryx_migrate.introspect import compare_schema, introspect, table_names
from ryx_migrate.loader import Key, MigrationFile, discover
from ryx_migrate.recorder import HISTORY_TABLE
from ryx_migrate.routing import ModelRouting
from ryx_migrate.schema import SchemaEditor
from ryx_migrate.state import ProjectState, migratable_models, project_state_from_models

#: The name the plan gives the direct creation of tables from models (no migration files).
FROM_MODELS = "(tables from models)"


@dataclass(frozen=True)
class MigrationStatus:
    """One row of ``showmigrations``: a migration, and whether (and when) it is applied on an alias."""

    alias: str
    app_label: str
    name: str
    applied: bool
    applied_at: dt.datetime | None = None

    @property
    def label(self) -> str:
        """Return ``app:name`` (``name`` for the unnamed app)."""
        return f"{self.app_label}:{self.name}" if self.app_label else self.name


class MigrationRunner:
    """Run the migrations of ``migrations_dir`` for ``models`` on every alias (or those of ``alias_filter``)."""

    def __init__(
        self,
        models: Iterable[Any],
        *,
        dry_run: bool = False,
        backend: str | None = None,
        alias_filter: str | Sequence[str] | None = None,
        schema: str = "",
        migrations_dir: str | Path = "migrations",
        no_interactive: bool = False,
        history_table: str = HISTORY_TABLE,
        lock_timeout: float = 60.0,
    ) -> None:
        """Prepare a run; nothing touches a database until a coroutine method is awaited.

        ``backend`` is the dialect used by `sql_for` when none is given; ``schema`` is the PostgreSQL schema
        of models without ``Meta.schema``; ``lock_timeout`` is how long to wait for another process's run.
        """
        self.models = migratable_models(models)
        self.dry_run = dry_run
        self.backend = normalize_dialect(backend) if backend else None
        if isinstance(alias_filter, str):
            alias_filter = [alias_filter]
        self.alias_filter = list(alias_filter) if alias_filter is not None else None
        self._schema = schema
        self.migrations_dir = Path(migrations_dir)
        self.no_interactive = no_interactive
        self.history_table = history_table
        self.lock_timeout = lock_timeout
        self.routing = ModelRouting(self.models)

    def schema(self, name: str) -> Self:
        """Put models without ``Meta.schema`` into PostgreSQL schema ``name``; return the runner."""
        self._schema = name
        return self

    # ------------------------------------------------------------------------------------------ helpers

    def files(self) -> dict[Key, MigrationFile]:
        """Return the migration files (loaded afresh)."""
        return discover(self.migrations_dir)

    def aliases(self) -> list[str]:
        """Return the aliases the run visits."""
        configured = ryx_core.list_aliases()
        if not configured:
            raise PoolNotInitialized("no database is set up: call `await ryx.setup(url)` before migrating")
        if self.alias_filter is None:
            return sorted(configured)
        unknown = [a for a in self.alias_filter if a not in configured]
        if unknown:
            raise MigrationError(
                f"alias(es) {', '.join(unknown)} are not set up (configured: {', '.join(sorted(configured))})"
            )
        return list(self.alias_filter)

    def executor(self, alias: str) -> AliasExecutor:
        """Return the executor of one alias."""
        return AliasExecutor(
            alias,
            dialect_of(alias),
            self.routing,
            history_table=self.history_table,
            default_schema=self._schema,
            lock_timeout=self.lock_timeout,
        )

    # ------------------------------------------------------------------------------------------ plan and apply

    async def plan(self, target: str | None = None) -> list[PlanStep]:
        """Return the steps `migrate` would run on each alias, with their SQL (nothing is changed)."""
        files = self.files()
        steps: list[PlanStep] = []
        for alias in self.aliases():
            executor = self.executor(alias)
            if not files:
                steps += await self._from_models_plan(executor)
                continue
            applied = await executor.recorder.applied()
            steps += executor.plan(MigrationGraph(files, applied), target)
        return steps

    async def migrate(self, target: str | None = None, fake: bool = False) -> list[PlanStep]:
        """Apply (or unapply, towards ``target``) migrations on each alias; return the steps run.

        ``target``: None (everything), a migration name (``0002`` prefixes work, ``app:name`` across apps),
        ``"zero"`` or ``"app:zero"`` (unapply all). ``fake`` records without running anything.
        With ``dry_run`` this is `plan`.
        """
        if self.dry_run:
            return await self.plan(target)
        files = self.files()
        done: list[PlanStep] = []
        for alias in self.aliases():
            executor = self.executor(alias)
            async with executor.session():
                if not files:
                    steps = await self._from_models_plan(executor)
                    for step in steps:
                        await self._run_from_models(executor, step)
                    done += steps
                    continue
                await executor.recorder.ensure()
                graph = MigrationGraph(files, await executor.recorder.applied())
                graph.check_consistent()
                for step in executor.plan(graph, target):
                    step.fake = fake
                    await executor.run_step(step, graph.nodes[step.key], fake=fake)
                    done.append(step)
        return done

    async def unapply(self, target: str = "zero") -> list[PlanStep]:
        """Unapply ``target`` and everything depending on it (``"zero"``: every migration); return the steps."""
        if target == "zero" or target.endswith(":zero"):
            return await self.migrate(target)
        graph = MigrationGraph(self.files(), ())
        key = graph.resolve(target)
        parents = [p for p in graph.parents[key] if p[0] == key[0]]
        if not parents:
            return await self.migrate(f"{key[0]}:zero" if key[0] else "zero")
        return await self.migrate(f"{key[0]}:{sorted(parents)[-1][1]}" if key[0] else sorted(parents)[-1][1])

    async def _from_models_plan(self, executor: AliasExecutor) -> list[PlanStep]:
        """Return the step creating the tables of the models that do not exist yet on the alias."""
        existing = set(await table_names(executor.alias))
        state = project_state_from_models(self.models)
        missing = ProjectState({k: m for k, m in state.models.items() if m.table not in existing})
        if not missing.models:
            return []
        detector = Autodetector([], migrations_dir=self.migrations_dir)
        created, deferred = detector._create_models("", ProjectState(), missing)
        operations = [*created, *deferred]
        editor = executor.editor()
        before = ProjectState({k: m for k, m in state.models.items() if m.table in existing})
        current = before.clone()
        for op in operations:
            after = current.clone()
            op.state_forwards(_app_of(op, missing), after)
            op.database_forwards(_app_of(op, missing), editor, current, after)
            current = after
        return [PlanStep(executor.alias, "", FROM_MODELS, False, editor.actions, before)]

    async def _run_from_models(self, executor: AliasExecutor, step: PlanStep) -> None:
        """Create the tables in one transaction (not recorded: there is no migration file)."""
        async with transaction(executor.alias) as tx:
            await run_actions(step.actions, MigrationContext(executor.alias, executor.dialect, tx.handle, step.state))

    # ------------------------------------------------------------------------------------------ inspection

    async def applied(self) -> dict[str, list[tuple[str, str, dt.datetime]]]:
        """Return, per alias, the recorded migrations ``(app, name, applied_at)`` in the order applied."""
        out = {}
        for alias in self.aliases():
            records = await self.executor(alias).recorder.applied()
            out[alias] = [(app, name, when) for (app, name), when in records.items()]
        return out

    async def showmigrations(self) -> list[MigrationStatus]:
        """Return every migration file with its status on each alias, in dependency order."""
        files = self.files()
        out = []
        for alias in self.aliases():
            records = await self.executor(alias).recorder.applied()
            graph = MigrationGraph(files, records)
            for key in graph.order:
                out.append(MigrationStatus(alias, key[0], key[1], graph.is_applied(key), records.get(key)))
        return out

    async def check_database(self, alias: str | None = None) -> list[str]:
        """Return how the database of ``alias`` differs from the state the migrations build (empty: it matches)."""
        alias = alias or ryx_core.default_alias() or "default"
        files = self.files()
        if files:
            graph = MigrationGraph(files, ())
            from ryx_migrate.autodetect import replay

            state = replay(graph.nodes[k] for k in graph.order)
        else:
            state = project_state_from_models(self.models)
        state = ProjectState({k: m for k, m in state.models.items() if self.routing.allows(alias, m.app_label, m.name)})
        return compare_schema(await introspect(alias), state)

    def sql_for(self, migration_name: str, dialect: str | None = None, *, backwards: bool = False) -> list[str]:
        """Return the SQL of one migration for a dialect, without a database (``sqlmigrate``)."""
        chosen = dialect or self.backend
        if chosen is None:
            raise MigrationError("sql_for() needs a dialect: pass dialect= or MigrationRunner(backend=...)")
        graph = MigrationGraph(self.files(), ())
        key = graph.resolve(migration_name)
        from ryx_migrate.autodetect import replay

        state = replay(graph.nodes[k] for k in graph.order if k in graph.ancestors(key) - {key})
        editor = SchemaEditor(chosen, default_schema=self._schema)
        return [action.render() for action in migration_actions(graph.nodes[key], state, backwards, editor)]

    def squash(self, start: str, end: str, *, name: str | None = None) -> Path:
        """Write a migration replacing ``start``..``end`` of one app (their operations, optimised); return it."""
        from ryx_migrate.squash import squash_migrations

        return squash_migrations(self.migrations_dir, start, end, name=name)


def _app_of(op: Any, state: ProjectState) -> str:
    """Return the app of the model an operation creates."""
    name = getattr(op, "name", None) or getattr(op, "model_name", "")
    return next((k[0] for k in state.models if k[1] == str(name).lower()), "")


__all__ = ["FROM_MODELS", "MigrationRunner", "MigrationStatus"]
