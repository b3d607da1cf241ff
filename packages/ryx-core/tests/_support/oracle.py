"""An independent view of the test database through the raw driver (aiosqlite, asyncpg, asyncmy).

The tests create and drop their tables with it, seed data that must not depend on the engine under test,
and check afterwards what really is in the database (rows, open transactions, server sessions). SQL is
written with ``?`` placeholders on every backend, like ryx_core's raw API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import warnings
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urlsplit
from uuid import UUID

from _support import ddl


def sqlite_path(url: str) -> str:
    """The file behind a ``sqlite://`` URL (``sqlite:///abs``, ``sqlite://rel``; query string dropped)."""
    rest = url.split("://", 1)[1] if "://" in url else url.split(":", 1)[1]
    return rest.split("?", 1)[0]


def mysql_params(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "database": parts.path.lstrip("/") or None,
    }


def own_client_ports(server_port: int) -> set[int] | None:
    """Local ports of this process's TCP connections to ``server_port`` (None where /proc is missing)."""
    try:
        inodes = set()
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/self/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:[") : -1])
        ports = set()
        for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
            with open(table) as lines:
                next(lines)
                for line in lines:
                    fields = line.split()
                    local, remote, inode = fields[1], fields[2], fields[9]
                    if inode in inodes and int(remote.rpartition(":")[2], 16) == server_port:
                        ports.add(int(local.rpartition(":")[2], 16))
        return ports
    except OSError:
        return None


_QMARK = re.compile(r"\?")


def _to_pg(sql: str) -> str:
    counter = iter(range(1, 10_000))
    return _QMARK.sub(lambda _m: f"${next(counter)}", sql)


def _to_mysql(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def adapt(backend: str, value: Any) -> Any:
    """Turn a Python value into what the raw driver stores the way ryx_core's contract says it is stored."""
    if isinstance(value, dict | list):
        return json.dumps(value)
    if backend == "postgres":
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, UUID):
        return str(value)
    if backend == "mysql":
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value
    # SQLite: the text formats of core-contract.md
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    return value


class Oracle:
    """One autocommit raw connection, opened on first use."""

    def __init__(self, backend: str, url: str) -> None:
        self.backend = backend
        self.url = url
        self._conn: Any = None
        self._lock = asyncio.Lock()

    def q(self, ident: str) -> str:
        return ddl.quote(self.backend, ident)

    async def _connect(self) -> Any:
        if self._conn is not None:
            return self._conn
        if self.backend == "sqlite":
            import aiosqlite

            self._conn = await aiosqlite.connect(sqlite_path(self.url), timeout=10, isolation_level=None)
            await self._conn.execute("PRAGMA foreign_keys = ON")
        elif self.backend == "postgres":
            import asyncpg

            self._conn = await asyncpg.connect(self.url, timeout=5)
            await self._conn.execute("SET lock_timeout = '10s'")
        else:
            import asyncmy

            logging.getLogger("asyncmy").setLevel(logging.ERROR)  # server notes ("Unknown table") are noise here
            self._conn = await asyncmy.connect(
                **mysql_params(self.url), autocommit=True, charset="utf8mb4", connect_timeout=5
            )
            async with self._conn.cursor() as cur:
                await cur.execute("SET SESSION lock_wait_timeout = 10, SESSION innodb_lock_wait_timeout = 10")
        return self._conn

    async def _run(self, sql: str, params: Sequence[Any], *, fetch: bool) -> tuple[list[tuple[Any, ...]], int]:
        args = [adapt(self.backend, p) for p in params]
        async with self._lock:
            conn = await self._connect()
            if self.backend == "sqlite":
                cur = await conn.execute(sql, args)
                rows = [tuple(r) for r in await cur.fetchall()] if fetch else []
                count = cur.rowcount
                await cur.close()
                return rows, count
            if self.backend == "postgres":
                if fetch:
                    return [tuple(r) for r in await conn.fetch(_to_pg(sql), *args)], -1
                status = await conn.execute(_to_pg(sql), *args)
                tail = status.rsplit(" ", 1)[-1]
                return [], int(tail) if tail.isdigit() else -1
            async with conn.cursor() as cur:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    count = await cur.execute(_to_mysql(sql), args)
                rows = [tuple(r) for r in await cur.fetchall()] if fetch else []
                return rows, count

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return (await self._run(sql, params, fetch=True))[0]

    async def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = await self.fetch(sql, params)
        return rows[0][0] if rows else None

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return (await self._run(sql, params, fetch=False))[1]

    async def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows (their ids are whatever the rows carry or the auto-increment gives, in order)."""
        cols = ", ".join(self.q(c) for c in columns)
        marks = ", ".join("?" for _ in columns)
        for row in rows:
            await self.execute(f"INSERT INTO {self.q(table)} ({cols}) VALUES ({marks})", row)

    async def count(self, table: str, where: str = "", params: Sequence[Any] = ()) -> int:
        sql = f"SELECT COUNT(*) FROM {self.q(table)}" + (f" WHERE {where}" if where else "")
        return int(await self.scalar(sql, params))

    async def table_exists(self, table: str) -> bool:
        return bool(await self.fetch(ddl.table_exists_sql(self.backend), [table]))

    async def server_version(self) -> str:
        if self.backend == "sqlite":
            return "SQLite " + str(await self.scalar("SELECT sqlite_version()"))
        if self.backend == "postgres":
            return str(await self.scalar("SELECT version()")).split(" on ", 1)[0]
        return "MySQL/MariaDB " + str(await self.scalar("SELECT VERSION()"))

    async def open_transactions(self) -> list[tuple[Any, ...]]:
        """This process's server sessions (other than the oracle's) that sit in an open transaction.

        Other clients of the same database (another test run, a developer's shell) are left out.
        PostgreSQL: ``pg_stat_activity`` in state ``idle in transaction`` (or aborted), among the sessions
        with this run's ``application_name`` (conftest tags the URL). MariaDB: ``information_schema.innodb_trx``
        of the sessions whose client port is a socket of this process. SQLite has no sessions: a write lock
        held by a leaked transaction shows up as ``database is locked`` for a writer, see
        ``sqlite_write_lock_free``.
        """
        if self.backend == "postgres":
            return await self.fetch(
                "SELECT pid, state, query FROM pg_stat_activity WHERE datname = current_database() "
                "AND usename = current_user AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%' "
                "AND application_name = current_setting('application_name')"
            )
        if self.backend == "mysql":
            rows = await self.fetch(
                "SELECT t.trx_mysql_thread_id, t.trx_state, p.HOST, t.trx_query FROM information_schema.innodb_trx t "
                "JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id "
                "WHERE t.trx_mysql_thread_id <> CONNECTION_ID()"
            )
            ours = own_client_ports(int(mysql_params(self.url)["port"]))
            if ours is None:  # not Linux: every client session counts
                return rows
            return [
                r for r in rows if str(r[2]).rpartition(":")[2].isdigit() and int(str(r[2]).rpartition(":")[2]) in ours
            ]
        return []

    async def sqlite_write_lock_free(self) -> bool:
        """Whether a writer can take the SQLite write lock right now (no other connection holds it)."""
        import sqlite3

        conn = sqlite3.connect(sqlite_path(self.url), timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            conn.close()

    async def close(self) -> None:
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        if self.backend == "mysql":
            conn.close()
            await conn.ensure_closed()
        else:
            await conn.close()
