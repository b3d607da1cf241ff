"""Operations with code the developer writes: `RunSQL` and `RunPython`, each with an optional reverse."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ryx_migrate.errors import IrreversibleError, MigrationError
from ryx_migrate.operations.base import Operation

if TYPE_CHECKING:
    from ryx_migrate.context import MigrationContext
    from ryx_migrate.schema import SchemaEditor
    from ryx_migrate.state import ProjectState

#: A statement: SQL text, or ``(sql, params)`` with bound parameters.
SQLItem = str | tuple[str, Sequence[Any]]


def _statements(sql: str | Sequence[SQLItem], what: str) -> list[tuple[str, tuple[Any, ...]]]:
    """Normalise RunSQL input to ``[(sql, params)]``."""
    single = isinstance(sql, tuple) and len(sql) == 2 and isinstance(sql[0], str) and not isinstance(sql[1], str)
    items: Sequence[SQLItem] = [sql] if isinstance(sql, str) or single else sql  # type: ignore[list-item]
    out: list[tuple[str, tuple[Any, ...]]] = []
    for item in items:
        if isinstance(item, str):
            if item.strip():
                out.append((item, ()))
        elif isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str):
            out.append((item[0], tuple(item[1])))
        else:
            raise MigrationError(
                f"RunSQL {what} must be SQL text, a list of them, or (sql, params) pairs; got {item!r}"
            )
    return out


class RunSQL(Operation):
    """Run SQL forwards, and ``reverse_sql`` backwards (None: irreversible; ``RunSQL.noop``: nothing).

    Each string is one statement; pass a list for several, and ``(sql, params)`` to bind values.
    ``database`` pins the operation to one alias; by default it runs on every alias the migration applies to.
    """

    noop: ClassVar[str] = ""
    serialized = ("sql", "reverse_sql", "database")

    def __init__(
        self,
        sql: str | Sequence[SQLItem],
        reverse_sql: str | Sequence[SQLItem] | None = None,
        *,
        database: str | None = None,
    ) -> None:
        """Run ``sql``; ``reverse_sql`` undoes it."""
        _statements(sql, "sql")
        if reverse_sql is not None:
            _statements(reverse_sql, "reverse_sql")
        self.sql = sql
        self.reverse_sql = reverse_sql
        self.database = database

    @property
    def reversible(self) -> bool:  # type: ignore[override]
        """Return whether a reverse was given."""
        return self.reverse_sql is not None

    def deconstruct(self) -> dict[str, Any]:
        """Leave out the unset options."""
        out = super().deconstruct()
        for key in ("reverse_sql", "database"):
            if out[key] is None:
                del out[key]
        return out

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Nothing: SQL does not change the model state."""

    def database_forwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Run the SQL."""
        if editor.allows_database(self.database):
            for sql, params in _statements(self.sql, "sql"):
                editor.execute(sql, params)

    def database_backwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Run the reverse SQL."""
        if self.reverse_sql is None:
            raise IrreversibleError(f"{self.describe()} has no reverse_sql, so it cannot be unapplied")
        if editor.allows_database(self.database):
            for sql, params in _statements(self.reverse_sql, "reverse_sql"):
                editor.execute(sql, params)

    def describe(self) -> str:
        """Return ``Raw SQL operation``."""
        return "Raw SQL operation"

    def migration_name_fragment(self) -> str:
        """Return ``run_sql``."""
        return "run_sql"


async def _noop(ctx: MigrationContext) -> None:
    """Do nothing (the reverse of a RunPython whose effect needs no undoing)."""


def _check_callable(code: Any, what: str) -> None:
    """Refuse what is not a callable."""
    if not callable(code):
        raise MigrationError(f"RunPython {what} must be an async function taking the migration context, not {code!r}")


class RunPython(Operation):
    """Run an async function ``code(ctx)`` forwards and ``reverse_code(ctx)`` backwards (None: irreversible).

    ``ctx`` is a `ryx_migrate.context.MigrationContext`: ``ctx.execute``/``ctx.fetch_all`` run on the
    migration's connection, and ORM calls made by the function run in the migration's transaction too.
    """

    noop: ClassVar[Callable[[MigrationContext], Any]] = staticmethod(_noop)
    serialized = ("code", "reverse_code", "database")

    def __init__(
        self,
        code: Callable[[MigrationContext], Any],
        reverse_code: Callable[[MigrationContext], Any] | None = None,
        *,
        database: str | None = None,
    ) -> None:
        """Run ``code``; ``reverse_code`` undoes it."""
        _check_callable(code, "code")
        if reverse_code is not None:
            _check_callable(reverse_code, "reverse_code")
        self.code = code
        self.reverse_code = reverse_code
        self.database = database

    @property
    def reversible(self) -> bool:  # type: ignore[override]
        """Return whether a reverse was given."""
        return self.reverse_code is not None

    def deconstruct(self) -> dict[str, Any]:
        """Leave out the unset options."""
        out = super().deconstruct()
        for key in ("reverse_code", "database"):
            if out[key] is None:
                del out[key]
        return out

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Nothing: Python code does not change the model state."""

    @staticmethod
    def _step(code: Callable[[MigrationContext], Any]) -> Callable[[MigrationContext], Any]:
        """Return an async callable running ``code`` (a plain function's result is returned as is)."""

        async def run(ctx: MigrationContext) -> Any:
            result = code(ctx)
            return await result if inspect.isawaitable(result) else result

        return run

    def database_forwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Run the function."""
        if editor.allows_database(self.database):
            editor.run_python(self._step(self.code), getattr(self.code, "__qualname__", repr(self.code)))

    def database_backwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Run the reverse function."""
        if self.reverse_code is None:
            raise IrreversibleError(f"{self.describe()} has no reverse_code, so it cannot be unapplied")
        if editor.allows_database(self.database):
            reverse = self.reverse_code
            editor.run_python(self._step(reverse), getattr(reverse, "__qualname__", repr(reverse)))

    def describe(self) -> str:
        """Return ``Run Python <name>``."""
        return f"Run Python {getattr(self.code, '__qualname__', 'code')}"

    def migration_name_fragment(self) -> str:
        """Return ``run_python``."""
        return "run_python"


__all__ = ["RunPython", "RunSQL"]
