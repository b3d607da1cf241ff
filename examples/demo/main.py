"""The Ryx demo: ryx-core used alone on an embedded SQLite database (build, inspect, run, transact)."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import ryx_core as rc
from ryx_core import Cond, Expr, Query

SCHEMA = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES authors(id),
    title TEXT NOT NULL,
    views INTEGER NOT NULL DEFAULT 0,
    price NUMERIC(10, 2),
    active BOOLEAN NOT NULL,
    created DATETIME NOT NULL,
    data JSON
)
"""


def show(title: str, value: object) -> None:
    print(f"\n== {title}")
    if isinstance(value, list):
        for item in value:
            print(f"   {item}")
    else:
        print(f"   {value}")


async def main(db_path: Path) -> None:
    await rc.setup(f"sqlite://{db_path}")
    print(f"ryx-core {rc.__version__} on {rc.get_backend()} {rc.server_version()} ({db_path})")
    for statement in SCHEMA.split(";"):
        await rc.execute(statement)

    author_ids = await rc.bulk_insert("authors", ["name"], [("Ada",), ("Linus",), ("Grace",)], returning="id")
    rows = [
        (
            author_ids[i % 3],
            f"Post {i}",
            i * 150,
            Decimal(f"{i}.99"),
            i % 2 == 0,
            datetime(2025, 1 + i % 12, 1, tzinfo=UTC),
            {"tags": ["rust", "python"][: 1 + i % 2], "score": i},
        )
        for i in range(1, 13)
    ]
    ids = await rc.bulk_insert(
        "posts", ["author_id", "title", "views", "price", "active", "created", "data"], rows, returning="id"
    )
    show("inserted posts", f"{len(ids)} rows, ids {ids[0]}..{ids[-1]}")

    popular = (
        Query("posts")
        .select("posts.title", "posts.views", author="a.name")
        .join("authors", ("posts.author_id", "a.id"), alias="a")
        .filter(Cond.parse("active", True) | Cond.parse("views__gte", 1000))
        .filter(created__year=2025)
        .order_by("-views")
        .limit(5)
    )
    for dialect in ("postgres", "mysql", "sqlite"):
        sql, params = popular.sql(dialect)
        show(f"SQL for {dialect}", [sql, f"params: {params}"])
    show("popular posts (active or >= 1000 views)", await popular.fetch_all())

    per_author = (
        Query("posts")
        .join("authors", ("posts.author_id", "a.id"), alias="a")
        .select(author="a.name", posts=Expr.agg("count"), views=Expr.agg("sum", "posts.views"))
        .group_by("a.name")
        .order_by("a.name")
    )
    show("posts and views per author", await per_author.fetch_all(as_tuples=True))

    tagged = Query("posts").select("title").filter(data__score__gte=10).order_by("title")
    show("JSON key lookup data__score__gte=10", await tagged.fetch_all(as_tuples=True))

    try:
        async with await rc.begin() as tx:
            await Query("posts").filter(author_id=author_ids[0]).update({"views": Expr.col("views") + 1}, tx=tx)
            await rc.execute("INSERT INTO authors (name) VALUES (?)", ["Ada"], tx=tx)  # duplicate: rolls back
    except rc.UniqueViolation as err:
        show("transaction rolled back", f"{type(err).__name__}: constraint={err.constraint!r}")
    total = await rc.fetch_scalar("SELECT SUM(views) FROM posts")
    show("total views unchanged after the rollback", total)

    async with await rc.begin() as tx:
        changed = await Query("posts").filter(views__lt=500).update({"views": Expr.col("views") * 2}, tx=tx)
    show(
        "committed update",
        f"{changed} rows doubled; total views now {await rc.fetch_scalar('SELECT SUM(views) FROM posts')}",
    )

    await rc.close()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tmp) / "demo.sqlite3"
        asyncio.run(main(target))
