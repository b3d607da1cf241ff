"""The migration lock: one process at a time migrates a database.

PostgreSQL takes ``pg_try_advisory_xact_lock`` in a transaction held open for the run (released when it ends,
also when the process dies); MySQL/MariaDB takes ``GET_LOCK`` on a connection held for the run. SQLite needs
no lock of its own: the run holds a ``BEGIN IMMEDIATE`` transaction, the database's write lock (see
`ryx_migrate.executor`). Each waits up to ``timeout`` seconds, then raises `MigrationLockError`.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from types import TracebackType

import ryx_core

from ryx_migrate.dialects import Dialect, is_mysql
from ryx_migrate.errors import MigrationLockError

#: Seconds between two attempts to take a busy lock.
POLL_INTERVAL = 0.1


def lock_key(name: str) -> int:
    """Return the signed 64-bit PostgreSQL advisory-lock key of a lock name."""
    return int.from_bytes(hashlib.sha1(name.encode()).digest()[:8], "big", signed=True)


class MigrationLock:
    """``async with MigrationLock(alias, dialect, name, timeout):`` holds the lock of ``name`` on the alias."""

    def __init__(self, alias: str, dialect: Dialect, name: str, timeout: float = 60.0) -> None:
        """Lock ``name`` (the history table's name: runners sharing a history table exclude each other)."""
        self.alias = alias
        self.dialect = dialect
        self.name = f"ryx_migrate:{name}"[:64]
        self.timeout = timeout
        self._tx: ryx_core.Transaction | None = None

    async def _try(self, tx: ryx_core.Transaction) -> bool:
        """Try once to take the lock."""
        if self.dialect == "postgres":
            got = await ryx_core.fetch_scalar("SELECT pg_try_advisory_xact_lock(?)", [lock_key(self.name)], tx=tx)
        else:
            got = await ryx_core.fetch_scalar("SELECT GET_LOCK(?, 0)", [self.name], tx=tx, hint="int")
        return bool(got)

    async def __aenter__(self) -> MigrationLock:
        """Take the lock, waiting up to the timeout."""
        if self.dialect == "sqlite":
            return self
        tx = await ryx_core.begin(self.alias)
        deadline = time.monotonic() + self.timeout
        try:
            while not await self._try(tx):
                if time.monotonic() >= deadline:
                    raise MigrationLockError(
                        f"another process is migrating alias {self.alias!r} (lock {self.name!r} held for more than "
                        f"{self.timeout:g}s); wait for it to finish and run migrate again, or raise lock_timeout"
                    )
                await asyncio.sleep(POLL_INTERVAL)
        except BaseException:
            await tx.rollback()
            raise
        self._tx = tx
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Release the lock."""
        tx, self._tx = self._tx, None
        if tx is None:
            return
        try:
            if is_mysql(self.dialect):
                await ryx_core.fetch_scalar("SELECT RELEASE_LOCK(?)", [self.name], tx=tx, hint="int")
        finally:
            await tx.rollback()


__all__ = ["POLL_INTERVAL", "MigrationLock", "lock_key"]
