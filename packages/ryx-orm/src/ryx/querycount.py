"""Counting the statements the ORM sends: `count_queries()` records them, `assert_num_queries(n)` checks them.

Every statement goes through `ryx.execution`, which reports here while a recorder is open. Recorders
live in a ContextVar, so a recorder sees the statements of its own task (and of tasks it starts), never
those of concurrent, unrelated tasks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["select", "insert", "update", "delete", "raw", "transaction"]


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement sent to the database: its SQL (with placeholders), parameters, alias and kind."""

    sql: str
    params: tuple[Any, ...]
    alias: str | None
    kind: Kind

    def __str__(self) -> str:
        """Return the SQL followed by its parameters."""
        return f"{self.sql}  -- {list(self.params)!r}" if self.params else self.sql


class QueryLog:
    """The statements recorded by one `count_queries()` block.

    ``queries`` are the statements that read or write data; ``statements`` also holds the transaction
    control statements (BEGIN, COMMIT, SAVEPOINT ...). ``len(log)`` is the number of queries.
    """

    def __init__(self) -> None:
        """Start empty."""
        self.statements: list[Statement] = []

    @property
    def queries(self) -> list[Statement]:
        """Return the data statements (every kind but ``transaction``)."""
        return [s for s in self.statements if s.kind != "transaction"]

    @property
    def count(self) -> int:
        """Return the number of data statements."""
        return len(self.queries)

    def __len__(self) -> int:
        """Return the number of data statements."""
        return self.count

    def __iter__(self) -> Iterator[Statement]:
        """Iterate over the data statements."""
        return iter(self.queries)

    def describe(self, *, transactions: bool = False) -> str:
        """Return the recorded SQL, one numbered statement a line."""
        items = self.statements if transactions else self.queries
        return "\n".join(f"{i}. {s}" for i, s in enumerate(items, 1)) or "(no statement)"

    def __repr__(self) -> str:
        """Return ``<QueryLog: n queries>``."""
        return f"<QueryLog: {self.count} queries>"


_recorders: ContextVar[tuple[QueryLog, ...]] = ContextVar("ryx_query_recorders", default=())


def recording() -> bool:
    """Return True when a recorder is open in this context (the executor then builds the SQL text)."""
    return bool(_recorders.get())


def record(statement: Statement) -> None:
    """Add a statement to every open recorder of this context."""
    for log in _recorders.get():
        log.statements.append(statement)


class _Counter:
    """The context manager behind `count_queries` and `assert_num_queries` (``with`` and ``async with``)."""

    def __init__(self, expected: int | None = None, *, transactions: bool = False) -> None:
        """Record; on exit compare with ``expected`` statements when given."""
        if expected is not None and (not isinstance(expected, int) or isinstance(expected, bool) or expected < 0):
            raise TypeError(f"assert_num_queries() takes a number >= 0, not {expected!r}")
        self.expected = expected
        self.transactions = transactions
        self.log = QueryLog()
        self._token: Any = None

    def __enter__(self) -> QueryLog:
        """Start recording and return the log."""
        if self._token is not None:
            raise RuntimeError("this query counter is already in use; create a new one")
        self._token = _recorders.set((*_recorders.get(), self.log))
        return self.log

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        """Stop recording; check the count unless the block raised."""
        _recorders.reset(self._token)
        if exc is None and self.expected is not None:
            got = len(self.log.statements) if self.transactions else self.log.count
            if got != self.expected:
                raise AssertionError(
                    f"expected {self.expected} queries, {got} were run:\n"
                    + self.log.describe(transactions=self.transactions)
                )

    async def __aenter__(self) -> QueryLog:
        """Start recording and return the log."""
        return self.__enter__()

    async def __aexit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        """Stop recording; check the count unless the block raised."""
        self.__exit__(exc_type, exc, tb)


def count_queries() -> _Counter:
    """Record the statements the ORM sends in the block: ``with ryx.count_queries() as log: ...``.

    ``log.count`` (or ``len(log)``) is the number of queries, ``log.queries`` their `Statement` (SQL,
    parameters, alias, kind), ``log.statements`` the same plus transaction control. Usable with ``with``
    and ``async with``.
    """
    return _Counter()


def assert_num_queries(expected: int, *, transactions: bool = False) -> _Counter:
    """Fail (AssertionError listing the SQL) unless the block sends exactly ``expected`` queries.

    ``transactions=True`` counts BEGIN/COMMIT/SAVEPOINT... too. Usable with ``with`` and ``async with``.
    """
    return _Counter(expected, transactions=transactions)


__all__ = ["QueryLog", "Statement", "assert_num_queries", "count_queries", "record", "recording"]
