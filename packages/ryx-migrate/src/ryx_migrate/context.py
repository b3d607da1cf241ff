"""What RunPython code and late-resolved statements receive: the alias, its transaction and the state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ryx_core

from ryx_migrate.dialects import Dialect
from ryx_migrate.state import ProjectState


@dataclass
class MigrationContext:
    """The connection a migration runs on.

    ``tx`` is the migration's transaction: `execute` and `fetch_all` run on it, and so does ORM code, because
    the migration runs inside ``ryx.transaction(alias)`` owned by the calling task. ``state`` is the project
    state just before the operation (the historical models, not the current classes).
    """

    alias: str
    dialect: Dialect
    tx: ryx_core.Transaction | None
    state: ProjectState

    async def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run a statement on the migration's connection; return the rows affected."""
        return await ryx_core.execute(sql, list(params or ()), alias=self.alias, tx=self.tx)

    async def fetch_all(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Run a query on the migration's connection; return its rows as dicts."""
        rows = await ryx_core.fetch_all(sql, list(params or ()), alias=self.alias, tx=self.tx)
        return [r for r in rows if isinstance(r, dict)]


__all__ = ["MigrationContext"]
