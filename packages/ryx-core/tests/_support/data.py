"""Seed data shared by the query tests, and Python predicates that say which rows a lookup must return.

Expected results are computed in Python from these rows, so every backend must agree with Python (and
therefore with each other). Dates were picked for the traps: 2023-12-31 is in ISO week 52, 2021-01-03 in
ISO week 53 of 2020, 2024-12-30 in ISO week 1 of 2025; three rows fall on a Sunday.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from _support import ddl
from _support.oracle import Oracle

PEOPLE_COLS = [
    ddl.Col("name", "varchar", null=False),
    ddl.Col("n", "int"),
    ddl.Col("score", "float"),
    ddl.Col("cat", "varchar", null=False),
    ddl.Col("created", "datetime", null=False),
    ddl.Col("day", "date", null=False),
    ddl.Col("data", "json"),
    ddl.Col("note", "text"),
]


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    n: int | None
    score: float
    cat: str
    created: datetime
    data: Any  # a dict (JSON) or None (SQL NULL)
    note: str | None

    @property
    def day(self) -> date:
        return self.created.date()

    def row(self) -> list[Any]:
        return [self.id, self.name, self.n, self.score, self.cat, self.created, self.day, self.data, self.note]


PEOPLE = [
    Person(
        1,
        "Alpha",
        1,
        1.5,
        "a",
        datetime(2024, 1, 15, 10, 30, 45),
        {"a": {"b": "x"}, "k": 1, "tags": ["red", "blue"]},
        "first",
    ),
    Person(2, "alphabet", 2, 2.5, "a", datetime(2024, 3, 31, 23, 59, 59), {"a": {"b": "y"}, "k": 2}, None),
    Person(3, "BETA", 3, 0.5, "b", datetime(2023, 12, 31, 0, 0, 0), {"c": True}, "x"),
    Person(4, "gamma ray", 4, 4.0, "b", datetime(2021, 1, 3, 8, 5, 9), None, "y"),
    Person(5, "Delta_5%", 5, 10.25, "c", datetime(2024, 7, 4, 12, 0, 0), {"k": 5, "a": {"b": "x", "c": [1, 2]}}, "z"),
    Person(6, "épsilon", None, -1.0, "c", datetime(2024, 12, 30, 18, 45, 0), {}, None),
    Person(7, "zeta-ALPHA", 7, 7.0, "a", datetime(2022, 2, 28, 0, 0, 1), {"tags": ["green"]}, "w"),
]
PEOPLE_COLUMNS = ["id", "name", "n", "score", "cat", "created", "day", "data", "note"]
ALL_IDS = {p.id for p in PEOPLE}


def ids(pred: Callable[[Person], bool]) -> set[int]:
    return {p.id for p in PEOPLE if pred(p)}


def week_day(d: date) -> int:
    """Django's week_day: 1 = Sunday ... 7 = Saturday."""
    return d.isoweekday() % 7 + 1


def json_contains(doc: Any, sub: Any) -> bool:
    """PostgreSQL ``@>`` semantics for objects and arrays (enough for the seed data)."""
    if isinstance(sub, dict):
        return isinstance(doc, dict) and all(k in doc and json_contains(doc[k], v) for k, v in sub.items())
    if isinstance(sub, list):
        return isinstance(doc, list) and all(any(json_contains(d, s) for d in doc) for s in sub)
    return doc == sub


def key_path(doc: Any, *path: str) -> Any:
    for part in path:
        if not isinstance(doc, dict) or part not in doc:
            return None
        doc = doc[part]
    return doc


async def seed(oracle: Oracle, table: str, columns: list[str], rows: list[list[Any]]) -> None:
    await oracle.insert_rows(table, columns, rows)
    if oracle.backend == "postgres":  # explicit ids were given: move the identity past them
        await oracle.execute(
            f"SELECT setval(pg_get_serial_sequence(?, 'id'), (SELECT MAX(id) FROM {oracle.q(table)}))", [table]
        )


def create_module_table(
    backend: str, url: str, cols: list[ddl.Col], columns: list[str], rows: list[list[Any]]
) -> tuple[str, Callable[[], None]]:
    """Create and seed a table outside any test's event loop (for module-scoped, read-only data)."""
    name = ddl.unique_name("rxm")

    async def create() -> None:
        o = Oracle(backend, url)
        try:
            await o.execute(ddl.create_table(backend, name, cols))
            await seed(o, name, columns, rows)
        finally:
            await o.close()

    async def drop() -> None:
        o = Oracle(backend, url)
        try:
            await o.execute(ddl.drop_table(backend, name))
        finally:
            await o.close()

    asyncio.run(create())
    return name, lambda: asyncio.run(drop())
