"""Benchmark of Ryx relation loading against the raw drivers doing the same work, in the same run (medians, ratios).

    python bench/relations_bench.py --db sqlite,postgres --runs 7 --json relations.json

Operations (data: 100 authors with 10 posts each):
  select_related   100 posts with their authors: Post.objects.select_related("author")[:100]
                   raw: the same LEFT JOIN, rows as tuples                                    target <= 2x raw
  prefetch         100 authors with their posts: Author.objects.prefetch_related("posts")
                   raw: the same two queries, posts grouped by author in a dict of lists      target <= 2x raw

Raw baselines: stdlib sqlite3 (SQLite) and asyncpg (PostgreSQL). Each contender reads the same tables
(prefix ryx_bench_rel_). Results are checked once, untimed, before timing. Nothing here is a test: a missed
target is reported, and fails the run only with --fail-on-miss.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ryx
from core_bench import DEFAULT_URLS, machine
from ryx import CharField, ForeignKey, IntField, Model

AUTHORS = 100
POSTS_PER_AUTHOR = 10
TARGET = 2.0
A_TABLE = "ryx_bench_rel_authors"
P_TABLE = "ryx_bench_rel_posts"


class Author(Model):
    name = CharField(max_length=100)

    class Meta:
        table_name = A_TABLE


class Post(Model):
    title = CharField(max_length=200)
    views = IntField(default=0)
    author = ForeignKey(Author, on_delete="CASCADE", related_name="posts")

    class Meta:
        table_name = P_TABLE


SELECT_SQL = (
    f"SELECT p.id, p.title, p.views, p.author_id, a.id, a.name FROM {P_TABLE} p "
    f"LEFT JOIN {A_TABLE} a ON p.author_id = a.id ORDER BY p.id LIMIT 100"
)
AUTHORS_SQL = f"SELECT id, name FROM {A_TABLE} ORDER BY id"
POSTS_SQL = f"SELECT id, title, views, author_id FROM {P_TABLE} WHERE author_id IN ({{marks}})"


# ------------------------------------------------------------------------------------------------ contenders


async def ryx_select_related() -> Any:
    return await Post.objects.select_related("author").order_by("id")[:100]


async def ryx_prefetch() -> Any:
    return await Author.objects.prefetch_related("posts").order_by("id")


def group(posts: list[Any], authors: list[Any]) -> dict[Any, list[Any]]:
    """Group post rows by their author key, as an application would without an ORM."""
    out: dict[Any, list[Any]] = defaultdict(list)
    for row in posts:
        out[row[3]].append(row)
    return {a[0]: out.get(a[0], []) for a in authors}


class RawSqlite:
    name = "sqlite3"

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path)

    async def select_related(self) -> Any:
        return self.conn.execute(SELECT_SQL).fetchall()

    async def prefetch(self) -> Any:
        authors = self.conn.execute(AUTHORS_SQL).fetchall()
        keys = [a[0] for a in authors]
        posts = self.conn.execute(POSTS_SQL.format(marks=", ".join("?" * len(keys))), keys).fetchall()
        return group(posts, authors)

    async def close(self) -> None:
        self.conn.close()


class RawAsyncpg:
    name = "asyncpg"

    async def open(self, url: str) -> RawAsyncpg:
        import asyncpg

        self.conn = await asyncpg.connect(url)
        return self

    async def select_related(self) -> Any:
        return await self.conn.fetch(SELECT_SQL)

    async def prefetch(self) -> Any:
        authors = await self.conn.fetch(AUTHORS_SQL)
        keys = [a[0] for a in authors]
        posts = await self.conn.fetch(
            f"SELECT id, title, views, author_id FROM {P_TABLE} WHERE author_id = ANY($1)", keys
        )
        return group(posts, authors)

    async def close(self) -> None:
        await self.conn.close()


# ------------------------------------------------------------------------------------------------ timing


async def median_us(fn: Callable[[], Awaitable[Any]], runs: int, loops: int, warmup: int) -> float:
    """Return the median time of one call, in microseconds, over ``runs`` batches of ``loops`` calls."""
    for _ in range(warmup):
        await fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(loops):
            await fn()
        samples.append((time.perf_counter() - start) / loops * 1e6)
    return statistics.median(samples)


async def load(backend: str) -> None:
    """Create and fill the tables (100 authors, 10 posts each) with Ryx itself."""
    from ryx._core import core

    quote = "`" if backend == "mysql" else '"'
    for table in (P_TABLE, A_TABLE):
        await core.execute(f"DROP TABLE IF EXISTS {quote}{table}{quote}")
    dialect = {"postgres": "postgres", "sqlite": "sqlite", "mysql": "mysql"}[backend]
    for model in (Author, Post):
        cols = [
            {
                "name": f.column,
                "type": f.db_type(),
                "null": f.null,
                "primary_key": f.primary_key,
                "auto_increment": f.auto_increment,
            }
            for f in model._meta.concrete_fields
        ]
        for sql in core.ddl_create_table(model._meta.table_name, cols, dialect=dialect):
            await core.execute(sql)
    authors = await Author.objects.bulk_create([Author(name=f"author {i}") for i in range(AUTHORS)])
    posts = [Post(title=f"post {a.pk}.{j}", views=j, author=a) for a in authors for j in range(POSTS_PER_AUTHOR)]
    await Post.objects.bulk_create(posts)


async def check(backend: str, raw: Any) -> None:
    """Compare each contender's result once with the raw driver's before timing."""
    posts = await ryx_select_related()
    raw_rows = await raw.select_related()
    got = [(p.pk, p.author.name) for p in posts]
    want = [(r[0], r[5]) for r in raw_rows]
    if got != want:
        raise RuntimeError(f"select_related on {backend}: ryx {got[:3]}... != raw {want[:3]}...")
    authors = await ryx_prefetch()
    raw_groups = await raw.prefetch()
    got_groups = {a.pk: sorted(p.pk for p in await a.posts.all()) for a in authors}
    want_groups = {k: sorted(r[0] for r in v) for k, v in raw_groups.items()}
    if got_groups != want_groups or len(authors) != AUTHORS:
        raise RuntimeError(f"prefetch on {backend}: ryx and raw disagree")
    async with ryx.assert_num_queries(2):
        await ryx_prefetch()


async def run_backend(backend: str, url: str, runs: int, loops: int, warmup: int) -> list[dict[str, Any]]:
    """Measure both operations on one backend."""
    await ryx.setup(url)
    raw: Any = None
    try:
        await load(backend)
        if backend == "sqlite":
            raw = RawSqlite(url.removeprefix("sqlite://"))
        elif backend == "postgres":
            raw = await RawAsyncpg().open(url)
        else:
            raise ValueError(f"no raw baseline for {backend}")
        await check(backend, raw)
        out = []
        for op, mine, theirs in (
            ("select_related", ryx_select_related, raw.select_related),
            ("prefetch", ryx_prefetch, raw.prefetch),
        ):
            ryx_us = await median_us(mine, runs, loops, warmup)
            raw_us = await median_us(theirs, runs, loops, warmup)
            out.append(
                {
                    "op": op,
                    "backend": backend,
                    "baseline": raw.name,
                    "ryx_us": round(ryx_us, 1),
                    "raw_us": round(raw_us, 1),
                    "ratio": round(ryx_us / raw_us, 2),
                    "target": TARGET,
                    "ok": ryx_us / raw_us <= TARGET,
                }
            )
        return out
    finally:
        if raw is not None:
            await raw.close()
        from ryx._core import core

        for table in (P_TABLE, A_TABLE):
            await core.execute(f"DROP TABLE IF EXISTS {table}")
        await ryx.close()


def render(results: list[dict[str, Any]]) -> str:
    """Return the results as a text table."""
    lines = ["Ryx relations benchmark (medians; ratio = ryx / raw, lower is better)", ""]
    lines.append(
        f"{'op':<15} {'backend':<9} {'baseline':<9} {'ryx µs':>9} {'raw µs':>9} {'ratio':>6} {'target':>7}  ok"
    )
    for r in results:
        lines.append(
            f"{r['op']:<15} {r['backend']:<9} {r['baseline']:<9} {r['ryx_us']:>9} {r['raw_us']:>9} "
            f"{r['ratio']:>6} {'<= ' + str(r['target']):>7}  {'yes' if r['ok'] else 'MISSED'}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite,postgres", help="comma-separated backends: sqlite, postgres")
    parser.add_argument("--runs", type=int, default=7, help="timed batches per measurement (median)")
    parser.add_argument("--loops", type=int, default=30, help="calls per batch")
    parser.add_argument("--warmup", type=int, default=10, help="untimed calls before each measurement")
    parser.add_argument("--json", type=Path, help="write the results (and the machine) to this file")
    parser.add_argument("--fail-on-miss", action="store_true", help="exit 1 when a ratio misses its target")
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in [b.strip() for b in args.db.split(",") if b.strip()]:
            if backend not in ("sqlite", "postgres"):
                print(f"relations bench: no raw baseline for {backend} here (sqlite3, asyncpg); skipped")
                continue
            if backend == "sqlite":
                path = os.path.join(tmp, "relations.db")
                sqlite3.connect(path).close()
                url = f"sqlite://{path}"
            else:
                url = os.environ.get(f"RYX_TEST_{backend.upper()}_URL") or DEFAULT_URLS[backend]
            results += asyncio.run(run_backend(backend, url, args.runs, args.loops, args.warmup))
    print(render(results))
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=2) + "\n")
    return 1 if args.fail_on_miss and not all(r["ok"] for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
