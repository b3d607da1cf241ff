"""The interface every contender of the ORM benchmark implements, and the admin connection that prepares tables."""

from __future__ import annotations

import sqlite3
from typing import Any
from urllib.parse import unquote, urlsplit

from ormbench.common import DDL, INDEX_DDL, make_rows, sqlite_storage, table_names


class Side:
    """One contender: a raw driver or an ORM, on one backend, reading and writing its own two tables.

    Each operation method runs the operation once and returns its result in the library's own shape;
    ``sync = True`` means the methods are plain functions (stdlib sqlite3, Django's blocking API).
    """

    name: str = "?"
    prefix: str = "?"
    raw: bool = False
    sync: bool = False

    def fetch(self) -> Any:
        raise NotImplementedError

    def filter_top(self) -> Any:
        raise NotImplementedError

    def aggregate(self) -> Any:
        raise NotImplementedError

    def get(self, pk: int) -> Any:
        raise NotImplementedError

    def bulk_create(self, rows: list[tuple[Any, ...]]) -> Any:
        raise NotImplementedError

    # The results are normalised only to check them (once, untimed), never while timing.
    def ids(self, items: Any) -> list[int]:
        """Return the primary keys of a list of fetched objects."""
        return [int(item.id) for item in items]

    def agg_values(self, result: Any) -> tuple[int, float, float]:
        """Return ``(count, avg, max)`` from the aggregate's result."""
        n, avg, mx = result
        return int(n), float(avg), float(mx)

    async def close(self) -> None:
        return None


def mysql_params(url: str) -> dict[str, Any]:
    """Return asyncmy's connect() arguments for a ``mysql://`` URL."""
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "database": parts.path.lstrip("/"),
    }


def sqlite_path(url: str) -> str:
    """Return the file path of a ``sqlite://`` URL."""
    return url.split("://", 1)[1].split("?", 1)[0]


class Admin:
    """A raw connection (sqlite3, asyncpg or asyncmy) that creates, fills, empties, counts and drops tables."""

    def __init__(self, backend: str, conn: Any) -> None:
        self.backend = backend
        self.conn = conn
        self.server = ""

    @classmethod
    async def open(cls, backend: str, url: str) -> Admin:
        if backend == "sqlite":
            self = cls(backend, sqlite3.connect(sqlite_path(url), isolation_level=None))
            self.server = f"SQLite {sqlite3.sqlite_version} (stdlib)"
        elif backend == "postgres":
            import asyncpg

            self = cls(backend, await asyncpg.connect(url))
            self.server = "PostgreSQL " + str(await self.conn.fetchval("SHOW server_version"))
        else:
            import asyncmy

            self = cls(backend, await asyncmy.connect(**mysql_params(url), autocommit=True, charset="utf8mb4"))
            self.server = str((await self.fetch_one("SELECT VERSION()"))[0])
        return self

    async def execute(self, sql: str) -> None:
        if self.backend == "sqlite":
            self.conn.execute(sql)
        elif self.backend == "postgres":
            await self.conn.execute(sql)
        else:
            async with self.conn.cursor() as cur:
                await cur.execute(sql)

    async def fetch_one(self, sql: str) -> Any:
        if self.backend == "sqlite":
            return self.conn.execute(sql).fetchone()
        if self.backend == "postgres":
            return tuple(await self.conn.fetchrow(sql))
        async with self.conn.cursor() as cur:
            await cur.execute(sql)
            return await cur.fetchone()

    async def prepare(self, prefix: str, rows: list[tuple[Any, ...]] | None = None) -> None:
        """(Re)create the contender's tables, fill the read table with ids 1..N, leave the insert table empty."""
        rows = rows if rows is not None else make_rows()
        read, ins = table_names(prefix)
        await self.drop(prefix)
        for table in (read, ins):
            await self.execute(DDL[self.backend].format(t=table))
        await self.execute(INDEX_DDL.format(t=read))
        cols = "id, name, score, active, created, amount"
        numbered = [(i + 1, *row) for i, row in enumerate(rows)]
        if self.backend == "sqlite":
            self.conn.execute("BEGIN")
            self.conn.executemany(
                f"INSERT INTO {read} ({cols}) VALUES (?, ?, ?, ?, ?, ?)",
                [(pk, *sqlite_storage(row)) for pk, *row in numbered],
            )
            self.conn.execute("COMMIT")
            self.conn.execute(f"ANALYZE {read}")
        elif self.backend == "postgres":
            await self.conn.executemany(f"INSERT INTO {read} ({cols}) VALUES ($1, $2, $3, $4, $5, $6)", numbered)
            await self.conn.execute(f"ANALYZE {read}")
        else:
            async with self.conn.cursor() as cur:
                await cur.executemany(f"INSERT INTO {read} ({cols}) VALUES (%s, %s, %s, %s, %s, %s)", numbered)
            await self.execute(f"ANALYZE TABLE {read}")

    async def clear_inserted(self, prefix: str) -> None:
        await self.execute(f"DELETE FROM {table_names(prefix)[1]}")

    async def count_inserted(self, prefix: str) -> int:
        return int((await self.fetch_one(f"SELECT COUNT(*) FROM {table_names(prefix)[1]}"))[0])

    async def drop(self, prefix: str) -> None:
        for table in table_names(prefix):
            await self.execute(f"DROP TABLE IF EXISTS {table}")

    async def close(self) -> None:
        if self.backend == "sqlite":
            self.conn.close()
        elif self.backend == "postgres":
            await self.conn.close()
        else:
            self.conn.close()
            await self.conn.ensure_closed()
