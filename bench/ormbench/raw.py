"""The raw-driver baselines: stdlib sqlite3 (blocking), aiosqlite, asyncpg and asyncmy, one connection each."""

from __future__ import annotations

import sqlite3
from typing import Any

from ormbench.common import SCORE_MIN, TOP_N, table_names
from ormbench.sides import Side, mysql_params, sqlite_path

PREFIX = "bench_raw"
READ, INS = table_names(PREFIX)
COLS = "id, name, score, active, created, amount"
DATA_COLS = "name, score, active, created, amount"


def statements(mark: str) -> dict[str, str]:
    """Return the SQL of each operation with the driver's placeholder style (``?``, ``$n`` or ``%s``)."""

    def p(n: int) -> str:
        return f"${n}" if mark == "$" else mark

    return {
        "fetch": f"SELECT {COLS} FROM {READ}",
        "filter": f"SELECT {COLS} FROM {READ} WHERE active = {p(1)} AND score > {p(2)} "
        f"ORDER BY score DESC LIMIT {TOP_N}",
        "aggregate": f"SELECT COUNT(id), AVG(score), MAX(score) FROM {READ}",
        "get": f"SELECT {COLS} FROM {READ} WHERE id = {p(1)}",
        "insert": f"INSERT INTO {INS} ({DATA_COLS}) VALUES ({', '.join(p(i) for i in range(1, 6))})",
    }


class RawSide(Side):
    raw = True
    prefix = PREFIX

    def ids(self, items: Any) -> list[int]:
        return [int(row[0]) for row in items]


class Sqlite3Side(RawSide):
    """stdlib sqlite3, synchronous: the fastest thing there is; returns storage types (0/1, text datetimes)."""

    name = "sqlite3"
    sync = True

    def __init__(self, url: str) -> None:
        self.conn = sqlite3.connect(sqlite_path(url), isolation_level=None, check_same_thread=False)
        self.sql = statements("?")

    def fetch(self) -> Any:
        return self.conn.execute(self.sql["fetch"]).fetchall()

    def filter_top(self) -> Any:
        return self.conn.execute(self.sql["filter"], (True, SCORE_MIN)).fetchall()

    def aggregate(self) -> Any:
        return self.conn.execute(self.sql["aggregate"]).fetchone()

    def get(self, pk: int) -> Any:
        return self.conn.execute(self.sql["get"], (pk,)).fetchone()

    def bulk_create(self, rows: list[tuple[Any, ...]]) -> Any:
        self.conn.execute("BEGIN")
        self.conn.executemany(
            self.sql["insert"], [(n, s, int(a), c.isoformat(sep=" "), str(m)) for n, s, a, c, m in rows]
        )
        self.conn.execute("COMMIT")

    async def close(self) -> None:
        self.conn.close()


class AiosqliteSide(RawSide):
    name = "aiosqlite"

    @classmethod
    async def open(cls, url: str) -> AiosqliteSide:
        import aiosqlite

        self = cls()
        self.conn = await aiosqlite.connect(sqlite_path(url), isolation_level=None)
        self.sql = statements("?")
        return self

    async def fetch(self) -> Any:
        async with self.conn.execute(self.sql["fetch"]) as cur:
            return await cur.fetchall()

    async def filter_top(self) -> Any:
        async with self.conn.execute(self.sql["filter"], (True, SCORE_MIN)) as cur:
            return await cur.fetchall()

    async def aggregate(self) -> Any:
        async with self.conn.execute(self.sql["aggregate"]) as cur:
            return await cur.fetchone()

    async def get(self, pk: int) -> Any:
        async with self.conn.execute(self.sql["get"], (pk,)) as cur:
            return await cur.fetchone()

    async def bulk_create(self, rows: list[tuple[Any, ...]]) -> Any:
        await self.conn.execute("BEGIN")
        await self.conn.executemany(
            self.sql["insert"], [(n, s, int(a), c.isoformat(sep=" "), str(m)) for n, s, a, c, m in rows]
        )
        await self.conn.execute("COMMIT")

    async def close(self) -> None:
        await self.conn.close()


class AsyncpgSide(RawSide):
    name = "asyncpg"

    @classmethod
    async def open(cls, url: str) -> AsyncpgSide:
        import asyncpg

        self = cls()
        self.conn = await asyncpg.connect(url)
        self.sql = statements("$")
        return self

    async def fetch(self) -> Any:
        return await self.conn.fetch(self.sql["fetch"])

    async def filter_top(self) -> Any:
        return await self.conn.fetch(self.sql["filter"], True, SCORE_MIN)

    async def aggregate(self) -> Any:
        return await self.conn.fetchrow(self.sql["aggregate"])

    async def get(self, pk: int) -> Any:
        return await self.conn.fetchrow(self.sql["get"], pk)

    async def bulk_create(self, rows: list[tuple[Any, ...]]) -> Any:
        # executemany runs in one implicit transaction: all rows or none, like an ORM's bulk_create.
        await self.conn.executemany(self.sql["insert"], rows)

    async def close(self) -> None:
        await self.conn.close()


class AsyncmySide(RawSide):
    name = "asyncmy"

    @classmethod
    async def open(cls, url: str) -> AsyncmySide:
        import asyncmy

        self = cls()
        self.conn = await asyncmy.connect(**mysql_params(url), autocommit=True, charset="utf8mb4")
        self.sql = statements("%s")
        return self

    async def _fetch(self, sql: str, args: Any = None, one: bool = False) -> Any:
        async with self.conn.cursor() as cur:
            await cur.execute(sql, args)
            return await (cur.fetchone() if one else cur.fetchall())

    async def fetch(self) -> Any:
        return await self._fetch(self.sql["fetch"])

    async def filter_top(self) -> Any:
        return await self._fetch(self.sql["filter"], (True, SCORE_MIN))

    async def aggregate(self) -> Any:
        return await self._fetch(self.sql["aggregate"], one=True)

    async def get(self, pk: int) -> Any:
        return await self._fetch(self.sql["get"], (pk,), one=True)

    async def bulk_create(self, rows: list[tuple[Any, ...]]) -> Any:
        await self.conn.begin()
        async with self.conn.cursor() as cur:
            await cur.executemany(self.sql["insert"], rows)
        await self.conn.commit()

    async def close(self) -> None:
        self.conn.close()
        await self.conn.ensure_closed()


async def open_raw(backend: str, url: str) -> list[RawSide]:
    """Return the raw baselines of a backend, the primary one first."""
    if backend == "sqlite":
        return [Sqlite3Side(url), await AiosqliteSide.open(url)]
    if backend == "postgres":
        return [await AsyncpgSide.open(url)]
    return [await AsyncmySide.open(url)]
