"""Applying and unapplying migrations on one alias: plans, actions, transactions, history, SQLite sessions.

Each migration runs on one connection inside ``ryx.transaction(alias)`` (so ORM code in RunPython joins it)
and is recorded in the same transaction, right after its operations. PostgreSQL and SQLite roll a failed
migration back whole; MySQL/MariaDB commit each DDL statement implicitly, so a failure there can leave part
of a migration applied, and the error says so.

SQLite runs the whole alias in one session: ``BEGIN IMMEDIATE`` (the database's write lock, so a second
process waits), foreign keys turned off for table rebuilds as SQLite documents (``PRAGMA foreign_keys`` only
changes outside a transaction, so the session ends the engine's transaction, sets it, and begins again),
a savepoint per migration, ``PRAGMA foreign_key_check`` before each migration is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import ryx_core
from ryx.transaction import transaction

from ryx_migrate.autodetect import replay
from ryx_migrate.context import MigrationContext
from ryx_migrate.dialects import Dialect, is_mysql
from ryx_migrate.errors import MigrationError, MigrationLockError
from ryx_migrate.graph import MigrationGraph
from ryx_migrate.loader import Key, MigrationFile
from ryx_migrate.lock import POLL_INTERVAL, MigrationLock
from ryx_migrate.recorder import MigrationRecorder
from ryx_migrate.routing import ModelRouting
from ryx_migrate.schema import Action, DynamicStep, PythonStep, SchemaEditor, Statement
from ryx_migrate.state import ProjectState

_T = TypeVar("_T")


@dataclass
class PlanStep:
    """One migration to apply (or unapply) on one alias, with the statements it runs."""

    alias: str
    app_label: str
    name: str
    backwards: bool = False
    actions: list[Action] = field(default_factory=list, repr=False)
    state: ProjectState = field(default_factory=ProjectState, repr=False)
    fake: bool = False

    @property
    def key(self) -> Key:
        """Return ``(app_label, name)``."""
        return (self.app_label, self.name)

    @property
    def label(self) -> str:
        """Return ``app:name`` (``name`` for the unnamed app)."""
        return f"{self.app_label}:{self.name}" if self.app_label else self.name

    @property
    def sql(self) -> list[str]:
        """Return the statements (and Python steps, as comments) the step runs."""
        return [action.render() for action in self.actions]

    def __str__(self) -> str:
        """Return ``Apply name on alias`` / ``Unapply ...``."""
        return f"{'Unapply' if self.backwards else 'Apply'} {self.label} on {self.alias}"


def migration_actions(
    migration: MigrationFile, before: ProjectState, backwards: bool, editor: SchemaEditor
) -> list[Action]:
    """Return the actions applying (or unapplying) a migration from the state ``before`` it."""
    states = [before]
    current = before.clone()
    for op in migration.operations:
        op.state_forwards(migration.app_label, current)
        states.append(current.clone())
    start = len(editor.actions)
    if backwards:
        for i in reversed(range(len(migration.operations))):
            migration.operations[i].database_backwards(migration.app_label, editor, states[i + 1], states[i])
    else:
        for i, op in enumerate(migration.operations):
            op.database_forwards(migration.app_label, editor, states[i], states[i + 1])
    return editor.actions[start:]


async def run_actions(actions: Sequence[Action], ctx: MigrationContext) -> int:
    """Run actions on the context's connection; return how many ran before an error (re-raised)."""
    done = 0
    for action in actions:
        if isinstance(action, Statement):
            await ryx_core.execute(action.sql, list(action.params), alias=ctx.alias, tx=ctx.tx)
        elif isinstance(action, PythonStep):
            await action.func(ctx)
        elif isinstance(action, DynamicStep):
            for statement in await action.resolve(ctx):
                await ryx_core.execute(statement.sql, list(statement.params), alias=ctx.alias, tx=ctx.tx)
        done += 1
    return done


class AliasExecutor:
    """Plan and run migrations on one alias."""

    def __init__(
        self,
        alias: str,
        dialect: Dialect,
        routing: ModelRouting,
        *,
        history_table: str,
        default_schema: str = "",
        lock_timeout: float = 60.0,
    ) -> None:
        """Work on ``alias`` (whose SQL dialect is ``dialect``)."""
        self.alias = alias
        self.dialect = dialect
        self.routing = routing
        self.recorder = MigrationRecorder(alias, dialect, history_table)
        self.default_schema = default_schema
        self.lock_timeout = lock_timeout

    def editor(self) -> SchemaEditor:
        """Return a schema editor routing models to this alias."""
        return SchemaEditor(
            self.dialect,
            alias=self.alias,
            default_schema=self.default_schema,
            allow_model=lambda m: self.routing.allows(self.alias, m.app_label, m.name),
        )

    # ------------------------------------------------------------------------------------------ planning

    @staticmethod
    def targets(graph: MigrationGraph, target: str | None) -> tuple[list[Key], list[Key]]:
        """Return ``(forward targets, roots to unapply)`` for a target: None, ``zero``, ``app:zero`` or a name."""
        if target is None:
            return graph.leaves(), []
        app, sep, name = target.rpartition(":")
        if name == "zero":
            roots = [
                k for k in graph.order if (not sep or k[0] == app) and not any(p[0] == k[0] for p in graph.parents[k])
            ]
            if sep and not roots:
                raise MigrationError(f"app {app!r} has no migrations")
            return [], roots
        key = graph.resolve(target)
        later = [c for c in graph.children[key] if c[0] == key[0]]
        return [key], later

    def plan(self, graph: MigrationGraph, target: str | None) -> list[PlanStep]:
        """Return the steps reaching ``target`` from what is applied, with their actions (no database)."""
        applied = graph.applied_nodes()
        forwards, roots = self.targets(graph, target)
        keys = [(k, True) for k in graph.backwards_plan(roots, applied)]
        done = applied - {k for k, _ in keys}
        keys += [(k, False) for k in graph.forwards_plan(forwards, done)]
        index = {k: i for i, k in enumerate(graph.order)}
        now = set(applied)
        steps = []
        for key, backwards in keys:
            state = replay(graph.nodes[n] for n in graph.order if n in now and index[n] < index[key])
            actions = migration_actions(graph.nodes[key], state, backwards, self.editor())
            steps.append(PlanStep(self.alias, key[0], key[1], backwards, actions, state))
            if backwards:
                now.discard(key)
            else:
                now.add(key)
        return steps

    # ------------------------------------------------------------------------------------------ sessions

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[None]:
        """Hold the alias's migration lock for the block (SQLite: a foreign-keys-off write session)."""
        if self.dialect != "sqlite":
            async with MigrationLock(self.alias, self.dialect, self.recorder.table, self.lock_timeout):
                yield
            return
        outer = await self._retry_busy(self._enter)
        handle = outer.handle
        failure: BaseException | None = None
        try:
            await ryx_core.execute("COMMIT", tx=handle)
            await ryx_core.execute("PRAGMA foreign_keys = OFF", tx=handle)
            try:
                await self._retry_busy(lambda: ryx_core.execute("BEGIN IMMEDIATE", tx=handle))
                try:
                    yield
                except BaseException as exc:
                    failure = exc
                # Each migration ran in its own savepoint (rolled back on failure): keep the ones that worked.
                await ryx_core.execute("COMMIT", tx=handle)
            finally:
                await ryx_core.execute("PRAGMA foreign_keys = ON", tx=handle)
                await ryx_core.execute("BEGIN", tx=handle)  # the engine ends the transaction it began
        except BaseException as exc:
            failure = failure or exc
        await outer.__aexit__(None, None, None)
        if failure is not None:
            raise failure

    async def _enter(self) -> Any:
        """Enter a ``ryx.transaction`` on the alias (BEGIN IMMEDIATE on SQLite)."""
        block = transaction(self.alias)
        await block.__aenter__()
        return block

    async def _retry_busy(self, attempt: Callable[[], Awaitable[_T]]) -> _T:
        """Run ``attempt`` again while SQLite reports the database locked, up to the lock timeout."""
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                return await attempt()
            except ryx_core.OperationalError as exc:
                if "lock" not in str(exc).lower() and "busy" not in str(exc).lower():
                    raise
                if time.monotonic() >= deadline:
                    raise MigrationLockError(
                        f"another process is writing to the SQLite database of alias {self.alias!r} (migrating?) "
                        f"for more than {self.lock_timeout:g}s; wait for it and run migrate again"
                    ) from exc
                await asyncio.sleep(POLL_INTERVAL)

    # ------------------------------------------------------------------------------------------ running

    async def run_step(self, step: PlanStep, migration: MigrationFile, *, fake: bool = False) -> None:
        """Run one step in its transaction (a savepoint on SQLite) and record it there."""
        done = 0
        try:
            async with transaction(self.alias) as tx:
                ctx = MigrationContext(self.alias, self.dialect, tx.handle, step.state)
                if not fake:
                    done = await run_actions(step.actions, ctx)
                    if self.dialect == "sqlite":
                        await self._check_foreign_keys(ctx)
                for key in [step.key, *migration.replaces]:
                    if step.backwards:
                        await self.recorder.record_unapplied(key, tx=tx.handle)
                    else:
                        await self.recorder.record_applied(key, tx=tx.handle)
        except MigrationError:
            raise
        except Exception as exc:
            what = f"{'unapplying' if step.backwards else 'applying'} {step.label} on alias {self.alias!r}"
            if is_mysql(self.dialect) and done:
                detail = (
                    f"MySQL/MariaDB cannot roll back DDL: the first {done} of {len(step.actions)} statement(s) stay "
                    f"applied and the migration is not recorded; undo them by hand (or finish them and record the "
                    f"migration with fake=True)"
                )
            else:
                detail = "it was rolled back and is not recorded"
            raise MigrationError(f"{what} failed: {type(exc).__name__}: {exc}; {detail}") from exc

    async def _check_foreign_keys(self, ctx: MigrationContext) -> None:
        """Refuse to record a SQLite migration that leaves rows pointing at missing parents."""
        rows = await ctx.fetch_all("PRAGMA foreign_key_check")
        if rows:
            first = rows[0]
            raise MigrationError(
                f"the migration leaves {len(rows)} row(s) breaking foreign keys (first: table {first.get('table')}, "
                f"rowid {first.get('rowid')}, parent {first.get('parent')}); fix the data in the migration"
            )


__all__ = ["AliasExecutor", "PlanStep", "migration_actions", "run_actions"]
