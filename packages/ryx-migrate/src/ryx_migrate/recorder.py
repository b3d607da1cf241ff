"""The history table of one alias (``ryx_migrations``: app, name, applied_at), read and written with bound values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ryx_core
from ryx.transaction import current_tx

from ryx_migrate.dialects import Dialect
from ryx_migrate.loader import Key

#: The default name of the history table.
HISTORY_TABLE = "ryx_migrations"

_COLUMNS = [
    {"name": "id", "type": "BIGINT", "null": False, "primary_key": True, "auto_increment": True},
    {"name": "app", "type": "VARCHAR(255)", "null": False},
    {"name": "name", "type": "VARCHAR(255)", "null": False},
    {"name": "applied_at", "type": "DATETIME", "null": False},
]


class MigrationRecorder:
    """Read and write which migrations are applied on one alias."""

    def __init__(self, alias: str, dialect: Dialect, table: str = HISTORY_TABLE) -> None:
        """Use ``table`` on ``alias``."""
        self.alias = alias
        self.dialect = dialect
        self.table = table

    def create_statements(self) -> list[str]:
        """Return the CREATE TABLE IF NOT EXISTS of the history table."""
        return ryx_core.ddl_create_table(
            self.table, _COLUMNS, dialect=self.dialect, if_not_exists=True, uniques=[(None, ["app", "name"])]
        )

    async def exists(self, tx: ryx_core.Transaction | None = None) -> bool:
        """Return whether the history table exists."""
        tx = tx or current_tx(self.alias)
        from ryx_migrate.introspect import table_names

        return self.table in await table_names(self.alias, tx=tx)

    async def ensure(self, tx: ryx_core.Transaction | None = None) -> None:
        """Create the history table if it does not exist."""
        tx = tx or current_tx(self.alias)
        if await self.exists(tx):
            return
        for sql in self.create_statements():
            await ryx_core.execute(sql, alias=self.alias, tx=tx)

    async def applied(self, tx: ryx_core.Transaction | None = None) -> dict[Key, dt.datetime]:
        """Return ``{(app, name): applied_at}`` (empty when the table does not exist yet)."""
        tx = tx or current_tx(self.alias)
        if not await self.exists(tx):
            return {}
        rows = (
            await ryx_core.Query(self.table)
            .select("app", "name", "applied_at")
            .order_by("id")
            .fetch_all(alias=self.alias, tx=tx, as_tuples=True, hints=["str", "str", "datetime_utc"])
        )
        out: dict[Key, dt.datetime] = {}
        for row in rows:
            values: Any = row
            out[(str(values[0]), str(values[1]))] = values[2]
        return out

    async def record_applied(self, key: Key, tx: ryx_core.Transaction | None = None) -> None:
        """Record a migration as applied now."""
        tx = tx or current_tx(self.alias)
        values = {"app": key[0], "name": key[1], "applied_at": dt.datetime.now(dt.UTC)}
        await ryx_core.insert(self.table, values, alias=self.alias, tx=tx)

    async def record_unapplied(self, key: Key, tx: ryx_core.Transaction | None = None) -> None:
        """Forget a migration."""
        tx = tx or current_tx(self.alias)
        query = ryx_core.Query(self.table).filter(app=key[0], name=key[1])
        await query.delete(alias=self.alias, tx=tx)


__all__ = ["HISTORY_TABLE", "MigrationRecorder"]
